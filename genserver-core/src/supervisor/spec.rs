//! What a supervisor knows about a child before it runs: how to start it,
//! what to call it, when to restart it and how to stop it.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::supervisor::child::{ChildRuntime, ServerChild};
use crate::{ExitReason, GenServer, StartOptions};

/// The name of a child, unique among the children of one [`Supervisor`].
///
/// Built from a `&str` or a `String`; cheap to clone.
///
/// ```
/// use genserver_core::ChildId;
///
/// let id = ChildId::from("cache");
/// assert_eq!(id, "cache");
/// assert_eq!(id.to_string(), "cache");
/// ```
///
/// [`Supervisor`]: crate::Supervisor
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildId(Arc<str>);

impl ChildId {
    /// The id as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ChildId {
    fn from(id: &str) -> Self {
        ChildId(Arc::from(id))
    }
}

impl From<String> for ChildId {
    fn from(id: String) -> Self {
        ChildId(Arc::from(id))
    }
}

impl From<&ChildId> for ChildId {
    fn from(id: &ChildId) -> Self {
        id.clone()
    }
}

impl Borrow<str> for ChildId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ChildId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for ChildId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for ChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When a supervisor restarts a child that has exited (OTP's restart type).
///
/// | exit reason | `Permanent` | `Transient` | `Temporary` |
/// |---|---|---|---|
/// | `Normal`, `Shutdown` | restarted | not restarted | not restarted |
/// | `Panicked`, `Error`, `Killed` | restarted | restarted | not restarted |
///
/// ```
/// use genserver_core::{ExitReason, Restart};
///
/// assert!(Restart::Permanent.restarts_after(&ExitReason::Normal));
/// assert!(!Restart::Transient.restarts_after(&ExitReason::Shutdown));
/// assert!(Restart::Transient.restarts_after(&ExitReason::Killed));
/// assert!(!Restart::Temporary.restarts_after(&ExitReason::Killed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always restarted. The default.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (not
    /// [`is_clean`](ExitReason::is_clean)).
    Transient,
    /// Never restarted; forgotten by the supervisor once it exits.
    Temporary,
}

impl Restart {
    /// `true` when a child of this restart type that exited with `reason`
    /// is restarted.
    #[must_use]
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_clean(),
            Restart::Temporary => false,
        }
    }
}

/// How a supervisor stops a child (OTP's shutdown).
///
/// A stop *asks* the child: it finishes the message it is handling, runs
/// `terminate` with [`ExitReason::Shutdown`] and ends. An *abort* ends the
/// child's task at its next `.await` without `terminate` (reason
/// [`ExitReason::Killed`]). An abort cannot interrupt a handler blocked in
/// synchronous code: the child ends when that code yields, and the
/// supervisor waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Ask, wait up to the duration, then abort. The default for workers
    /// is 5 s (OTP's 5000 ms).
    Timeout(Duration),
    /// Ask and wait as long as it takes. The default for supervisors, so
    /// that a subtree has the time to stop its own children.
    Infinity,
    /// Abort at once: `terminate` does not run.
    BrutalKill,
}

impl Shutdown {
    /// The default shutdown of a worker: 5 seconds.
    pub const DEFAULT_WORKER: Shutdown = Shutdown::Timeout(Duration::from_secs(5));
}

/// Whether a child is a worker or a supervisor; reported by
/// [`SupervisorClient::count_children`](crate::SupervisorClient::count_children).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildKind {
    /// Any server that is not a supervisor.
    Worker,
    /// A [`Supervisor`](crate::Supervisor) or
    /// [`DynamicSupervisor`](crate::DynamicSupervisor).
    Supervisor,
}

type MakeRuntime = dyn Fn(&StartOptions) -> Box<dyn ChildRuntime> + Send + Sync;

/// How a supervisor starts, restarts and stops one child.
///
/// The spec holds a function that makes the child's start arguments, called
/// again at every (re)start, so a child can be started any number of times.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// pub struct Counter {
///     total: u64,
/// }
///
/// #[genserver]
/// impl Counter {
///     #[init]
///     async fn init(start: u64) -> Self {
///         Counter { total: start }
///     }
///
///     #[call]
///     pub fn get(&self) -> u64 {
///         self.total
///     }
/// }
///
/// // The closure makes `init`'s arguments at every (re)start.
/// let spec = ChildSpec::server::<Counter>("counter", || 10)
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_secs(1)));
/// assert_eq!(spec.id(), "counter");
/// assert_eq!(spec.restart_type(), Restart::Transient);
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    id: ChildId,
    restart: Restart,
    /// `None`: the default of the child's kind, whenever the kind is set.
    shutdown: Option<Shutdown>,
    kind: ChildKind,
    server: &'static str,
    options: StartOptions,
    make: Arc<MakeRuntime>,
}

/// A user value dropped through [`drop_reported`](crate::server_loop::drop_reported).
struct DroppedReported<T>(Option<T>);

impl<T> DroppedReported<T> {
    fn get(&self) -> &T {
        self.0.as_ref().expect("taken only when dropped")
    }
}

impl<T> Drop for DroppedReported<T> {
    fn drop(&mut self) {
        crate::server_loop::drop_reported(self.0.take());
    }
}

impl ChildSpec {
    /// A permanent worker with a 5 s shutdown, started with the arguments
    /// `args` returns. `args` runs in the supervisor's task at every
    /// (re)start; if it panics, that start fails with the panic as reason.
    ///
    /// `S::Args` are what `start` takes: for a `#[genserver]` server, `()`
    /// for an `#[init]` without arguments, the argument for one, a tuple
    /// of them for more (`|| (name.clone(), 16)` for
    /// `init(name: String, size: usize)`), and the server's state itself
    /// for a server without `#[init]`.
    pub fn server<S: GenServer>(
        id: impl Into<ChildId>,
        args: impl Fn() -> S::Args + Send + Sync + 'static,
    ) -> Self {
        // Dropped in the supervisor's task when the child is removed: a
        // panic in the `Drop` of what the closure captured is reported and
        // goes no further, as for any user value a server's end drops.
        let args = DroppedReported(Some(args));
        let args: Arc<dyn Fn() -> S::Args + Send + Sync> = Arc::new(move || args.get()());
        ChildSpec {
            id: id.into(),
            restart: Restart::Permanent,
            shutdown: None,
            kind: ChildKind::Worker,
            server: S::NAME,
            options: StartOptions::new(),
            make: Arc::new(move |options| {
                Box::new(ServerChild::<S>::new(Arc::clone(&args), options.clone()))
            }),
        }
    }

    /// A permanent child supervisor with `Infinity` shutdown, started from
    /// a copy of `spec` at every (re)start.
    pub fn supervisor(id: impl Into<ChildId>, spec: crate::SupervisorSpec) -> Self {
        ChildSpec::server::<crate::Supervisor>(id, move || spec.clone()).kind(ChildKind::Supervisor)
    }

    /// A permanent child dynamic supervisor with `Infinity` shutdown,
    /// started from a copy of `spec` at every (re)start.
    pub fn dynamic_supervisor(id: impl Into<ChildId>, spec: crate::DynamicSupervisorSpec) -> Self {
        ChildSpec::server::<crate::DynamicSupervisor>(id, move || spec.clone())
            .kind(ChildKind::Supervisor)
    }

    /// Sets the restart type (default [`Restart::Permanent`]).
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped (default 5 s for workers,
    /// [`Shutdown::Infinity`] for supervisors).
    #[must_use]
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Marks the child as a supervisor (or a worker), for
    /// [`ChildCounts`](crate::ChildCounts) and for its default shutdown:
    /// unless [`shutdown`](Self::shutdown) sets one, a supervisor is
    /// waited for without a limit ([`Shutdown::Infinity`]), as OTP's
    /// default for `type => supervisor`, and a worker 5 s. Set by
    /// [`supervisor`](Self::supervisor) and
    /// [`dynamic_supervisor`](Self::dynamic_supervisor).
    #[must_use]
    pub fn kind(mut self, kind: ChildKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the start options (mailbox capacity, init timeout, name) of
    /// every instance of the child. A name is taken again by each instance
    /// before its `init`, as an OTP child registers in its `start_link`.
    #[must_use]
    pub fn options(mut self, options: StartOptions) -> Self {
        self.options = options;
        self
    }

    /// The child's id.
    #[must_use]
    pub fn id(&self) -> &ChildId {
        &self.id
    }

    /// The child's restart type.
    #[must_use]
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// How the child is stopped: as set, or the default of its kind.
    #[must_use]
    pub fn shutdown_type(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.kind {
            ChildKind::Worker => Shutdown::DEFAULT_WORKER,
            ChildKind::Supervisor => Shutdown::Infinity,
        })
    }

    /// Whether the child is a worker or a supervisor.
    #[must_use]
    pub fn child_kind(&self) -> ChildKind {
        self.kind
    }

    /// The name of the child's server type ([`GenServer::NAME`]).
    #[must_use]
    pub fn server_name(&self) -> &'static str {
        self.server
    }

    pub(crate) fn make_runtime(&self) -> Box<dyn ChildRuntime> {
        (self.make)(&self.options)
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("server", &self.server)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown_type())
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
