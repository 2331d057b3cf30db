use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::oneshot;

use crate::exit_signal::ExitSignal;
use crate::{ServerId, current};

/// What travels back to a caller: the value, or word that the server
/// dropped the request on purpose. A closed channel with neither means the
/// server is exiting.
pub(crate) enum Answer<T> {
    Value(T),
    Dropped,
}

pub(crate) type AnswerReceiver<T> = oneshot::Receiver<Answer<T>>;

/// The reply channel of one call request, carried in the message enum
/// beside the call's arguments.
///
/// Generated dispatch answers through it; a handler that wants to answer
/// later receives a [`Reply`] instead.
pub struct ReplyTo<T> {
    tx: oneshot::Sender<Answer<T>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn channel() -> (Self, AnswerReceiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo { tx }, rx)
    }

    /// Delivers the reply. Returns `false` when the caller is no longer
    /// waiting (it timed out or was cancelled); the value is dropped.
    pub fn send(self, value: T) -> bool {
        self.tx.send(Answer::Value(value)).is_ok()
    }

    /// `true` when the caller is no longer waiting.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo").finish_non_exhaustive()
    }
}

/// A caller's pending reply, held by a handler that answers later
/// (OTP's `GenServer.reply/2`).
///
/// A `#[call]` handler that takes a `Reply<T>` argument does not reply by
/// returning; it keeps the `Reply`, stores it in its state or moves it to
/// another task, and calls [`send`](Reply::send) when the answer is known.
/// The caller still receives a plain `T`, within its call timeout.
///
/// If the `Reply` is dropped without an answer while the server runs, the
/// caller gets [`CallError::ReplyDropped`](crate::CallError::ReplyDropped)
/// at once. If the server exits while the `Reply` is outstanding, wherever
/// it is held, the caller gets
/// [`CallError::Exited`](crate::CallError::Exited) with the exit reason at
/// once, and a later `send` returns `false`.
pub struct Reply<T> {
    slot: Arc<Slot<T>>,
    exit: Arc<ExitSignal>,
    server: ServerId,
}

struct Slot<T> {
    tx: Mutex<Option<oneshot::Sender<Answer<T>>>>,
}

impl<T> Slot<T> {
    fn take(&self) -> Option<oneshot::Sender<Answer<T>>> {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// An outstanding [`Reply`] the server can cancel when it exits.
pub(crate) trait Revoke: Send + Sync {
    fn revoke(&self);
}

impl<T: Send> Revoke for Slot<T> {
    fn revoke(&self) {
        drop(self.take());
    }
}

impl<T: Send + 'static> Reply<T> {
    pub(crate) fn new(
        reply_to: ReplyTo<T>,
        exit: Arc<ExitSignal>,
        server: ServerId,
    ) -> (Self, Weak<dyn Revoke>) {
        let slot = Arc::new(Slot {
            tx: Mutex::new(Some(reply_to.tx)),
        });
        let weak = Arc::downgrade(&slot);
        let weak: Weak<dyn Revoke> = weak;
        (Reply { slot, exit, server }, weak)
    }
}

impl<T> Reply<T> {
    /// Delivers the answer. Returns `false` when it cannot arrive: the
    /// caller timed out or was cancelled, or the server has exited (the
    /// caller already received the exit reason).
    pub fn send(self, value: T) -> bool {
        match self.slot.take() {
            Some(tx) => tx.send(Answer::Value(value)).is_ok(),
            None => false,
        }
    }

    /// `true` when an answer can no longer arrive.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.slot
            .tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_none_or(oneshot::Sender::is_closed)
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        let Some(tx) = self.slot.take() else { return };
        // A reply dropped because its server is exiting (the state is being
        // dropped, or the handler holding it is unwinding in the server's
        // own task) must surface as the exit reason, which the caller reads
        // when the channel closes without an answer.
        let server_dying = self.exit.is_exiting()
            || (std::thread::panicking() && current::current_server() == Some(self.server));
        if !server_dying {
            let _ = tx.send(Answer::Dropped);
        }
    }
}

impl<T> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}
