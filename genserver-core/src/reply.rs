use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::oneshot;

use crate::instance::Instance;
use crate::{ExitReason, current};

/// What travels back to a caller: the value, word that the server dropped
/// the request on purpose, or the reason the server exited without
/// answering. Telling the reason on the channel itself keeps it right when
/// a supervisor has already put a new instance behind the address.
pub(crate) enum Answer<T> {
    Value(T),
    Dropped,
    /// Boxed: every answer is moved into the channel and out of it, and
    /// the reason would make all of them three times the size of a `u64`.
    Exited(Box<ExitReason>),
}

pub(crate) type AnswerReceiver<T> = oneshot::Receiver<Answer<T>>;

/// The reply channel of one call request, carried in the message enum
/// beside the call's arguments.
///
/// Generated dispatch answers through it; a handler that wants to answer
/// later receives a [`Reply`] instead. Dropped without an answer, it tells
/// its caller: the server's exit reason
/// ([`CallError::Exited`](crate::CallError::Exited)) when the server is
/// exiting, otherwise
/// [`CallError::ReplyDropped`](crate::CallError::ReplyDropped), as a
/// dropped [`Reply`] does.
pub struct ReplyTo<T: Send + 'static> {
    tx: Option<oneshot::Sender<Answer<T>>>,
}

impl<T: Send + 'static> ReplyTo<T> {
    pub(crate) fn channel() -> (Self, AnswerReceiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo { tx: Some(tx) }, rx)
    }

    /// Delivers the reply. Returns `false` when the caller is no longer
    /// waiting (it timed out or was cancelled); the value is dropped.
    pub fn send(mut self, value: T) -> bool {
        self.tx
            .take()
            .is_some_and(|tx| tx.send(Answer::Value(value)).is_ok())
    }

    /// `true` when the caller is no longer waiting.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(oneshot::Sender::is_closed)
    }

    fn into_sender(mut self) -> Option<oneshot::Sender<Answer<T>>> {
        self.tx.take()
    }
}

/// A request dropped unanswered: because its server is exiting (the
/// mailbox is drained, or the handler unwinds from a panic), its caller is
/// told why; otherwise (a hand-written server that dropped it, or a
/// request that never reached a server) it gets `ReplyDropped` at once,
/// rather than waiting out its timeout.
impl<T: Send + 'static> Drop for ReplyTo<T> {
    #[inline]
    fn drop(&mut self) {
        // Answered (the usual case): nothing to do.
        if let Some(tx) = self.tx.take() {
            unanswered(tx);
        }
    }
}

/// Tells the caller of a request dropped unanswered why, when its server
/// is exiting; see the `Drop` of [`ReplyTo`].
#[cold]
fn unanswered<T: Send + 'static>(tx: oneshot::Sender<Answer<T>>) {
    if let Some(reason) = current::exit_reason() {
        current::tell_exited(&reason, exited(tx));
    } else if std::thread::panicking() && current::current_address().is_some() {
        orphaned(tx);
    } else {
        let _ = tx.send(Answer::Dropped);
    }
}

/// What tells the caller on `tx` that its server exited, with the reason.
fn exited<T: Send + 'static>(tx: oneshot::Sender<Answer<T>>) -> impl FnOnce(&ExitReason) + Send {
    move |reason| {
        let _ = tx.send(Answer::Exited(Box::new(reason.clone())));
    }
}

/// A reply channel dropped unanswered while a panic unwinds its server's
/// task: its caller is told once the panic is caught, the exit reason if
/// the server exits of it, `ReplyDropped` if it survives it.
fn orphaned<T: Send + 'static>(tx: oneshot::Sender<Answer<T>>) {
    current::orphan(Box::new(move |reason| {
        let _ = tx.send(match reason {
            Some(reason) => Answer::Exited(Box::new(reason.clone())),
            None => Answer::Dropped,
        });
    }));
}

impl<T: Send + 'static> fmt::Debug for ReplyTo<T> {
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
/// [`CallError::Exited`](crate::CallError::Exited) with the exit reason as
/// soon as the server has ended (after `terminate`, its name freed), and
/// a later `send` returns `false`.
pub struct Reply<T: Send + 'static> {
    slot: Arc<Slot<T>>,
    /// The instance that took the call, and its server's address as
    /// [`current::current_address`] gives it: what a drop must ask about,
    /// wherever the `Reply` is.
    instance: Arc<Instance>,
    server: usize,
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

/// An outstanding [`Reply`] the server cancels when it exits, telling the
/// caller why.
pub(crate) trait Revoke: Send + Sync {
    fn revoke(&self, reason: &ExitReason);
}

impl<T: Send + 'static> Revoke for Slot<T> {
    fn revoke(&self, reason: &ExitReason) {
        if let Some(tx) = self.take() {
            current::tell_exited(reason, exited(tx));
        }
    }
}

impl<T: Send + 'static> Reply<T> {
    pub(crate) fn new(
        reply_to: ReplyTo<T>,
        instance: Arc<Instance>,
        server: usize,
    ) -> (Self, Weak<dyn Revoke>) {
        let slot = Arc::new(Slot {
            tx: Mutex::new(reply_to.into_sender()),
        });
        let weak = Arc::downgrade(&slot);
        let weak: Weak<dyn Revoke> = weak;
        (
            Reply {
                slot,
                instance,
                server,
            },
            weak,
        )
    }
}

impl<T: Send + 'static> Reply<T> {
    /// Delivers the answer. Returns `true` when it reached the caller's
    /// channel, `false` when it cannot arrive: the caller timed out (a
    /// timed-out caller never misses an accepted answer) or was cancelled,
    /// or the server has exited (the caller already received the exit
    /// reason). A caller that drops its call after the answer arrived does
    /// not read it.
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

impl<T: Send + 'static> Drop for Reply<T> {
    /// What the caller hears depends on the server that took the call,
    /// not on the task that drops the `Reply`: another server exiting
    /// while it holds this one does not end this call with its own reason.
    fn drop(&mut self) {
        let Some(tx) = self.slot.take() else { return };
        if self.instance.exit.is_exiting() {
            // Dropped because its server is exiting (its state is being
            // dropped, or its task was aborted), or elsewhere while it
            // does: the caller hears the reason when the end is published,
            // once the server is forgotten, as the other callers do (at
            // once if it already was).
            self.instance.exit.watch(Box::new(exited(tx)));
        } else if std::thread::panicking() && current::current_address() == Some(self.server) {
            // Its server's task unwinds: from a handler, and the server is
            // about to exit with a reason not decided yet, or from code the
            // server survives (a runtime request), and it was only dropped.
            orphaned(tx);
        } else {
            let _ = tx.send(Answer::Dropped);
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("server", &self.instance.id)
            .finish_non_exhaustive()
    }
}
