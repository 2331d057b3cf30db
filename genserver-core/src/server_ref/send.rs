//! The future a send returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::returned;
use crate::envelope::Envelope;
use crate::mailbox::{Mailbox, Push};
use crate::{GenServer, SendError};

/// The future of [`ServerRef::send`](super::ServerRef::send) and of a
/// generated client's `info`: it queues one message and resolves without
/// waiting for the message to be handled.
///
/// Nothing is queued until it is polled. In a bounded mailbox that is
/// full it waits for room, in line behind the senders that began to wait
/// before it.
///
/// # Cancel safety
///
/// Cancel safe: dropped while it waits for room, the message was not
/// queued (and is dropped with it).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, S: GenServer> {
    mailbox: &'a Mailbox<Envelope<S>>,
    /// The message until the first poll, which puts it in its envelope:
    /// the envelope records the sender's span, and a caller that
    /// instruments the future (`.instrument(span)`) enters that span only
    /// when it polls.
    message: Option<S::Message>,
    push: Option<Push<'a, Envelope<S>>>,
}

impl<'a, S: GenServer> SendFuture<'a, S> {
    #[inline]
    pub(super) fn new(mailbox: &'a Mailbox<Envelope<S>>, message: S::Message) -> Self {
        SendFuture {
            mailbox,
            message: Some(message),
            push: None,
        }
    }
}

// The message is moved out, never pinned.
impl<S: GenServer> Unpin for SendFuture<'_, S> {}

impl<S: GenServer> Future for SendFuture<'_, S> {
    type Output = Result<(), SendError<S::Message>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let pushed = if let Some(push) = &mut this.push {
            Pin::new(push).poll(cx)
        } else {
            let message = this
                .message
                .take()
                .expect("`SendFuture` polled after it completed");
            let mut push = this.mailbox.send(Envelope::message(message));
            let pushed = Pin::new(&mut push).poll(cx);
            if pushed.is_pending() {
                this.push = Some(push);
            }
            pushed
        };
        pushed.map_err(|SendError(envelope)| SendError(returned(envelope)))
    }
}

impl<S: GenServer> fmt::Debug for SendFuture<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture").finish_non_exhaustive()
    }
}
