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
/// `NoProc`.
#[inline]
fn queue<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Option<WaitForRoom<'_>>, CallError> {
    match address.mailbox.try_send(envelope) {
        Ok(()) => Ok(None),
        Err(TrySendError::NoProc(_)) => Err(CallError::NoProc),
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
/// layers cost 94 of a call's 2,100 or so instructions).
pub(crate) struct Call<'a, S: GenServer, R: Send + 'static, F> {
    server: &'a ServerRef<S>,
    state: CallState<'a, R, F>,
}

enum CallState<'a, R: Send + 'static, F> {
    /// Not polled yet: nothing is sent before the first poll.
    Start {
        request: F,
        timeout: Option<Duration>,
    },
    /// A bounded mailbox is full: waiting for room, within the timeout.
    Room(WaitForRoom<'a>, Option<AnswerReceiver<R>>),
    /// The request is queued.
    Answer(WithDeadline<AnswerReceiver<R>>),
    /// The answer channel closed with no word: waiting for the exit reason.
    Exiting(Pin<Box<dyn Future<Output = CallError> + Send + 'a>>),
    Done,
}

impl<'a, S: GenServer, R: Send + 'static, F> Call<'a, S, R, F>
where
    F: FnOnce(ReplyTo<R>) -> S::Message,
{
    pub(crate) fn new(server: &'a ServerRef<S>, request: F, timeout: Option<Duration>) -> Self {
        Call {
            server,
            state: CallState::Start { request, timeout },
        }
    }

    /// Sends the request: what the call waits for next, or `Err` to end
    /// it at once.
    fn start(
        &self,
        request: F,
        timeout: Option<Duration>,
    ) -> Result<CallState<'a, R, F>, CallError> {
        if self.server.is_own_address() {
            return Err(CallError::CallingSelf);
        }
        let (reply_to, rx) = ReplyTo::channel();
        let envelope = Envelope::message(request(reply_to));
        Ok(match queue(self.server.inner(), envelope, timeout)? {
            None => {
                let mut deadline = Deadline::after(timeout);
                CallState::Answer(with_deadline(&mut deadline, rx))
            }
            Some(waiting) => CallState::Room(waiting, Some(rx)),
        })
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
        loop {
            match &mut this.state {
                CallState::Start { .. } => {
                    let CallState::Start { request, timeout } =
                        std::mem::replace(&mut this.state, CallState::Done)
                    else {
                        unreachable!("matched above");
                    };
                    match this.start(request, timeout) {
                        // The state is `Done`, which owns nothing: forgetting
                        // it skips a call to the drop glue of every state
                        // (15 of a call's 1,900 instructions in row 2 of the benchmarks).
                        Ok(next) => std::mem::forget(std::mem::replace(&mut this.state, next)),
                        Err(error) => return Poll::Ready(Err(error)),
                    }
                }
                CallState::Room(waiting, rx) => {
                    let queued = ready!(waiting.as_mut().poll(cx));
                    let rx = rx.take().expect("the receiver waits with the request");
                    match queued {
                        Ok(mut deadline) => {
                            this.state = CallState::Answer(with_deadline(&mut deadline, rx));
                        }
                        Err(error) => {
                            this.state = CallState::Done;
                            return Poll::Ready(Err(error));
                        }
                    }
                }
                CallState::Answer(answer) => {
                    let outcome = match ready!(Pin::new(&mut *answer).poll(cx)) {
                        Some(Ok(Answer::Value(value))) => Ok(value),
                        Some(Ok(Answer::Dropped)) => Err(CallError::ReplyDropped),
                        Some(Ok(Answer::Exited(reason))) => Err(CallError::Exited(reason)),
                        Some(Err(_closed)) => {
                            let deadline = answer.deadline();
                            let address = this.server.inner();
                            this.state = CallState::Exiting(exit_reason(address, deadline));
                            continue;
                        }
                        None => Err(CallError::Timeout),
                    };
                    this.state = CallState::Done;
                    return Poll::Ready(outcome);
                }
                CallState::Exiting(exiting) => {
                    let error = ready!(exiting.as_mut().poll(cx));
                    this.state = CallState::Done;
                    return Poll::Ready(Err(error));
                }
                CallState::Done => panic!("a call polled after it completed"),
            }
        }
    }
}
