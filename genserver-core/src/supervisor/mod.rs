//! Supervision trees: [`Supervisor`] and [`DynamicSupervisor`], with OTP's
//! strategies, restart types, restart intensity and ordered shutdown, and
//! children whose clients survive their restarts.

mod admin_client;
mod child;
mod dynamic;
mod entry;
mod error;
mod spec;
mod strategy;
#[allow(clippy::module_inception)]
mod supervisor;

pub use self::child::{ChildCounts, ChildInfo, ChildRef, ChildState};
pub use self::dynamic::{
    DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorMessage, DynamicSupervisorSpec,
};
pub use self::error::{ChildStartError, SupervisorError};
pub use self::spec::{ChildId, ChildKind, ChildSpec, Restart, Shutdown};
pub use self::strategy::{RestartIntensity, Strategy};
pub use self::supervisor::{Supervisor, SupervisorClient, SupervisorMessage, SupervisorSpec};
