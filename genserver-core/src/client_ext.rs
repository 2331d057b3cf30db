//! The runtime's requests on every client: statistics and the state
//! escapes of [`ServerRef`](crate::ServerRef), without going through `server_ref()`.

use std::future::Future;

use crate::{CallError, Client, ServerStats};

/// Statistics and state inspection on any client (`CounterClient`, ...),
/// as on its [`ServerRef`](crate::ServerRef). Implemented for every [`Client`]; in the
/// prelude.
///
/// A handler of the server named like one of these methods (`stats`, ...)
/// takes precedence on the client: reach these through
/// [`server_ref()`](Client::server_ref) then.
pub trait ClientExt: Client {
    /// The server's statistics: messages handled, queue length, uptime.
    /// See [`ServerRef::stats`](crate::ServerRef::stats).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::stats`](crate::ServerRef::stats).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future withdraws the caller; the request is still
    /// answered, and the answer discarded.
    fn stats(&self) -> impl Future<Output = Result<ServerStats, CallError>> + Send {
        self.server_ref().stats()
    }

    /// Runs `inspect` on the state in the server's task and returns what it
    /// returns. See [`ServerRef::inspect_state`](crate::ServerRef::inspect_state).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::inspect_state`](crate::ServerRef::inspect_state); [`CallError::Panicked`] when
    /// `inspect` panicked (the server keeps running).
    ///
    /// # Cancel safety
    ///
    /// As [`stats`](Self::stats).
    fn inspect_state<R: Send + 'static>(
        &self,
        inspect: impl FnOnce(&Self::Server) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.server_ref().inspect_state(inspect)
    }

    /// Replaces the state by what `replace` builds from it, in the server's
    /// task. See [`ServerRef::replace_state`](crate::ServerRef::replace_state).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::replace_state`](crate::ServerRef::replace_state); [`CallError::Panicked`] when
    /// `replace` panicked (the state is unchanged, the server keeps
    /// running).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after the request was queued does not withdraw
    /// it: the state may still be replaced.
    fn replace_state(
        &self,
        replace: impl FnOnce(&Self::Server) -> Self::Server + Send + 'static,
    ) -> impl Future<Output = Result<(), CallError>> + Send {
        self.server_ref().replace_state(replace)
    }
}

impl<C: Client> ClientExt for C {}
