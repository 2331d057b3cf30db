use std::error::Error;
use std::fmt;

use crate::{ExitReason, ServerId};

/// Why a call did not produce a reply.
///
/// Every call ends in exactly one of: the reply, or one of these. None of
/// them hangs: `NoProc`, `Exited`, `CallingSelf` and `ReplyDropped` are
/// returned as soon as they are known, `Timeout` when the call's timeout
/// has elapsed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// No reply came within the call's timeout, which includes any wait
    /// for room in a full bounded mailbox, and the server's task had not
    /// ended by then: it was running, or still ending (a call made during
    /// a `terminate` that outlasts the timeout times out). A request that
    /// was queued may still be handled; the server's reply is then refused
    /// (`Reply::send` returns `false`). One that timed out waiting for
    /// room was never queued.
    Timeout,
    /// There was no server to deliver the request to: it had already
    /// stopped when the call was made (OTP's `:noproc`).
    NoProc,
    /// The server stopped or crashed before it replied: after the call was
    /// made (while the request waited for room in a full mailbox, was
    /// queued or was being handled), or it was already ending when the
    /// call was made (its reason decided, its end not yet published); the
    /// reason is the server's exit reason.
    Exited(ExitReason),
    /// A handler called the server it runs in. The server can only answer
    /// after the handler returns, so the call would deadlock; it fails at
    /// once instead (OTP's `:calling_self`).
    CallingSelf,
    /// The handler took the request's [`Reply`](crate::Reply) and dropped it
    /// without answering, while the server kept running. Also what a
    /// dropped [`ReplyTo`](crate::ReplyTo) gives outside an exiting server:
    /// one a hand-written server dropped, or one that a request given to
    /// [`ServerRef::call`](crate::ServerRef::call) left out of its message.
    ReplyDropped,
    /// The function given to a state inspection or replacement
    /// ([`ServerRef::inspect_state`](crate::ServerRef::inspect_state),
    /// [`ServerRef::replace_state`](crate::ServerRef::replace_state))
    /// panicked. The state is unchanged and the server still runs.
    Panicked {
        /// The panic payload when it was a string, otherwise a placeholder.
        message: std::sync::Arc<str>,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("call timed out"),
            CallError::NoProc => f.write_str("no server is running at this address"),
            CallError::Exited(reason) => write!(f, "server exited before replying ({reason})"),
            CallError::CallingSelf => f.write_str("a server cannot call itself"),
            CallError::ReplyDropped => {
                f.write_str("the server dropped the reply without answering")
            }
            CallError::Panicked { message } => write!(f, "state function panicked: {message}"),
        }
    }
}

impl Error for CallError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            CallError::Exited(ExitReason::Error { source }) => Some(&**source),
            _ => None,
        }
    }
}

/// A message could not be delivered because the server has stopped.
///
/// The undelivered message is handed back in the field. Holding it, the
/// error is `Sync` only when the message is: `?` into a
/// `Box<dyn Error + Send + Sync>` needs every argument of the server's
/// handlers, calls included (the error holds the whole message enum), to
/// be `Sync` too. A server whose messages are
/// not (a `Cell`, a `mpsc::Receiver`) converts the error first, as in
/// `client.add(n).await.map_err(|_| "the counter has stopped")?`.
pub struct SendError<M>(pub M);

impl<M> SendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        self.0
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SendError").finish_non_exhaustive()
    }
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no server is running at this address")
    }
}

impl<M> Error for SendError<M> {}

/// A message could not be delivered without waiting.
///
/// The undelivered message is handed back in either variant.
#[non_exhaustive]
pub enum TrySendError<M> {
    /// The server's bounded mailbox is full.
    Full(M),
    /// The server has stopped.
    NoProc(M),
}

impl<M> TrySendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            TrySendError::Full(m) | TrySendError::NoProc(m) => m,
        }
    }
}

impl<M> From<SendError<M>> for TrySendError<M> {
    fn from(SendError(m): SendError<M>) -> Self {
        TrySendError::NoProc(m)
    }
}

impl<M> fmt::Debug for TrySendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::NoProc(_) => f.write_str("NoProc(..)"),
        }
    }
}

impl<M> fmt::Display for TrySendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the server's mailbox is full"),
            TrySendError::NoProc(_) => f.write_str("no server is running at this address"),
        }
    }
}

impl<M> Error for TrySendError<M> {}

/// Why a server did not start. Nothing is left running in any case.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned an error, panicked or called
    /// [`Context::stop`](crate::Context::stop); the reason says which.
    Init(ExitReason),
    /// `init` did not finish within the start timeout; the server's task
    /// was aborted.
    Timeout,
    /// No tokio runtime is running on this thread to run the server.
    NoRuntime,
    /// The name given with [`StartOptions::name`](crate::StartOptions::name)
    /// is held by the running server with this id (OTP's
    /// `{:already_started, pid}`). `init` did not run.
    AlreadyStarted(ServerId),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Init(reason) => write!(f, "server failed to start ({reason})"),
            StartError::Timeout => {
                f.write_str("server did not finish init within its start timeout")
            }
            StartError::NoRuntime => f.write_str("no tokio runtime to start the server on"),
            StartError::AlreadyStarted(id) => {
                write!(f, "a server is already registered under this name ({id})")
            }
        }
    }
}

impl Error for StartError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StartError::Init(ExitReason::Error { source }) => Some(&**source),
            _ => None,
        }
    }
}

/// Why [`ServerRef::stop`](crate::ServerRef::stop) did not stop the server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopError {
    /// The server had already stopped, or is a supervised child waiting
    /// to be restarted: there is no instance to stop.
    NoProc,
    /// A handler asked to stop the server it runs in; that would wait for
    /// itself. Use [`Context::stop`](crate::Context::stop) instead.
    CallingSelf,
}

impl fmt::Display for StopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopError::NoProc => f.write_str("no server is running at this address"),
            StopError::CallingSelf => {
                f.write_str("a server cannot wait for its own stop; use `Context::stop`")
            }
        }
    }
}

impl Error for StopError {}
