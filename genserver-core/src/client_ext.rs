//! The runtime's requests on every client: statistics, the state
//! escapes and the stop behind the queue of [`ServerRef`](crate::ServerRef),
//! without going through `server_ref()`.

use std::future::Future;

use crate::{CallError, Client, ExitReason, ServerStats, StopError};

/// Statistics, state inspection and a stop behind the queued messages on
/// any client (`CounterClient`, ...),
/// as on its [`ServerRef`](crate::ServerRef). Implemented for every [`Client`]; in the
/// prelude.
///
/// A handler of the server named like one of these methods (`stats`, ...)
/// takes precedence on the client: reach these through
/// [`server_ref()`](Client::server_ref) then.
///
/// # Examples
///
/// ```
/// # use genserver_core::{Client, ClientExt, Context, ExitReason, GenServer, ServerRef, StartOptions, start};
/// # struct Counter(u64);
/// # #[derive(Clone)]
/// # struct CounterClient(ServerRef<Counter>);
/// # impl Client for CounterClient {
/// #     type Server = Counter;
/// #     fn from_server_ref(server: ServerRef<Counter>) -> Self { CounterClient(server) }
/// #     fn server_ref(&self) -> &ServerRef<Counter> { &self.0 }
/// # }
/// # impl GenServer for Counter {
/// #     type Args = Counter;
/// #     type Message = u64;
/// #     type Client = CounterClient;
/// #     const NAME: &'static str = "Counter";
/// #     const HAS_INIT: bool = false;
/// #     async fn init(c: Counter, _: &mut Context<Self>) -> Result<Self, ExitReason> { Ok(c) }
/// #     async fn handle(&mut self, by: u64, _: &mut Context<Self>) -> Result<(), ExitReason> { self.0 += by; Ok(()) }
/// #     fn message_name(_: &u64) -> &'static str { "Add" }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A client of a server whose state is a `Counter(u64)`.
/// let counter: CounterClient = start::<Counter>(Counter(1), StartOptions::new())
///     .await
///     .map(CounterClient)
///     .unwrap();
/// counter.server_ref().send(2_u64).await.unwrap();
///
/// assert_eq!(counter.inspect_state(|c| c.0).await.unwrap(), 3);
/// counter.replace_state(|c| Counter(c.0 * 10)).await.unwrap();
/// assert_eq!(counter.inspect_state(|c| c.0).await.unwrap(), 30);
/// assert_eq!(counter.stats().await.unwrap().messages_handled, 1);
/// # }
/// ```
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

    /// Stops the server with `reason` once it has handled what is already
    /// in its mailbox (OTP's `GenServer.stop/2`), and waits until it has
    /// stopped. See
    /// [`ServerRef::stop_after_queued`](crate::ServerRef::stop_after_queued).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::stop_after_queued`](crate::ServerRef::stop_after_queued).
    ///
    /// # Cancel safety
    ///
    /// Once the request is queued, dropping the future does not withdraw
    /// it.
    fn stop_after_queued(
        &self,
        reason: ExitReason,
    ) -> impl Future<Output = Result<(), StopError>> + Send {
        self.server_ref().stop_after_queued(reason)
    }
}

impl<C: Client> ClientExt for C {}
