use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::instrument::CallerSpan;
use crate::{Context, GenServer};

/// Work done inside the server's task on its state, outside the handlers:
/// reading or replacing the state, statistics.
/// The third argument is the number of messages queued behind the request.
pub(crate) type SystemRequest<S> = Box<dyn FnOnce(&mut S, &mut Context<S>, usize) + Send>;

/// What a mailbox carries: user messages, and the runtime's own signals.
pub(crate) enum Envelope<S: GenServer> {
    /// A message sent through the client or a `ServerRef`.
    Message(S::Message, CallerSpan),
    /// A message that is dropped, not handled, if its token was cancelled
    /// before it is dequeued (timer messages, monitor notices): this is how
    /// a cancel guarantees that no message arrives afterwards.
    Cancellable(S::Message, CancelToken),
    /// Runs against the state in the server's task. Does not count as
    /// activity for the idle timeout.
    System(SystemRequest<S>),
    /// Wakes an idle server so that it notices a stop request.
    Wake,
}

impl<S: GenServer> Envelope<S> {
    pub(crate) fn message(message: S::Message) -> Self {
        Envelope::Message(message, CallerSpan::current())
    }

    /// The user message of an envelope handed back by a failed send; only
    /// user messages are ever handed back to users.
    pub(crate) fn into_message(self) -> Option<S::Message> {
        match self {
            Envelope::Message(m, _) | Envelope::Cancellable(m, _) => Some(m),
            Envelope::System(_) | Envelope::Wake => None,
        }
    }
}

/// Shared between a sender that may cancel a delivery and the envelope.
#[derive(Clone, Default)]
pub(crate) struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub(crate) fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// `true` while another holder exists: a delivery still to be made or
    /// still queued. The sender may forget a token that is no longer shared.
    pub(crate) fn is_shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }
}
