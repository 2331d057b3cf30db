//! The caller's side of a call: waiting for the answer within the timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::deadline::{Deadline, WithDeadline, with_deadline};
use crate::envelope::Envelope;
use crate::reply::{Answer, AnswerReceiver, ReplyTo};
use crate::server_ref::Inner;
use crate::{CallError, GenServer, ServerRef, TrySendError};

/// Elixir's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The wait for room in a full bounded mailbox. Boxed, so that its state
/// does not widen every call's future.
type WaitForRoom<'a> = Pin<Box<dyn Future<Output = Result<Deadline, CallError>> + Send + 'a>>;

/// Queues a request if there is room: `Ok(None)`, and the call's deadline
/// starts now. In a full bounded mailbox the request waits for room
/// within the call's timeout, which starts then: `Ok(Some(wait))`, whose
/// end gives the deadline. If the server ends while the request waits for
/// room, the call was made while it ran: it ends with the exit reason, not
/// `NoProc`. So does one made after the mailbox closed and before the end
/// was published: the server is still named then (11.4), and `NoProc`
/// would tell a caller that starts it again under its name that the name
/// is free when it is not yet.
#[inline]
fn queue<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Option<WaitForRoom<'_>>, CallError> {
    match address.mailbox.try_send(envelope) {
        Ok(()) => Ok(None),
        Err(TrySendError::NoProc(_)) if address.instance().exit.is_finished() => {
            Err(CallError::NoProc)
        }
        Err(TrySendError::NoProc(_)) => Ok(Some(ending(address, timeout))),
        Err(TrySendError::Full(envelope)) => {
            Ok(Some(Box::pin(wait_for_room(address, envelope, timeout))))
        }
    }
}

/// [`queue`], then the wait for room if there is one: the deadline the
/// answer is awaited under.
pub(crate) async fn enqueue<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Deadline, CallError> {
    match queue(address, envelope, timeout)? {
        None => Ok(Deadline::after(timeout)),
        Some(waiting) => waiting.await,
    }
}

async fn wait_for_room<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Deadline, CallError> {
    let mut deadline = Deadline::after(timeout);
    match with_deadline(&mut deadline, address.mailbox.send(envelope)).await {
        Some(Ok(())) => Ok(deadline),
        Some(Err(_closed)) => Err(exit_reason(address, deadline).await),
        None => Err(CallError::Timeout),
    }
}

/// A request that found the mailbox of an ending server closed: the
/// server's exit reason once its end is published, within the timeout.
#[cold]
fn ending<S: GenServer>(address: &Inner<S>, timeout: Option<Duration>) -> WaitForRoom<'_> {
    Box::pin(async move { Err(exit_reason(address, Deadline::after(timeout)).await) })
}

/// The error of a call whose server is ending: its exit reason once the
/// end is published, or `Timeout` if the deadline passes first. Boxed: it
/// is the rare end of a call.
pub(crate) fn exit_reason<S: GenServer>(
    address: &Inner<S>,
    mut deadline: Deadline,
) -> Pin<Box<dyn Future<Output = CallError> + Send + '_>> {
    Box::pin(async move {
        match with_deadline(&mut deadline, address.instance().exit.finished()).await {
            Some(reason) => CallError::Exited(reason),
            None => CallError::Timeout,
        }
    })
}

/// The outcome of a call whose deadline passed: `Timeout`, unless the
/// answer came in the meantime. The channel is closed first, so that a
/// server's `send` that did not make it returns `false`: an answer is
/// either received here or refused to its sender, never accepted and
/// then dropped.
#[cold]
fn timed_out<R>(answer: &mut AnswerReceiver<R>) -> Result<R, CallError> {
    answer.close();
    match answer.try_recv() {
        Ok(Answer::Value(value)) => Ok(value),
        Ok(Answer::Dropped) => Err(CallError::ReplyDropped),
        Ok(Answer::Exited(reason)) => Err(CallError::Exited(*reason)),
        Err(_) => Err(CallError::Timeout),
    }
}

/// A call, from the request to the answer, as one future.
///
/// A server that exits without answering says why on the answer channel.
/// A channel that closes with no word at all was dropped with its server's
/// task (an abort); the caller then waits, within the same deadline, for
/// that end to be published and reports its reason.
///
/// Written by hand rather than as nested `async fn`s: each layer of those
/// moves the state of the layer below into its own and switches on its own
/// state at every poll, and a call is the hottest path there is (the
/// layers cost 94 of a call's 2,100 or so instructions). Its parts are
/// fields rather than the variants of one state enum for the same reason:
/// moving from state to state copied the whole state and ran the drop glue
/// of every variant (about 60 of a call's 1,900 instructions).
pub(crate) struct Call<'a, S: GenServer, R: Send + 'static, F> {
    server: &'a ServerRef<S>,
    /// The request, until the first poll sends it.
    request: Option<F>,
    timeout: Option<Duration>,
    /// The answer channel, once the request is queued.
    answer: Option<WithDeadline<AnswerReceiver<R>>>,
    /// A wait off the usual path, boxed.
    slow: Slow<'a, R>,
}

enum Slow<'a, R: Send + 'static> {
    None,
    /// A bounded mailbox is full: waiting for room, within the timeout.
    Room(WaitForRoom<'a>, AnswerReceiver<R>),
    /// The answer channel closed with no word: waiting for the exit reason.
    Exiting(Pin<Box<dyn Future<Output = CallError> + Send + 'a>>),
}

impl<'a, S: GenServer, R: Send + 'static, F> Call<'a, S, R, F>
where
    F: FnOnce(ReplyTo<R>) -> S::Message,
{
    pub(crate) fn new(server: &'a ServerRef<S>, request: F, timeout: Option<Duration>) -> Self {
        Call {
            server,
            request: Some(request),
            timeout,
            answer: None,
            slow: Slow::None,
        }
    }

    /// Sends the request; `Err` ends the call at once.
    fn start(&mut self, request: F) -> Result<(), CallError> {
        if self.server.is_own_address() {
            return Err(CallError::CallingSelf);
        }
        let (reply_to, rx) = ReplyTo::channel();
        let envelope = Envelope::message(request(reply_to));
        match queue(self.server.inner(), envelope, self.timeout)? {
            None => {
                let mut deadline = Deadline::after(self.timeout);
                self.answer = Some(with_deadline(&mut deadline, rx));
            }
            Some(waiting) => self.slow = Slow::Room(waiting, rx),
        }
        Ok(())
    }

    /// The waits off the usual path: for room, after which the call
    /// waits for its answer (`Ok`), and for the exit reason, which ends it.
    #[cold]
    fn poll_slow(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CallError>> {
        match &mut self.slow {
            Slow::Room(waiting, _) => {
                let queued = ready!(waiting.as_mut().poll(cx));
                let Slow::Room(_, rx) = std::mem::replace(&mut self.slow, Slow::None) else {
                    unreachable!("matched above");
                };
                let mut deadline = queued?;
                self.answer = Some(with_deadline(&mut deadline, rx));
                Poll::Ready(Ok(()))
            }
            Slow::Exiting(exiting) => {
                let error = ready!(exiting.as_mut().poll(cx));
                self.slow = Slow::None;
                Poll::Ready(Err(error))
            }
            Slow::None => panic!("a call polled after it completed"),
        }
    }
}

// A call never pins what it holds: the waits it may need are boxed, and
// the request closure is only moved and called.
impl<S: GenServer, R: Send + 'static, F> Unpin for Call<'_, S, R, F> {}

impl<S: GenServer, R: Send + 'static, F> Future for Call<'_, S, R, F>
where
    F: FnOnce(ReplyTo<R>) -> S::Message,
{
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(request) = this.request.take()
            && let Err(error) = this.start(request)
        {
            return Poll::Ready(Err(error));
        }
        loop {
            if let Some(answer) = &mut this.answer {
                let outcome = match ready!(Pin::new(&mut *answer).poll(cx)) {
                    Some(Ok(Answer::Value(value))) => Ok(value),
                    Some(Ok(Answer::Dropped)) => Err(CallError::ReplyDropped),
                    Some(Ok(Answer::Exited(reason))) => Err(CallError::Exited(*reason)),
                    Some(Err(_closed)) => {
                        let deadline = answer.deadline();
                        this.answer = None;
                        let address = this.server.inner();
                        this.slow = Slow::Exiting(exit_reason(address, deadline));
                        continue;
                    }
                    None => timed_out(answer.inner_mut()),
                };
                // The spent channel stays until the call is dropped: letting
                // it go here too would be a second drop to run.
                return Poll::Ready(outcome);
            }
            // Waits off the usual path; room found, the call waits for its
            // answer.
            if let Err(error) = ready!(this.poll_slow(cx)) {
                return Poll::Ready(Err(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server's reply that was not received by a call that timed out is
    /// refused to it (`send` is `false`), never accepted and then dropped.
    #[test]
    fn after_a_timeout_a_reply_is_refused_to_its_sender() {
        let (reply_to, mut rx) = ReplyTo::<u32>::channel();
        assert!(matches!(timed_out(&mut rx), Err(CallError::Timeout)));
        assert!(!reply_to.send(7));
    }

    /// A reply that came before the timed-out caller looked is received.
    #[test]
    fn a_reply_there_when_the_deadline_passed_is_received() {
        let (reply_to, mut rx) = ReplyTo::<u32>::channel();
        assert!(reply_to.send(7));
        assert!(matches!(timed_out(&mut rx), Ok(7)));
    }
}
