//! The caller's side of a call: waiting for the answer within the timeout.

use std::time::Duration;

use crate::deadline::{Deadline, with_deadline};
use crate::reply::{Answer, AnswerReceiver};
use crate::server_ref::Inner;
use crate::{CallError, GenServer};

/// Elixir's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits for the answer to a request already in the server's mailbox.
///
/// A server that exits without answering says why on the channel. A
/// channel that closes with no word at all was dropped with its server's
/// task (an abort); the caller then waits, within the same deadline, for
/// that end to be published and reports its reason.
pub(crate) async fn await_answer<S: GenServer, T>(
    rx: AnswerReceiver<T>,
    timeout: Option<Duration>,
    address: &Inner<S>,
) -> Result<T, CallError> {
    let mut deadline = Deadline::after(timeout);
    match with_deadline(&mut deadline, rx).await {
        Some(Ok(Answer::Value(value))) => Ok(value),
        Some(Ok(Answer::Dropped)) => Err(CallError::ReplyDropped),
        Some(Ok(Answer::Exited(reason))) => Err(CallError::Exited(reason)),
        Some(Err(_closed)) => {
            match with_deadline(&mut deadline, address.instance().exit.finished()).await {
                Some(reason) => Err(CallError::Exited(reason)),
                None => Err(CallError::Timeout),
            }
        }
        None => Err(CallError::Timeout),
    }
}
