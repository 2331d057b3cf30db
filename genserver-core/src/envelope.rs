use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::instance::Instance;
use crate::instrument::CallerSpan;
use crate::link::TrappedExit;
use crate::{Context, GenServer, ServerId};

/// Work done inside the server's task on its state, outside the handlers:
/// reading or replacing the state, statistics.
/// The third argument is the number of messages queued behind the request.
pub(crate) type SystemRequest<S> = Box<dyn FnOnce(&mut S, &mut Context<S>, usize) + Send>;

/// What a mailbox carries: user messages, and the runtime's own signals.
///
/// One variant carries every user message, with what travels beside it in
/// one word ([`Delivery`]): the enum then needs no tag of its own (the
/// message's tag has room for the other two variants), and a mailbox slot
/// is the message plus one word.
pub(crate) enum Envelope<S: GenServer> {
    /// A message sent through the client, a `ServerRef`, a timer, a
    /// monitor or a task.
    Message(S::Message, Delivery),
    /// Runs against the state in the server's task. Does not count as
    /// activity for the idle timeout.
    System(SystemRequest<S>),
    /// A trapped exit signal, which the server's task makes its `Exit`
    /// message: a message still to be handled, unlike a runtime request.
    Exit(Box<TrappedExit>),
}

impl<S: GenServer> Envelope<S> {
    /// A message from the current task, under its span if it has one.
    pub(crate) fn message(message: S::Message) -> Self {
        Envelope::Message(message, Delivery::from_caller())
    }

    /// A message that is dropped, not handled, if `token` is cancelled
    /// before it is dequeued (timer messages, monitor notices, task
    /// results): this is how a cancel guarantees that no message arrives
    /// afterwards.
    pub(crate) fn cancellable(message: S::Message, token: CancelToken) -> Self {
        Envelope::Message(message, Delivery(Some(Box::new(Extra::Cancel(token)))))
    }

    /// [`cancellable`](Self::cancellable), and also dropped if the
    /// instance `owner` has begun to exit before it is dequeued: the
    /// messages of a timer a server set for itself, which a detached timer
    /// may have queued just before its instance crashed, do not reach the
    /// instance a supervisor restarts behind the same address.
    pub(crate) fn owned(message: S::Message, token: CancelToken, owner: Arc<Instance>) -> Self {
        Envelope::Message(
            message,
            Delivery(Some(Box::new(Extra::Owned(token, owner)))),
        )
    }

    /// `true` for a message the instance `handler` will handle: not a
    /// runtime request, not cancelled, and not an exit signal meant for an
    /// earlier instance behind the same address (each would be dropped
    /// when its turn came).
    pub(crate) fn is_pending_message(&self, handler: ServerId) -> bool {
        match self {
            Envelope::Message(_, delivery) => !delivery.is_cancelled(),
            Envelope::Exit(exit) => exit.to == handler,
            Envelope::System(_) => false,
        }
    }

    /// The user message of an envelope handed back by a failed send; only
    /// user messages are ever handed back to users.
    pub(crate) fn into_message(self) -> Option<S::Message> {
        match self {
            Envelope::Message(m, _) => Some(m),
            Envelope::System(_) | Envelope::Exit(_) => None,
        }
    }
}

/// What travels with a message besides itself: nothing (the usual case,
/// and always without a tracing subscriber), the sender's span, or the
/// token that can cancel it.
pub(crate) struct Delivery(Option<Box<Extra>>);

enum Extra {
    Caller(CallerSpan),
    Cancel(CancelToken),
    Owned(CancelToken, Arc<Instance>),
}

impl Extra {
    /// Whether the message must not be handled: its sender cancelled it,
    /// or the instance that set it for itself has begun to exit.
    fn is_cancelled(&self) -> bool {
        match self {
            Extra::Caller(_) => false,
            Extra::Cancel(token) => token.is_cancelled(),
            Extra::Owned(token, owner) => token.is_cancelled() || owner.exit.is_exiting(),
        }
    }

    /// [`Delivery::accept`] for a message that carries something.
    #[cold]
    fn accept(self) -> Option<CallerSpan> {
        match self {
            Extra::Caller(span) => Some(span),
            Extra::Owned(_, owner) if owner.exit.is_exiting() => None,
            Extra::Cancel(token) | Extra::Owned(token, _) => token.take().then(CallerSpan::none),
        }
    }
}

impl Delivery {
    pub(crate) fn none() -> Self {
        Delivery(None)
    }

    fn from_caller() -> Self {
        Delivery(CallerSpan::current().map(|span| Box::new(Extra::Caller(span))))
    }

    /// Whether [`accept`](Self::accept) would refuse the message, without
    /// taking it.
    fn is_cancelled(&self) -> bool {
        self.0.as_deref().is_some_and(Extra::is_cancelled)
    }

    /// `None` when the message was cancelled and must not be handled;
    /// otherwise the span its handling is a child of.
    #[inline]
    pub(crate) fn accept(self) -> Option<CallerSpan> {
        match self.0 {
            None => Some(CallerSpan::none()),
            Some(extra) => (*extra).accept(),
        }
    }
}

/// Shared between a sender that may cancel a delivery and the envelope.
#[derive(Clone, Default)]
pub(crate) struct CancelToken(Arc<AtomicU8>);

/// Set in a [`CancelToken`] by `cancel`.
const CANCELLED: u8 = 1;
/// Set in a [`CancelToken`] when the server takes a message that carries
/// it to handle.
const TAKEN: u8 = 2;
/// Set in a [`CancelToken`] by a one-shot timer once its message is in the
/// mailbox.
const SENT: u8 = 4;

impl CancelToken {
    /// Cancels the messages that carry this token: from now on the server
    /// takes none of them to handle. Tells what had happened before, in
    /// the same atomic step as the takes: a message the server took is
    /// one that `cancel` came too late for, and one it did not take will
    /// never be handled.
    pub(crate) fn cancel(&self) -> TokenState {
        TokenState(self.0.fetch_or(CANCELLED, Ordering::AcqRel))
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.state().cancelled()
    }

    /// Marks the token's message taken to be handled, unless the token was
    /// cancelled: `false` then, and the message must be dropped. One step,
    /// so that a `cancel` racing it either stops the message or hears it
    /// was taken.
    pub(crate) fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (state & CANCELLED == 0).then_some(state | TAKEN)
            })
            .is_ok()
    }

    /// Marks a one-shot timer's message sent: it is in the mailbox.
    pub(crate) fn mark_sent(&self) {
        self.0.fetch_or(SENT, Ordering::Release);
    }

    pub(crate) fn state(&self) -> TokenState {
        TokenState(self.0.load(Ordering::Acquire))
    }

    /// `true` while another holder exists: a delivery still to be made or
    /// still queued. The sender may forget a token that is no longer shared.
    pub(crate) fn is_shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }
}

/// What had happened to the messages of a [`CancelToken`].
#[derive(Clone, Copy)]
pub(crate) struct TokenState(u8);

impl TokenState {
    pub(crate) fn cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    /// A one-shot timer's message is in the mailbox, or was taken from it.
    pub(crate) fn sent(self) -> bool {
        self.0 & (SENT | TAKEN) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Taking a timer's message to handle marks its token delivered; a
    /// cancelled one is not taken.
    #[test]
    fn accepting_a_cancellable_message_marks_its_token_delivered() {
        let token = CancelToken::default();
        let delivery = Delivery(Some(Box::new(Extra::Cancel(token.clone()))));
        assert!(!token.state().sent());
        assert!(delivery.accept().is_some());
        assert!(token.state().sent());
        assert!(!token.is_cancelled());

        let cancelled = CancelToken::default();
        cancelled.cancel();
        let delivery = Delivery(Some(Box::new(Extra::Cancel(cancelled.clone()))));
        assert!(delivery.accept().is_none());
        assert!(!cancelled.state().sent());
    }
}
