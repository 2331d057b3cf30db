//! Typed GenServers for Rust.
//!
//! (crate docs: tour written below)

pub use genserver_core::{
    BoxError, CallError, Client, Context, DEFAULT_CALL_TIMEOUT, ExitReason, GenServer,
    HandlerOutcome, InitOutcome, MailboxCapacity, Reply, ReplyTo, SendError, ServerId, ServerRef,
    StartError, StartOptions, StopError, TrySendError, start,
};
pub use genserver_macros::genserver;

/// The names most servers need: `use genserver::prelude::*;`.
pub mod prelude {
    pub use crate::{
        CallError, Client, Context, ExitReason, GenServer, MailboxCapacity, Reply, SendError,
        ServerRef, StartError, StartOptions, StopError, TrySendError, genserver,
    };
}

/// What generated code refers to. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use core;
    pub use genserver_core::{
        CallError, Client, Context, ExitReason, GenServer, HandlerOutcome, InitOutcome, Reply,
        ReplyTo, SendError, ServerId, ServerRef, StartError, StartOptions, StopError, TrySendError,
        start,
    };
    pub use std::time::Duration;
}
