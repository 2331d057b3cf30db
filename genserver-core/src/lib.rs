//! The runtime of [`genserver`](https://docs.rs/genserver): a server loop
//! on tokio that owns its state, typed addresses, calls with timeouts,
//! casts, exit reasons and clean shutdown.
//!
//! Users depend on the `genserver` crate, which re-exports this one and
//! adds the `#[genserver]` attribute. The contract of the runtime is its
//! `semantics` page (`docs/semantics.md` in the repository).

mod address;
mod alarm;
mod call;
mod client_ext;
mod context;
mod current;
mod deadline;
mod envelope;
mod error;
mod exit;
mod exit_signal;
mod id;
mod idle;
mod info;
mod instance;
mod instrument;
mod link;
mod mailbox;
mod monitor;
mod names;
mod notice;
mod options;
mod outcome;
mod owned;
mod registry;
mod reply;
mod server;
mod server_loop;
mod server_ref;
mod start;
mod stats;
mod supervisor;
mod system;
mod task;
mod timer;

pub use crate::address::AsServerRef;
pub use crate::call::DEFAULT_CALL_TIMEOUT;
pub use crate::client_ext::ClientExt;
pub use crate::context::Context;
pub use crate::error::{CallError, SendError, StartError, StopError, TrySendError};
pub use crate::exit::{BoxError, ExitReason};
pub use crate::id::ServerId;
pub use crate::idle::IdleTimeout;
pub use crate::info::FromInfo;
pub use crate::link::Exit;
pub use crate::mailbox::MailboxCapacity;
pub use crate::monitor::{Down, Monitor, MonitorRef};
pub use crate::names::{whereis, whereis_id};
pub use crate::options::StartOptions;
pub use crate::outcome::{HandlerOutcome, InitOutcome};
pub use crate::registry::{RegisterError, Registry, RegistryKey, RegistryKind};
pub use crate::reply::{Reply, ReplyTo};
pub use crate::server::{Client, GenServer};
pub use crate::server_ref::{SendFuture, ServerRef};
pub use crate::start::start;
pub use crate::stats::ServerStats;
pub use crate::supervisor::{
    ChildCounts, ChildId, ChildInfo, ChildKind, ChildRef, ChildSpec, ChildStartError, ChildState,
    DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorMessage, DynamicSupervisorSpec,
    Restart, RestartIntensity, Shutdown, Strategy, Supervisor, SupervisorClient, SupervisorError,
    SupervisorMessage, SupervisorSpec,
};
pub use crate::task::{Task, TaskDone, TaskError, TaskId};
pub use crate::timer::{Timer, send_after, send_interval};
