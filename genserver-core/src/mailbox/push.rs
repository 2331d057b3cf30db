//! The future of [`Mailbox::send`], written by hand so that a send can be
//! returned as a named type: a client method generic over its message
//! (`info`) then reports a message of the wrong type once, at the
//! argument, instead of again for the future it would return and for its
//! `.await`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Mailbox;
use super::room::Wait;
use crate::SendError;

/// Queues one value, waiting for room in a full bounded mailbox. Nothing
/// happens until it is polled; dropped while it waits, the value was not
/// queued.
pub(crate) struct Push<'a, T> {
    mailbox: &'a Mailbox<T>,
    value: Option<T>,
    /// Its place in the line of senders waiting for room, once it joined.
    waiting: Option<Wait<'a>>,
}

impl<'a, T> Push<'a, T> {
    #[inline]
    pub(super) fn new(mailbox: &'a Mailbox<T>, value: T) -> Self {
        Push {
            mailbox,
            value: Some(value),
            waiting: None,
        }
    }

    fn take_value(&mut self) -> T {
        self.value.take().expect("`Push` polled after it completed")
    }
}

// The value is moved out, never pinned.
impl<T> Unpin for Push<'_, T> {}

impl<T> Future for Push<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.waiting.is_none() {
            match &this.mailbox.room {
                Some(room) if !room.try_take() => this.waiting = Some(room.wait()),
                _ => {
                    let value = this.take_value();
                    return Poll::Ready(this.mailbox.push(value).map_err(SendError));
                }
            }
        }
        let Some(waiting) = &mut this.waiting else {
            unreachable!("set above")
        };
        let Poll::Ready(given) = Pin::new(waiting).poll(cx) else {
            return Poll::Pending;
        };
        let value = this.take_value();
        let Ok(place) = given else {
            return Poll::Ready(Err(SendError(value)));
        };
        let pushed = this.mailbox.push(value);
        place.pushed();
        Poll::Ready(pushed.map_err(SendError))
    }
}
