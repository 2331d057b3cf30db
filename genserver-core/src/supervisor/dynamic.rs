//! The dynamic supervisor: children started on demand, each restarted on
//! its own, all stopped together.

use std::fmt;

use futures_util::future::join_all;

use crate::envelope::Envelope;
use crate::notice::deliver;
use crate::supervisor::admin_client::admin_client;
use crate::supervisor::child::{
    ChildCounts, ChildInfo, ChildRef, ChildState, ExitNotice, exit_notice, start_failure_reason,
};
use crate::supervisor::entry::{self, Entry};
use crate::supervisor::error::SupervisorError;
use crate::supervisor::spec::ChildSpec;
use crate::supervisor::strategy::{RestartIntensity, RestartLog};
use crate::{
    CallError, Client, Context, Exit, ExitReason, GenServer, ReplyTo, ServerId, ServerRef,
    StartError, StartOptions, StopError,
};

/// What a [`DynamicSupervisor`] starts from: its restart intensity and the
/// most children it runs at once.
///
/// ```
/// use genserver_core::DynamicSupervisorSpec;
///
/// let spec = DynamicSupervisorSpec::new().max_children(100);
/// assert_eq!(spec.get_max_children(), Some(100));
/// ```
#[derive(Clone, Debug, Default)]
pub struct DynamicSupervisorSpec {
    intensity: RestartIntensity,
    max_children: Option<usize>,
}

impl DynamicSupervisorSpec {
    /// No limit on children, Elixir's default intensity (3 restarts in 5 s).
    #[must_use]
    pub fn new() -> Self {
        DynamicSupervisorSpec::default()
    }

    /// Sets the restart intensity.
    #[must_use]
    pub fn intensity(mut self, intensity: RestartIntensity) -> Self {
        self.intensity = intensity;
        self
    }

    /// At most `max` children at once, running or restarting (OTP's
    /// `max_children`).
    #[must_use]
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// The limit set with [`max_children`](Self::max_children), `None` for
    /// no limit.
    #[must_use]
    pub fn get_max_children(&self) -> Option<usize> {
        self.max_children
    }
}

/// A supervisor of children started on demand (OTP's
/// `DynamicSupervisor`): one strategy, one-for-one; children known by
/// their instance's [`ServerId`]; at shutdown, every child is asked to
/// stop at the same moment and each is aborted at the end of its own
/// shutdown timeout, counted from that moment.
///
/// Restarts, restart types, intensity, the clients that survive restarts
/// and trapping exits work as for [`Supervisor`](crate::Supervisor). A
/// child that exits and is not restarted is forgotten.
///
/// # Examples
///
/// ```
/// use genserver_core::{
///     ChildSpec, DynamicSupervisor, DynamicSupervisorSpec, Supervisor, SupervisorError,
///     SupervisorSpec, Strategy,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new().max_children(1)).await?;
/// // Any server can be a child; a supervisor keeps this example short.
/// let spec = ChildSpec::supervisor("worker", SupervisorSpec::new(Strategy::OneForOne));
/// let child = pool.start_child(spec.clone()).await?;
/// assert!(child.client::<Supervisor>().is_some());
/// assert_eq!(pool.start_child(spec).await.unwrap_err(), SupervisorError::MaxChildren);
/// pool.terminate_child(child.id()).await?;
/// assert_eq!(pool.count_children().await?.active, 0);
/// # Ok(())
/// # }
/// ```
pub struct DynamicSupervisor {
    log: RestartLog,
    max_children: Option<usize>,
    children: Vec<Entry>,
    notice: ExitNotice,
    next_key: u64,
    /// The id each child waiting for its restart last ran as, by entry
    /// key: it still names the child for `terminate_child`, as Elixir
    /// keeps a restarting child under its last pid.
    last_ids: Vec<(u64, ServerId)>,
}

/// The messages a [`DynamicSupervisor`] handles. Opaque.
pub struct DynamicSupervisorMessage(Request);

enum Request {
    Exited(ServerId, ExitReason),
    /// The exit signal of a linked server other than the parent.
    LinkedExit,
    Retry(u64),
    StartChild(ChildSpec, ReplyTo<Result<ChildRef, SupervisorError>>),
    TerminateChild(ServerId, ReplyTo<Result<(), SupervisorError>>),
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
}

/// The exit signal of a linked server that is not the supervisor's
/// parent: the supervisor traps exits, as OTP's does, and ignores it.
impl From<Exit> for DynamicSupervisorMessage {
    fn from(_: Exit) -> Self {
        DynamicSupervisorMessage(Request::LinkedExit)
    }
}

impl fmt::Debug for DynamicSupervisorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DynamicSupervisor::message_name(self))
    }
}

impl DynamicSupervisor {
    /// Starts a dynamic supervisor, without children.
    ///
    /// # Errors
    ///
    /// [`StartError::NoRuntime`] outside a tokio runtime;
    /// [`StartError::Init`] for a restart intensity whose period is zero
    /// ([`RestartIntensity::new`](crate::RestartIntensity::new)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn start(spec: DynamicSupervisorSpec) -> Result<DynamicSupervisorClient, StartError> {
        DynamicSupervisor::start_with(spec, StartOptions::new()).await
    }

    /// [`start`](Self::start) with start options for the supervisor itself.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    ///
    /// # Cancel safety
    ///
    /// As [`start`](Self::start).
    pub async fn start_with(
        spec: DynamicSupervisorSpec,
        options: StartOptions,
    ) -> Result<DynamicSupervisorClient, StartError> {
        crate::start::<DynamicSupervisor>(spec, options)
            .await
            .map(DynamicSupervisorClient::from_server_ref)
    }

    fn position(&self, key: u64) -> Option<usize> {
        self.children.iter().position(|e| e.key == key)
    }

    async fn on_exit(&mut self, id: ServerId, reason: ExitReason, ctx: &mut Context<Self>) {
        let Some(i) = self
            .children
            .iter()
            .position(|e| e.state == ChildState::Running(id))
        else {
            return;
        };
        let entry = &mut self.children[i];
        entry.child.exited();
        if !entry.spec.restart_type().restarts_after(&reason) {
            entry.child.close(&reason);
            self.children.remove(i);
            return;
        }
        entry.state = ChildState::Restarting;
        let key = entry.key;
        self.last_ids.push((key, id));
        self.restart(key, ctx).await;
    }

    /// Whether `id` names the child of `entry`: its running instance, or,
    /// while it waits for its restart, the instance it last ran as or the
    /// failed one behind its address (what its client's `id()` gives).
    fn is_named(&self, entry: &Entry, id: ServerId) -> bool {
        match entry.state {
            ChildState::Running(running) => running == id,
            ChildState::Restarting => {
                self.last_ids.contains(&(entry.key, id))
                    || entry.child.child_ref().is_some_and(|r| r.id() == id)
            }
            ChildState::Stopped => false,
        }
    }

    async fn restart(&mut self, key: u64, ctx: &mut Context<Self>) {
        if !self.log.record() {
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let Some(i) = self.position(key) else { return };
        let entry = &mut self.children[i];
        if let Ok(id) = entry.child.start(self.notice.clone()).await {
            entry.state = ChildState::Running(id);
            self.last_ids.retain(|&(k, _)| k != key);
        } else {
            // Queued at once, over the bound of a full bounded mailbox:
            // the supervisor, the only one that makes room there, cannot
            // wait for it.
            let message = DynamicSupervisorMessage(Request::Retry(key));
            deliver(ctx.server_ref().inner(), Envelope::message(message));
        }
    }

    async fn start_child(&mut self, spec: ChildSpec) -> Result<ChildRef, SupervisorError> {
        if self
            .max_children
            .is_some_and(|max| self.children.len() >= max)
        {
            return Err(SupervisorError::MaxChildren);
        }
        let mut child = spec.make_runtime();
        match child.start(self.notice.clone()).await {
            Ok(id) => {
                let child_ref = child.child_ref().expect("a started child has an address");
                self.next_key += 1;
                self.children.push(Entry {
                    key: self.next_key,
                    spec,
                    child,
                    state: ChildState::Running(id),
                });
                Ok(child_ref)
            }
            Err(error) => {
                child.close(&start_failure_reason(&error));
                Err(SupervisorError::StartFailed(error))
            }
        }
    }

    async fn terminate_child(&mut self, id: ServerId) -> Result<(), SupervisorError> {
        let i = self
            .children
            .iter()
            .position(|e| self.is_named(e, id))
            .ok_or(SupervisorError::NotFound)?;
        let mut entry = self.children.remove(i);
        // A child waiting for its restart is not restarted: its queued
        // retry finds no entry.
        self.last_ids.retain(|&(k, _)| k != entry.key);
        let ended = entry.shutdown().await;
        entry.child.close(&ended.reason);
        Ok(())
    }
}

impl GenServer for DynamicSupervisor {
    type Args = DynamicSupervisorSpec;
    type Message = DynamicSupervisorMessage;
    type Client = DynamicSupervisorClient;

    const NAME: &'static str = "DynamicSupervisor";

    async fn init(
        spec: DynamicSupervisorSpec,
        ctx: &mut Context<Self>,
    ) -> Result<Self, ExitReason> {
        // As OTP's: the parent's end still stops it (17.7), any other
        // linked server's is ignored.
        ctx.trap_exits(true);
        if let Some(invalid) = spec.intensity.invalid() {
            return Err(invalid);
        }
        Ok(DynamicSupervisor {
            log: RestartLog::new(spec.intensity),
            max_children: spec.max_children,
            children: Vec::new(),
            notice: exit_notice(ctx.server_ref(), |id, reason| {
                DynamicSupervisorMessage(Request::Exited(id, reason))
            }),
            next_key: 0,
            last_ids: Vec::new(),
        })
    }

    async fn handle(
        &mut self,
        message: DynamicSupervisorMessage,
        ctx: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        match message.0 {
            Request::Exited(id, reason) => self.on_exit(id, reason, ctx).await,
            Request::LinkedExit => {}
            Request::Retry(key) => {
                if let Some(i) = self.position(key)
                    && self.children[i].state == ChildState::Restarting
                {
                    self.restart(key, ctx).await;
                }
            }
            Request::StartChild(spec, reply) => {
                let result = self.start_child(spec).await;
                ctx.__reply(reply, result);
            }
            Request::TerminateChild(id, reply) => {
                let result = self.terminate_child(id).await;
                ctx.__reply(reply, result);
            }
            Request::WhichChildren(reply) => {
                let children = self.children.iter().map(Entry::info).collect();
                ctx.__reply(reply, children);
            }
            Request::CountChildren(reply) => {
                let counts = entry::counts(&self.children);
                ctx.__reply(reply, counts);
            }
        }
        Ok(())
    }

    /// Asks every child to stop at once; each is aborted when its own
    /// shutdown timeout, counted from that moment, runs out.
    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        let children = std::mem::take(&mut self.children);
        join_all(children.into_iter().map(|mut entry| async move {
            let ended = entry.shutdown().await;
            entry.child.close(&ended.reason);
        }))
        .await;
    }

    fn message_name(message: &DynamicSupervisorMessage) -> &'static str {
        match message.0 {
            Request::Exited(..) => "Exited",
            Request::LinkedExit => "LinkedExit",
            Request::Retry(..) => "Retry",
            Request::StartChild(..) => "StartChild",
            Request::TerminateChild(..) => "TerminateChild",
            Request::WhichChildren(..) => "WhichChildren",
            Request::CountChildren(..) => "CountChildren",
        }
    }
}

/// The client of a [`DynamicSupervisor`].
///
/// Requests wait for the supervisor without a time limit, as OTP's do; set
/// one with [`with_timeout`](Self::with_timeout). Dropping a request's
/// future withdraws the caller; a request already queued is still carried
/// out.
#[derive(Clone, Debug)]
pub struct DynamicSupervisorClient {
    server: ServerRef<DynamicSupervisor>,
}

admin_client!(
    DynamicSupervisorClient,
    DynamicSupervisor,
    DynamicSupervisorMessage
);

impl DynamicSupervisorClient {
    /// Starts a child and returns it once it has started; its client is
    /// [`ChildRef::client`]. The spec's id is only reported back by
    /// [`which_children`](Self::which_children): ids need not be unique.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::MaxChildren`], [`SupervisorError::StartFailed`];
    /// [`SupervisorError::Call`] when the supervisor is gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    pub async fn start_child(&self, spec: ChildSpec) -> Result<ChildRef, SupervisorError> {
        self.request(|reply| Request::StartChild(spec, reply))
            .await?
    }

    /// Stops the child whose running instance is `id`, by its shutdown,
    /// and forgets it. Its address closes.
    ///
    /// A child waiting for its restart after a failed attempt
    /// ([`ChildState::Restarting`]) is found by the id it last ran as (the
    /// one [`start_child`](Self::start_child) gave, if it never restarted)
    /// or by the id its client reports now; it is not restarted, and its
    /// address closes with [`ExitReason::Shutdown`].
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`] when no child has this id, also for a
    /// child already terminated (Elixir's `{:error, :not_found}`; OTP's
    /// `simple_one_for_one` answers `ok`); [`SupervisorError::Call`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    pub async fn terminate_child(&self, id: ServerId) -> Result<(), SupervisorError> {
        self.request(|reply| Request::TerminateChild(id, reply))
            .await?
    }

    /// Every child, in start order, with its state.
    ///
    /// # Errors
    ///
    /// A [`CallError`] when the supervisor is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.request(Request::WhichChildren).await
    }

    /// How many children, active children, supervisors and workers.
    ///
    /// # Errors
    ///
    /// A [`CallError`] when the supervisor is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.request(Request::CountChildren).await
    }

    /// Stops the supervisor: every child is asked to stop at once, then it
    /// exits with [`ExitReason::Normal`]. Returns once it has ended.
    ///
    /// # Errors
    ///
    /// [`StopError::NoProc`] if it had already stopped.
    ///
    /// # Cancel safety
    ///
    /// The request is made before the first wait.
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }

    /// [`stop`](Self::stop) with an exit reason: the supervisor exits with
    /// `reason`, and its children are stopped as by `stop`.
    ///
    /// # Errors
    ///
    /// As [`stop`](Self::stop).
    ///
    /// # Cancel safety
    ///
    /// As [`stop`](Self::stop).
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        self.server.stop_with(reason).await
    }

    /// Waits until the supervisor has ended and returns its exit reason.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> ExitReason {
        self.server.wait().await
    }
}
