//! The caller's side of a call: waiting for the answer within the timeout.

use std::time::Duration;

use crate::CallError;
use crate::deadline::{Deadline, with_deadline};
use crate::exit_signal::ExitSignal;
use crate::reply::{Answer, AnswerReceiver};

/// Elixir's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits for the answer to a request already in the server's mailbox.
///
/// A channel that closes without an answer means the server is exiting;
/// the caller then waits (within the same deadline) for the exit to
/// finish so that the reason it reports is final.
pub(crate) async fn await_answer<T>(
    rx: AnswerReceiver<T>,
    timeout: Option<Duration>,
    exit: &ExitSignal,
) -> Result<T, CallError> {
    let mut deadline = Deadline::after(timeout);
    match with_deadline(&mut deadline, rx).await {
        Some(Ok(Answer::Value(value))) => Ok(value),
        Some(Ok(Answer::Dropped)) => Err(CallError::ReplyDropped),
        Some(Err(_closed)) => match with_deadline(&mut deadline, exit.finished()).await {
            Some(reason) => Err(CallError::Exited(reason)),
            None => Err(CallError::Timeout),
        },
        None => Err(CallError::Timeout),
    }
}
