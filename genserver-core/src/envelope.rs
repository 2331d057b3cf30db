use crate::GenServer;

/// What a mailbox carries: user messages, and the runtime's own signals.
pub(crate) enum Envelope<S: GenServer> {
    Message(S::Message),
    /// Wakes an idle server so that it notices a stop request.
    Wake,
}

impl<S: GenServer> Envelope<S> {
    /// The user message of an envelope handed back by a failed send; only
    /// user messages are ever handed back to users.
    pub(crate) fn into_message(self) -> S::Message {
        match self {
            Envelope::Message(m) => m,
            Envelope::Wake => unreachable!("runtime signals are never handed back to users"),
        }
    }
}
