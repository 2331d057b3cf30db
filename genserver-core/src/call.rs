//! The caller's side of a call: waiting for the answer within the timeout.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::deadline::{Deadline, with_deadline};
use crate::envelope::Envelope;
use crate::reply::{Answer, AnswerReceiver};
use crate::server_ref::Inner;
use crate::{CallError, GenServer, TrySendError};

/// Elixir's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Queues a request and returns the deadline its answer is awaited under.
///
/// A request that does not fit in a full bounded mailbox waits for room
/// within the call's timeout, which starts then. If the server ends while
/// the request waits for room, the call was made while it ran: it ends with
/// the exit reason, not `NoProc`.
///
/// Queuing at once is the common case and needs no future; the wait for
/// room is boxed, so that its state does not widen every call's future.
pub(crate) async fn enqueue<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Deadline, CallError> {
    match address.tx.try_send(envelope) {
        Ok(()) => Ok(Deadline::after(timeout)),
        Err(TrySendError::NoProc(_)) => Err(CallError::NoProc),
        Err(TrySendError::Full(envelope)) => {
            Box::pin(wait_for_room(address, envelope, timeout)).await
        }
    }
}

async fn wait_for_room<S: GenServer>(
    address: &Inner<S>,
    envelope: Envelope<S>,
    timeout: Option<Duration>,
) -> Result<Deadline, CallError> {
    let mut deadline = Deadline::after(timeout);
    match with_deadline(&mut deadline, address.tx.send(envelope)).await {
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

/// Waits for the answer to a request already in the server's mailbox.
///
/// A server that exits without answering says why on the channel. A
/// channel that closes with no word at all was dropped with its server's
/// task (an abort); the caller then waits, within the same deadline, for
/// that end to be published and reports its reason.
pub(crate) async fn await_answer<S: GenServer, T>(
    rx: AnswerReceiver<T>,
    mut deadline: Deadline,
    address: &Inner<S>,
) -> Result<T, CallError> {
    match with_deadline(&mut deadline, rx).await {
        Some(Ok(Answer::Value(value))) => Ok(value),
        Some(Ok(Answer::Dropped)) => Err(CallError::ReplyDropped),
        Some(Ok(Answer::Exited(reason))) => Err(CallError::Exited(reason)),
        Some(Err(_closed)) => Err(exit_reason(address, deadline).await),
        None => Err(CallError::Timeout),
    }
}
