//! Typed GenServers for Rust, on tokio.
//!
//! Write one ordinary `impl` block, mark its methods `#[call]`, `#[cast]`
//! or `#[info]`, and put [`#[genserver]`](genserver) on it. You get, checked
//! by the compiler:
//!
//! - a message enum with one variant per handler (`CounterMessage`),
//! - a typed, cloneable client whose methods mirror the handlers, with their
//!   docs (`CounterClient`),
//! - the dispatch of a server loop that owns the state, in its own task.
//!
//! What Elixir checks at run time (a misspelled message, a wrong argument,
//! a call that was meant to be a cast) is a compile error here.
//!
//! # A tour
//!
//! ```
//! use genserver::prelude::*;
//!
//! /// A running total.
//! pub struct Counter {
//!     total: u64,
//! }
//!
//! /// Sent by a timer, or by anyone holding a client.
//! pub struct Tick;
//!
//! #[genserver]
//! impl Counter {
//!     /// Builds the state from the start argument.
//!     #[init]
//!     async fn init(start: u64) -> Result<Self, std::convert::Infallible> {
//!         Ok(Counter { total: start })
//!     }
//!
//!     /// Adds `by` and returns the new total.
//!     #[call]
//!     pub fn add(&mut self, by: u64) -> u64 {
//!         self.total += by;
//!         self.total
//!     }
//!
//!     /// Forgets the total.
//!     #[cast]
//!     pub fn reset(&mut self) {
//!         self.total = 0;
//!     }
//!
//!     #[info]
//!     fn tick(&mut self, _: Tick) {
//!         self.total += 1;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let counter = Counter::start(5).await?; // a CounterClient
//! assert_eq!(counter.add(2).await?, 7); // a call: waits for the reply
//! counter.info(Tick).await?; // an info message
//! assert_eq!(counter.add(0).await?, 8);
//! counter.reset().await?; // a cast: returns once queued
//! counter.stop().await?; // returns after the server has ended
//! # Ok(())
//! # }
//! ```
//!
//! # Handlers
//!
//! Handlers may be `fn` or `async fn`, take `&self` or `&mut self`, any
//! number of owned arguments (the message's fields, which travel to the
//! server's task and so are `Send`: `Box<dyn FnOnce() + Send>`, not
//! `Box<dyn FnOnce()>`), and optionally a
//! [`&mut Context<Self>`](Context) for the server's own address, `stop`,
//! continues, the idle timeout, monitors ([`Down`]), links and trapped
//! exits ([`Exit`]), timers ([`Timer`]) and tasks ([`TaskDone`]).
//!
//! | attribute | client method returns | the handler returns |
//! |---|---|---|
//! | `#[call]`, `#[call(timeout = "250ms")]` | `Result<T, CallError>` | `T`, the reply (or takes a [`Reply<T>`] and answers later) |
//! | `#[cast]` | `Result<(), SendError<Msg>>`; and `try_<name>`, which never waits: `Result<(), TrySendError<Msg>>` | `()`, or `Result<(), E>` whose `Err` stops the server (with `E = ExitReason`, with that reason) |
//! | `#[info]` | (sent with `client.info(msg)`) | as `#[cast]`; takes one message argument of its own type |
//! | `#[init]` | `Server::start(args)` | `Result<Self, E>` or `Self` |
//! | `#[terminate]` | — | `()`; runs when the server stops for any reason it can observe |
//!
//! The message enum, the client and `start` are as visible as the most
//! visible handler, and each client method as its handler: a `pub` server
//! needs at least one `pub` handler (a private-type-in-public-interface
//! error at the `impl` says so otherwise). A missing `#[info]` handler is
//! reported where the server asks for the message: `ctx.monitor(..)`
//! without one taking [`Down`] says "`…Message` has no `#[info]` handler
//! for `Down`".
//!
//! # Names, registries and debugging
//!
//! A server started under a name is found by it, typed
//! ([`StartOptions::name`], [`whereis`]); a [`Registry`] holds servers by
//! key, unique or duplicate (for [`dispatch`](Registry::dispatch) to every
//! server under a key). Both forget a server when it exits, after its
//! `terminate` and before its `stop()` returns. Every client reads its server's [`stats`] and
//! state, and stops it behind its queued messages (`stop_after_queued`,
//! OTP's `GenServer.stop`), through [`ClientExt`].
//!
//! ```
//! use genserver::prelude::*;
//!
//! /// What a user sees.
//! pub struct Session {
//!     seen: Vec<String>,
//! }
//!
//! #[genserver]
//! impl Session {
//!     /// Shows a line.
//!     #[cast]
//!     pub fn show(&mut self, line: String) {
//!         self.seen.push(line);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let rooms: Registry<&'static str> = Registry::duplicate();
//! let ann = Session::start_with(Session { seen: vec![] }, StartOptions::named("ann")).await?;
//! let bob = Session::start(Session { seen: vec![] }).await?;
//! rooms.register("lobby", ann.server_ref(), ())?;
//! rooms.register("lobby", bob.server_ref(), ())?;
//!
//! let reached = rooms
//!     .dispatch::<Session, _>("lobby", |session, ()| async move {
//!         let _ = session.show("hello".to_owned()).await;
//!     })
//!     .await;
//! assert_eq!(reached, 2);
//!
//! let found = genserver::whereis::<Session>("ann").expect("started under that name");
//! assert_eq!(found.inspect_state(|s| s.seen.clone()).await?, ["hello"]);
//!
//! bob.stop().await?; // leaves every registry before it returns
//! assert_eq!(rooms.count_key("lobby"), 1);
//! ann.stop().await?;
//! assert!(genserver::whereis::<Session>("ann").is_none());
//! # Ok(())
//! # }
//! ```
//!
//! [`stats`]: ClientExt::stats
//!
//! # Supervision
//!
//! A [`Supervisor`] starts children from [`ChildSpec`]s, restarts them by
//! its [`Strategy`] and their [`Restart`] type within a
//! [`RestartIntensity`], and stops them in reverse order, each by its
//! [`Shutdown`]. The client of a supervised child stays valid across its
//! restarts, and the messages queued for it when it crashed are handled
//! by the new instance. [`DynamicSupervisor`] starts children on demand.
//!
//! ```
//! use genserver::prelude::*;
//!
//! /// Fails on zero.
//! pub struct Divider;
//!
//! #[genserver]
//! impl Divider {
//!     /// 100 divided by `n`.
//!     #[call]
//!     pub fn divide(&self, n: u64) -> u64 {
//!         100 / n
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let sup = Supervisor::start(
//!     SupervisorSpec::new(Strategy::OneForOne)
//!         .child(ChildSpec::server::<Divider>("divider", || Divider)),
//! )
//! .await?;
//! let divider = sup.child::<Divider>("divider").await?;
//! let first = divider.id();
//! assert!(divider.divide(0).await.is_err()); // the panic ends this instance
//! assert_eq!(divider.divide(4).await?, 25); // the same client, a new instance
//! assert_ne!(divider.id(), first);
//! sup.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics
//!
//! OTP's, made typed; the full contract, rule by rule, is the
//! [`semantics`] page (`docs/semantics.md` in the repository). In short:
//! a call ends in exactly one of the reply, [`CallError::Timeout`] (5 s by
//! default), [`CallError::Exited`] with the server's exit reason,
//! [`CallError::NoProc`] when no server was running, or
//! [`CallError::ReplyDropped`] when a deferred reply was dropped unsent,
//! never a hang; a server calling itself fails at once
//! ([`CallError::CallingSelf`]); a panic in a handler ends that server,
//! with [`ExitReason::Panicked`], and no other unless linked to it;
//! [`stop`](ServerRef::stop) returns after `terminate` ran and the state
//! was dropped.
//!
//! # Coming from Elixir
//!
//! | Elixir | here |
//! |---|---|
//! | `handle_call/3`, `handle_cast/2`, `handle_info/2`, `terminate/2` | `#[call]`, `#[cast]`, `#[info]`, `#[terminate]` methods of one `#[genserver]` block |
//! | `init/1`: `{:ok, state}`, `{:stop, reason}` | `#[init]` returning `Self`, or `Result<Self, E>` whose `Err` fails the start |
//! | `GenServer.start_link(M, arg, name: n)` | `M::start(arg)`, `M::start_with(arg, StartOptions::named(n))`; from a server, `ctx.start_link::<M>(arg)` |
//! | `GenServer.call(s, msg, timeout)` | `client.msg(..)`; `client.with_timeout(d).msg(..)`, `#[call(timeout = "250ms")]` |
//! | `GenServer.cast(s, msg)`, `send(s, msg)` | `client.msg(..)` for a cast, `client.info(msg)` for an info message |
//! | `{:reply, r, state}`, `{:noreply, state}` | return `r`, return `()` |
//! | `{:stop, reason, state}` | return `Err(reason)` from a handler returning `Result<(), ExitReason>`, or `ctx.stop(reason)` |
//! | `{:noreply, state, {:continue, c}}` | `ctx.continue_with(c)` |
//! | `{:noreply, state, timeout}` | `ctx.set_idle_timeout(d)`, and an `#[info]` taking [`IdleTimeout`] |
//! | `GenServer.reply(from, r)` | a [`Reply<T>`] argument, answered with `reply.send(r)` |
//! | `GenServer.stop(s, reason)` | `client.stop_after_queued(reason)`; `client.stop_with(reason)` stops without handling the backlog |
//! | `Process.send_after(self(), msg, ms)` | `ctx.send_after(d, msg)`: keep the returned [`Timer`], or `detach()` it, since dropping it cancels it |
//! | `Process.monitor(s)`, `{:DOWN, ..}` | `ctx.monitor(&s)`, an `#[info]` taking [`Down`] |
//! | `Process.link(s)`, `trap_exit`, `{:EXIT, ..}` | `ctx.link(&s)`, `ctx.trap_exits(true)`, an `#[info]` taking [`Exit`] |
//! | `Task.async` from a server | `ctx.spawn_task(future)`, an `#[info]` taking [`TaskDone<T>`] |
//! | `Registry`, `Supervisor`, `DynamicSupervisor` | [`Registry`], [`Supervisor`], [`DynamicSupervisor`] |
//! | `:sys.get_state`, `:sys.replace_state` | `client.inspect_state(f)`, `client.replace_state(f)` ([`ClientExt`]) |
//!
//! Where the behaviour differs from OTP, the [`semantics`] page says so
//! at the rule concerned: a supervised child keeps its address and its
//! queued messages across restarts, a stop does not wait for the backlog,
//! a cast to a stopped server is an error, names are typed.
//!
//! # Not ported, on purpose
//!
//! - Hot code upgrade (`code_change`): deploy a new binary; state that
//!   must survive lives outside the process.
//! - Hibernation: an idle server costs its state plus a few hundred bytes;
//!   shrink the state in a handler if it matters.
//! - The untyped mailbox and selective receive: every message a server
//!   accepts is a variant of its message enum; a message that must wait
//!   is kept in the state until it can be handled.
//! - `:ignore` from `init`: a child that must not run is left out of its
//!   supervisor's spec, or its `init` fails and the start error says why.
//!
//! # Features
//!
//! - `tracing` (default): a span per handled message, naming the server
//!   and the message variant, child of the sender's span.

pub use genserver_core::{
    AsServerRef, Down, Exit, FromInfo, IdleTimeout, Monitor, MonitorRef, Task, TaskDone, TaskError,
    TaskId, Timer, send_after, send_interval,
};
pub use genserver_core::{
    BoxError, CallError, Client, Context, DEFAULT_CALL_TIMEOUT, ExitReason, GenServer,
    HandlerOutcome, InitOutcome, MailboxCapacity, Reply, ReplyTo, SendError, SendFuture, ServerId,
    ServerRef, StartError, StartOptions, StopError, TrySendError, start,
};
pub use genserver_core::{
    ChildCounts, ChildId, ChildInfo, ChildKind, ChildRef, ChildSpec, ChildStartError, ChildState,
    DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorMessage, DynamicSupervisorSpec,
    Restart, RestartIntensity, Shutdown, Strategy, Supervisor, SupervisorClient, SupervisorError,
    SupervisorMessage, SupervisorSpec,
};
pub use genserver_core::{
    ClientExt, RegisterError, Registry, RegistryKey, RegistryKind, ServerStats, whereis, whereis_id,
};
pub use genserver_macros::genserver;

/// The names most servers need: `use genserver::prelude::*;`.
///
/// It brings the handler markers `call`, `cast`, `info`, `init` and
/// `terminate` into scope. Beside another glob import with an `info!`
/// macro (`use tracing::*;`, `use log::*;`), the two `info`s are
/// ambiguous and `info!` is not found: import the one you call by name
/// (`use tracing::info;`), which comes before both globs. Markers inside
/// a `#[genserver]` block are read by the attribute, whatever `info`
/// names there.
pub mod prelude {
    pub use crate::{
        CallError, Client, Context, ExitReason, GenServer, MailboxCapacity, Reply, SendError,
        ServerId, ServerRef, StartError, StartOptions, StopError, TrySendError, genserver,
    };
    pub use crate::{
        ChildSpec, DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorSpec, Restart,
        RestartIntensity, Shutdown, Strategy, Supervisor, SupervisorClient, SupervisorSpec,
    };
    pub use crate::{ClientExt, Registry};
    pub use crate::{Down, Exit, IdleTimeout, MonitorRef, TaskDone, TaskError, Timer};
    // Only here, not at the crate root: `info` there would collide with
    // the `info!` of a `use tracing::*` beside a `use genserver::*`. A
    // block reads `#[genserver::call]` all the same.
    pub use genserver_macros::{call, cast, info, init, terminate};
}

// The contract, readable where the API is: `docs/semantics.md`, rule by rule.
#[doc = include_str!("../docs/semantics.md")]
pub mod semantics {}

/// What generated code refers to. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use core;
    pub use genserver_core::{
        CallError, Client, Context, ExitReason, GenServer, HandlerOutcome, InitOutcome, Reply,
        ReplyTo, SendError, SendFuture, ServerId, ServerRef, StartError, StartOptions, StopError,
        TrySendError, start,
    };
    pub use std::time::Duration;

    /// The message type of one of a server's `#[info]` methods, which its
    /// client's `info` and `try_info` take. `#[genserver]` implements it
    /// beside `From`, so that a wrong type is reported in these words.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not an info message of this server",
        label = "no `#[info]` method takes a `{Self}`",
        note = "`info` and `try_info` take the message type of one of the server's `#[info]` methods"
    )]
    pub trait InfoMessage<M>: Into<M> {}

    /// A type with no values, which the message enum of a server without
    /// `#[info]` methods converts from. Without a second `From` beside
    /// the standard `From<T> for T`, rustc takes the enum itself for the
    /// message type a timer or a continue is given, and reports a `Tick`
    /// as a mismatched type instead of as a message the server has no
    /// `#[info]` handler for.
    pub enum NoInfoHandler {}
}

/// The README's example, compiled and run as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
