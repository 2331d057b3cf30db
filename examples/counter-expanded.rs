//! What `#[genserver]` writes for `examples/counter.rs`, simplified by hand
//! so that it reads well, and compiling: run it with
//! `cargo run --example counter-expanded`.
//!
//! Everything below the user's `impl Counter` block is generated. The real
//! expansion differs only in hygiene (absolute paths through
//! `::genserver::__private`, locals named `__genserver_*`, `Self` where
//! this file names the type), in attributes that only silence lints
//! (`#[allow(dead_code)]`, `#[automatically_derived]`), and in the
//! generated doc paragraphs, which are shortened here.
//!
//! Every generated item also carries `where Counter: Send, u64: Send,
//! Tick: Send`, one bound for the state and one for each type a message
//! carries: always true for a server that compiles, and what turns a type
//! that is not `Send` into one error at that type instead of one per item.
//! It is left out below.

use std::convert::Infallible;
use std::time::Duration;

use genserver::__private as gs;
use genserver::prelude::*;

/// A running total.
pub struct Counter {
    total: u64,
}

/// Sent to the counter with `client.info(Tick)`.
pub struct Tick;

// The user's impl block, with the marker attributes removed. The macro
// puts this `allow` on each marked method (here, on the block, for
// brevity): a handler's signature is the server's contract.
#[allow(
    clippy::unused_self,
    clippy::needless_pass_by_value,
    clippy::trivially_copy_pass_by_ref,
    clippy::unused_async,
    clippy::must_use_candidate,
    clippy::missing_const_for_fn,
    clippy::needless_pass_by_ref_mut
)]
impl Counter {
    /// Builds the state from the start argument.
    async fn init(start: u64) -> Result<Self, Infallible> {
        println!("[counter] init at {start}");
        Ok(Counter { total: start })
    }

    /// Adds `by` and returns the new total.
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// The current total.
    pub fn get(&self) -> u64 {
        self.total
    }

    /// Forgets the total.
    pub fn reset(&mut self) {
        self.total = 0;
    }

    /// One more, for each tick.
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        self.total += 1;
        println!("[counter {}] tick: total {}", ctx.id(), self.total);
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("[counter] stopping ({reason}) at {}", self.total);
    }
}

/// The messages [`Counter`] handles: one variant per handler.
///
/// Calls carry their arguments as a tuple and, beside them, the channel
/// the reply travels on; casts carry their arguments; info variants carry
/// the info message.
pub enum CounterMessage {
    /// Adds `by` and returns the new total.
    Add((u64,), gs::ReplyTo<u64>),
    /// The current total.
    Get((), gs::ReplyTo<u64>),
    /// Forgets the total.
    Reset(()),
    /// An info message of type [`Tick`].
    Tick(Tick),
}

/// A client of a running [`Counter`]: cheap to clone, `Send` and `Sync`.
pub struct CounterClient {
    server: gs::ServerRef<Counter>,
}

impl CounterClient {
    /// Adds `by` and returns the new total.
    ///
    /// Calls the server and waits for the reply (5 s timeout by default).
    ///
    /// # Errors
    ///
    /// A [`CallError`] when no reply came.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future withdraws the caller; the request may still be
    /// handled.
    pub async fn add(&self, by: u64) -> Result<u64, CallError> {
        self.server
            .call_with(
                |reply| CounterMessage::Add((by,), reply),
                self.server.call_timeout(None),
            )
            .await
    }

    /// The current total.
    ///
    /// # Errors
    ///
    /// A [`CallError`] when no reply came.
    pub async fn get(&self) -> Result<u64, CallError> {
        self.server
            .call_with(
                |reply| CounterMessage::Get((), reply),
                self.server.call_timeout(None),
            )
            .await
    }

    /// Forgets the total.
    ///
    /// Queues the message and returns without waiting for it to be handled.
    ///
    /// # Errors
    ///
    /// A [`SendError`] with the message when the server has stopped.
    pub async fn reset(&self) -> Result<(), SendError<CounterMessage>> {
        self.server.send(CounterMessage::Reset(())).await
    }

    /// Forgets the total, if the message can be queued without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when a bounded mailbox is full,
    /// [`TrySendError::NoProc`] when the server has stopped; both hold the
    /// message.
    pub fn try_reset(&self) -> Result<(), TrySendError<CounterMessage>> {
        self.server.try_send(CounterMessage::Reset(()))
    }

    /// Sends an info message (one of the types of the server's `#[info]`
    /// handlers).
    ///
    /// # Errors
    ///
    /// A [`SendError`] with the message when the server has stopped.
    pub fn info(
        &self,
        message: impl gs::InfoMessage<CounterMessage>,
    ) -> gs::SendFuture<'_, Counter> {
        self.server.send(message)
    }

    /// Sends an info message if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::NoProc`], with the message.
    pub fn try_info(
        &self,
        message: impl gs::InfoMessage<CounterMessage>,
    ) -> Result<(), TrySendError<CounterMessage>> {
        self.server.try_send(message)
    }

    /// Stops the server and waits until it has stopped.
    ///
    /// # Errors
    ///
    /// A [`StopError`] when the server had already stopped.
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }

    /// Stops the server with `reason` and waits until it has stopped.
    ///
    /// # Errors
    ///
    /// A [`StopError`] when the server had already stopped.
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        self.server.stop_with(reason).await
    }

    /// Waits until the server has stopped and returns why.
    pub async fn wait(&self) -> ExitReason {
        self.server.wait().await
    }

    /// The running server's id.
    #[must_use]
    pub fn id(&self) -> gs::ServerId {
        self.server.id()
    }

    /// `true` until the server starts to exit.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.server.is_alive()
    }

    /// A copy of this client whose calls time out after `timeout`.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        CounterClient {
            server: self.server.with_timeout(timeout),
        }
    }

    /// A copy of this client whose calls wait without a time limit.
    #[must_use]
    pub fn without_timeout(&self) -> Self {
        CounterClient {
            server: self.server.without_timeout(),
        }
    }

    /// The untyped-by-API address behind this client.
    #[must_use]
    pub fn server_ref(&self) -> &gs::ServerRef<Counter> {
        &self.server
    }
}

impl Counter {
    /// Starts a [`Counter`] with default options and returns its client
    /// once `init` has succeeded.
    ///
    /// # Errors
    ///
    /// A [`StartError`] when `init` failed; nothing is left running.
    pub async fn start(start: u64) -> Result<CounterClient, StartError> {
        Counter::start_with(start, StartOptions::new()).await
    }

    /// Starts a [`Counter`] with `options` (mailbox capacity, start timeout,
    /// name).
    ///
    /// # Errors
    ///
    /// A [`StartError`] when `init` failed or timed out, or when the name
    /// given in `options` is held by a running server; nothing is left
    /// running.
    pub async fn start_with(
        start: u64,
        options: StartOptions,
    ) -> Result<CounterClient, StartError> {
        gs::start::<Counter>(start, options)
            .await
            .map(<CounterClient as gs::Client>::from_server_ref)
    }
}

// The trait impls, out of the user's namespace.
const _: () = {
    impl gs::GenServer for Counter {
        type Args = u64;
        type Message = CounterMessage;
        type Client = CounterClient;

        const NAME: &'static str = "Counter";

        async fn init(args: u64, _ctx: &mut Context<Self>) -> Result<Self, ExitReason> {
            gs::InitOutcome::into_outcome(Counter::init(args).await)
        }

        async fn handle(
            &mut self,
            message: CounterMessage,
            ctx: &mut Context<Self>,
        ) -> Result<(), ExitReason> {
            match message {
                CounterMessage::Add((by,), reply) => {
                    let value = Counter::add(self, by);
                    ctx.__reply(reply, value);
                    Ok(())
                }
                CounterMessage::Get((), reply) => {
                    let value = Counter::get(self);
                    ctx.__reply(reply, value);
                    Ok(())
                }
                // A handler without a return type needs no outcome; one that
                // returns a `Result` goes through `HandlerOutcome`, whose `Err`
                // stops the server.
                CounterMessage::Reset(()) => {
                    Counter::reset(self);
                    Ok(())
                }
                CounterMessage::Tick(message) => {
                    Counter::tick(self, message, ctx);
                    Ok(())
                }
            }
        }

        fn message_name(message: &CounterMessage) -> &'static str {
            match message {
                CounterMessage::Add(..) => "Add",
                CounterMessage::Get(..) => "Get",
                CounterMessage::Reset(..) => "Reset",
                CounterMessage::Tick(..) => "Tick",
            }
        }

        async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
            Counter::stopped(self, reason);
        }
    }

    /// By variant name only: the fields need not be `Debug`.
    impl std::fmt::Debug for CounterMessage {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct(<Counter as gs::GenServer>::message_name(self))
                .finish_non_exhaustive()
        }
    }

    impl Clone for CounterClient {
        fn clone(&self) -> Self {
            CounterClient {
                server: self.server.clone(),
            }
        }
    }

    impl std::fmt::Debug for CounterClient {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CounterClient")
                .field("server", &self.server)
                .finish()
        }
    }

    impl gs::Client for CounterClient {
        type Server = Counter;

        fn from_server_ref(server: gs::ServerRef<Counter>) -> Self {
            CounterClient { server }
        }

        fn server_ref(&self) -> &gs::ServerRef<Counter> {
            &self.server
        }
    }

    impl From<Tick> for CounterMessage {
        fn from(message: Tick) -> Self {
            CounterMessage::Tick(message)
        }
    }

    /// Marks `Tick` as a message `CounterClient::info` accepts, so that a
    /// wrong type is reported as "not an info message of this server".
    impl gs::InfoMessage<CounterMessage> for Tick {}
};

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let counter = Counter::start(5).await?;
    println!("started a counter at 5");
    println!("add(2) -> {}", counter.add(2).await?);
    counter.info(Tick).await?;
    println!("after a tick: {}", counter.get().await?);
    counter.reset().await?;
    println!("after reset: {}", counter.get().await?);
    counter.stop().await?;
    println!("stopped; alive = {}", counter.is_alive());
    Ok(())
}
