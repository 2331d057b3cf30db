use std::error::Error;
use std::fmt;

use crate::supervisor::spec::ChildId;
use crate::{CallError, ExitReason, ServerId, StartError};

/// Why a supervisor's admin request failed (OTP's `{error, _}` answers).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SupervisorError {
    /// A child with this id is already running, with this instance id.
    AlreadyStarted(ServerId),
    /// A child with this id is known but not running: restart or delete it
    /// once it is stopped (one waiting for its next restart attempt answers
    /// those with [`Restarting`](Self::Restarting)).
    AlreadyPresent,
    /// The child is running: terminate it first.
    Running,
    /// The child is between a failed restart attempt and the next one.
    Restarting,
    /// No child has this id (or this instance id, for a
    /// [`DynamicSupervisor`](crate::DynamicSupervisor)).
    NotFound,
    /// The child is stopped: it has no address to reach.
    NotRunning,
    /// The child's server is not the type asked for.
    WrongType,
    /// A [`DynamicSupervisor`](crate::DynamicSupervisor) already has its
    /// `max_children`.
    MaxChildren,
    /// The child did not start.
    StartFailed(StartError),
    /// The supervisor could not be reached, or exited before answering.
    Call(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::AlreadyStarted(id) => write!(f, "child already started as {id}"),
            SupervisorError::AlreadyPresent => f.write_str("child already present"),
            SupervisorError::Running => f.write_str("child is running"),
            SupervisorError::Restarting => f.write_str("child is restarting"),
            SupervisorError::NotFound => f.write_str("no such child"),
            SupervisorError::NotRunning => f.write_str("child is not running"),
            SupervisorError::WrongType => f.write_str("child is a server of another type"),
            SupervisorError::MaxChildren => f.write_str("supervisor has its maximum of children"),
            SupervisorError::StartFailed(e) => write!(f, "child failed to start: {e}"),
            SupervisorError::Call(e) => write!(f, "supervisor did not answer: {e}"),
        }
    }
}

impl Error for SupervisorError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SupervisorError::StartFailed(e) => Some(e),
            SupervisorError::Call(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CallError> for SupervisorError {
    fn from(error: CallError) -> Self {
        SupervisorError::Call(error)
    }
}

/// A child that failed to start while its supervisor started: the
/// supervisor's start fails with [`StartError::Init`] and an
/// [`ExitReason::Error`] whose source is this error.
///
/// # Examples
///
/// ```
/// use genserver_core::{ChildSpec, ChildStartError, Supervisor, SupervisorSpec, Strategy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A child supervisor whose own child's arguments cannot be made.
/// let failing = SupervisorSpec::new(Strategy::OneForOne)
///     .child(ChildSpec::server::<Supervisor>("inner", || panic!("no config")));
/// let spec = SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::supervisor("sub", failing));
/// let error = Supervisor::start(spec).await.unwrap_err();
/// let failed = ChildStartError::of(&error).unwrap();
/// assert_eq!(failed.id(), "sub");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChildStartError {
    id: ChildId,
    error: StartError,
}

impl ChildStartError {
    pub(crate) fn new(id: ChildId, error: StartError) -> Self {
        ChildStartError { id, error }
    }

    /// The id of the child that failed to start.
    #[must_use]
    pub fn id(&self) -> &ChildId {
        &self.id
    }

    /// Why it failed.
    #[must_use]
    pub fn error(&self) -> &StartError {
        &self.error
    }

    /// The failed child inside a supervisor's start error, if that is why
    /// the supervisor did not start.
    #[must_use]
    pub fn of(error: &StartError) -> Option<&ChildStartError> {
        match error {
            StartError::Init(ExitReason::Error { source }) => {
                let source: &(dyn Error + 'static) = &**source;
                source.downcast_ref::<ChildStartError>()
            }
            _ => None,
        }
    }
}

impl fmt::Display for ChildStartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "child `{}` failed to start: {}", self.id, self.error)
    }
}

impl Error for ChildStartError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.error)
    }
}
