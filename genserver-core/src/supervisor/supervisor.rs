//! The supervisor: a server that starts children in order, restarts them
//! by its strategy within its restart intensity, and stops them in
//! reverse order.

use std::fmt;

use crate::envelope::Envelope;
use crate::notice::deliver;
use crate::supervisor::admin_client::admin_client;
use crate::supervisor::child::{
    ChildCounts, ChildInfo, ChildRef, ChildRuntime, ChildState, ExitNotice, exit_notice,
    start_failure_reason,
};
use crate::supervisor::entry::{self, Entry};
use crate::supervisor::error::{ChildStartError, SupervisorError};
use crate::supervisor::spec::{ChildId, ChildSpec, Restart};
use crate::supervisor::strategy::{RestartIntensity, RestartLog, Strategy};
use crate::{
    CallError, Client, Context, Exit, ExitReason, GenServer, ReplyTo, ServerId, ServerRef,
    StartError, StartOptions, StopError,
};

/// What a [`Supervisor`] starts from: its strategy, its restart intensity
/// and its children, in start order.
///
/// ```
/// use std::time::Duration;
/// use genserver_core::{RestartIntensity, Strategy, SupervisorSpec};
///
/// let spec = SupervisorSpec::new(Strategy::RestForOne)
///     .intensity(RestartIntensity::new(10, Duration::from_secs(60)));
/// assert_eq!(spec.strategy(), Strategy::RestForOne);
/// ```
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    strategy: Strategy,
    intensity: RestartIntensity,
    children: Vec<ChildSpec>,
}

impl SupervisorSpec {
    /// No children, the given strategy, Elixir's default intensity (3
    /// restarts in 5 s).
    #[must_use]
    pub fn new(strategy: Strategy) -> Self {
        SupervisorSpec {
            strategy,
            intensity: RestartIntensity::default(),
            children: Vec::new(),
        }
    }

    /// Sets the restart intensity.
    #[must_use]
    pub fn intensity(mut self, intensity: RestartIntensity) -> Self {
        self.intensity = intensity;
        self
    }

    /// Adds a child, started after the ones already added.
    #[must_use]
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Adds children, in order.
    #[must_use]
    pub fn children(mut self, children: impl IntoIterator<Item = ChildSpec>) -> Self {
        self.children.extend(children);
        self
    }

    /// The strategy.
    #[must_use]
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The restart intensity.
    #[must_use]
    pub fn restart_intensity(&self) -> RestartIntensity {
        self.intensity
    }
}

/// A supervisor (OTP's `Supervisor`): starts its children in order,
/// restarts them by its [`Strategy`] and their [`Restart`] type, gives up
/// after more restarts than its [`RestartIntensity`] allows, and stops
/// them in reverse order when it stops.
///
/// It is a [`GenServer`] like any other: started with
/// [`Supervisor::start`], reached through a [`SupervisorClient`], and a
/// child of another supervisor through [`ChildSpec::supervisor`].
///
/// # The children's clients survive restarts
///
/// A child keeps one address for as long as the supervisor means to run
/// it: a restart puts a new instance behind the same address, with the
/// mailbox of the crashed one. So the client returned by
/// [`SupervisorClient::child`] stays valid across restarts: calls made
/// after a restart reach the new instance, messages queued when the child
/// crashed are handled by the new instance (only the call being handled at
/// the crash ends, with [`CallError::Exited`]), and `id()` shows the new
/// instance. OTP gives a restarted child a new pid and drops what was in
/// the old mailbox; callers there must look the child up again.
///
/// When the supervisor will not run the child again (a temporary or clean
/// transient exit, [`terminate_child`](SupervisorClient::terminate_child),
/// the supervisor's own exit), the address closes: queued callers get
/// [`CallError::Exited`] with the child's exit reason
/// ([`ExitReason::Shutdown`] for a child that was waiting for its restart),
/// later ones [`CallError::NoProc`]. A child started again after that has
/// a new address.
///
/// A supervisor traps exits, as OTP's does: started with
/// [`Context::start_link`], it stops when its parent ends, whatever the
/// reason; the exit signal of any other linked server is ignored.
///
/// # Examples
///
/// ```
/// use genserver_core::{ChildSpec, ChildState, Strategy, Supervisor, SupervisorSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// // A supervisor of a supervisor, to stay within this crate; the children
/// // of a real tree are `#[genserver]` servers.
/// let inner = SupervisorSpec::new(Strategy::OneForOne);
/// let spec = SupervisorSpec::new(Strategy::OneForAll).child(ChildSpec::supervisor("inner", inner));
/// let sup = Supervisor::start(spec).await?;
///
/// let inner = sup.child::<Supervisor>("inner").await?;
/// let children = sup.which_children().await?;
/// assert_eq!(children[0].state, ChildState::Running(inner.id()));
/// sup.stop().await?;
/// assert!(!inner.is_alive());
/// # Ok(())
/// # }
/// ```
pub struct Supervisor {
    strategy: Strategy,
    log: RestartLog,
    children: Vec<Entry>,
    notice: ExitNotice,
    next_key: u64,
    /// The children with a `Retry` queued, one key per message.
    retries: Vec<u64>,
}

/// The messages a [`Supervisor`] handles: the admin requests of
/// [`SupervisorClient`] and the exit notices of its children. Opaque.
pub struct SupervisorMessage(Request);

enum Request {
    Exited(ServerId, ExitReason),
    /// The exit signal of a linked server other than the parent.
    LinkedExit,
    Retry(u64),
    StartChild(ChildSpec, ReplyTo<Result<ChildRef, SupervisorError>>),
    TerminateChild(ChildId, ReplyTo<Result<(), SupervisorError>>),
    RestartChild(ChildId, ReplyTo<Result<ChildRef, SupervisorError>>),
    DeleteChild(ChildId, ReplyTo<Result<(), SupervisorError>>),
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    Child(ChildId, ReplyTo<Result<ChildRef, SupervisorError>>),
}

/// The exit signal of a linked server that is not the supervisor's
/// parent: the supervisor traps exits, as OTP's does, and ignores it.
impl From<Exit> for SupervisorMessage {
    fn from(_: Exit) -> Self {
        SupervisorMessage(Request::LinkedExit)
    }
}

impl fmt::Debug for SupervisorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Supervisor::message_name(self))
    }
}

impl Supervisor {
    /// Starts a supervisor and its children, in order, and returns its
    /// client once every child has started.
    ///
    /// # Errors
    ///
    /// If a child fails to start, the children already started are stopped
    /// in reverse order and this returns [`StartError::Init`] with an
    /// [`ExitReason::Error`] whose source is a [`ChildStartError`] naming
    /// the child and its reason ([`ChildStartError::of`] finds it). Two
    /// children with one id fail the start the same way, before any child
    /// starts; a restart intensity whose period is zero
    /// ([`RestartIntensity::new`]) fails it with [`StartError::Init`] too,
    /// before any child starts.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while the children start aborts the supervisor
    /// and the children it started.
    pub async fn start(spec: SupervisorSpec) -> Result<SupervisorClient, StartError> {
        Supervisor::start_with(spec, StartOptions::new()).await
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
        spec: SupervisorSpec,
        options: StartOptions,
    ) -> Result<SupervisorClient, StartError> {
        crate::start::<Supervisor>(spec, options)
            .await
            .map(SupervisorClient::from_server_ref)
    }

    fn position(&self, key: u64) -> Option<usize> {
        self.children.iter().position(|e| e.key == key)
    }

    fn find(&self, id: &ChildId) -> Option<usize> {
        self.children.iter().position(|e| e.spec.id() == id)
    }

    /// Queues the next attempt in the supervisor's own mailbox, at once,
    /// over the bound of a full bounded mailbox: the supervisor, the only
    /// one that makes room there, cannot wait for it.
    fn schedule_retry(&mut self, ctx: &Context<Self>, key: u64) {
        self.retries.push(key);
        let message = SupervisorMessage(Request::Retry(key));
        deliver(ctx.server_ref().inner(), Envelope::message(message));
    }

    /// Whether the queued retry of the child at `failed` starts the child
    /// at `i` too, as one of its group.
    fn retry_starts(&self, failed: usize, i: usize) -> bool {
        match self.strategy {
            Strategy::OneForOne => failed == i,
            Strategy::OneForAll => true,
            Strategy::RestForOne => failed <= i,
        }
    }

    /// Stops the `Restarting` children that no queued retry will start:
    /// those a failed group restart left for the retry of a child that has
    /// since been terminated. As in OTP, where they are left undefined
    /// once that child's `try_again_restart` is dropped, they are stopped
    /// children, started again by `restart_child`; their addresses close
    /// as any child's waiting for its restart (15.12).
    fn stop_orphans(&mut self) {
        let failed: Vec<usize> = self
            .retries
            .iter()
            .filter_map(|&k| self.position(k))
            .filter(|&at| self.children[at].state == ChildState::Restarting)
            .collect();
        for i in 0..self.children.len() {
            if self.children[i].state == ChildState::Restarting
                && !failed.iter().any(|&at| self.retry_starts(at, i))
            {
                let entry = &mut self.children[i];
                entry.child.close(&ExitReason::Shutdown);
                entry.state = ChildState::Stopped;
            }
        }
    }

    async fn on_exit(&mut self, id: ServerId, reason: ExitReason, ctx: &mut Context<Self>) {
        // A notice about an instance the supervisor stopped itself, or
        // that a group restart already replaced, is stale.
        let Some(i) = self
            .children
            .iter()
            .position(|e| e.state == ChildState::Running(id))
        else {
            return;
        };
        let entry = &mut self.children[i];
        entry.child.exited();
        let restart = entry.spec.restart_type();
        if !restart.restarts_after(&reason) {
            entry.child.close(&reason);
            if restart == Restart::Temporary {
                self.children.remove(i);
            } else {
                entry.state = ChildState::Stopped;
            }
            return;
        }
        entry.state = ChildState::Restarting;
        let key = entry.key;
        self.restart(key, ctx).await;
    }

    /// One restart attempt for the child `key`, by the strategy. A failed
    /// start leaves the children not yet started `Restarting` and queues a
    /// retry in the supervisor's mailbox, so that admin requests and a
    /// shutdown are served between attempts.
    async fn restart(&mut self, key: u64, ctx: &mut Context<Self>) {
        if !self.log.record() {
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let Some(at) = self.position(key) else { return };
        let affected = match self.strategy {
            Strategy::OneForOne => &self.children[at..=at],
            Strategy::OneForAll => &self.children[..],
            Strategy::RestForOne => &self.children[at..],
        };
        let group: Vec<u64> = affected
            .iter()
            .filter(|e| e.state != ChildState::Stopped)
            .map(|e| e.key)
            .collect();
        // Which members ended on their own is settled as the restart
        // begins: stopping one member can end another (a link carries its
        // `Shutdown`), and one that ends so was ended by this restart and
        // starts again with the group, as in OTP.
        let exited: Vec<u64> = self
            .children
            .iter()
            .filter(|e| group.contains(&e.key) && e.child.is_exiting())
            .map(|e| e.key)
            .collect();

        for &k in group.iter().rev() {
            let Some(i) = self.position(k) else { continue };
            let entry = &mut self.children[i];
            if let ChildState::Running(_) = entry.state {
                let ended = entry.shutdown().await;
                if entry.spec.restart_type() == Restart::Temporary {
                    entry.child.close(&ended.reason);
                    self.children.remove(i);
                    continue;
                }
                if ended.already_over && exited.contains(&k) {
                    // A transient child that had exited cleanly before the
                    // restart, its exit notice not yet handled: stopped, as
                    // the notice would have left it, so not part of the
                    // group (15.3).
                    entry.child.close(&ended.reason);
                    entry.state = ChildState::Stopped;
                    continue;
                }
                entry.state = ChildState::Restarting;
            }
        }

        for &k in &group {
            let Some(i) = self.position(k) else { continue };
            let entry = &mut self.children[i];
            if entry.state == ChildState::Stopped {
                continue;
            }
            if let Ok(id) = entry.child.start(self.notice.clone()).await {
                entry.state = ChildState::Running(id);
            } else {
                self.schedule_retry(ctx, k);
                break;
            }
        }
    }

    async fn start_child(&mut self, spec: ChildSpec) -> Result<ChildRef, SupervisorError> {
        if let Some(i) = self.find(spec.id()) {
            return Err(match self.children[i].state {
                ChildState::Running(id) => SupervisorError::AlreadyStarted(id),
                _ => SupervisorError::AlreadyPresent,
            });
        }
        let mut child = spec.make_runtime();
        match child.start(self.notice.clone()).await {
            Ok(id) => {
                let child_ref = child.child_ref().expect("a started child has an address");
                self.push(spec, child, ChildState::Running(id));
                Ok(child_ref)
            }
            Err(error) => {
                child.close(&start_failure_reason(&error));
                Err(SupervisorError::StartFailed(error))
            }
        }
    }

    fn push(&mut self, spec: ChildSpec, child: Box<dyn ChildRuntime>, state: ChildState) {
        self.next_key += 1;
        self.children.push(Entry {
            key: self.next_key,
            spec,
            child,
            state,
        });
    }

    async fn terminate_child(&mut self, id: &ChildId) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        let entry = &mut self.children[i];
        let ended = entry.shutdown().await;
        entry.child.close(&ended.reason);
        if entry.spec.restart_type() == Restart::Temporary {
            self.children.remove(i);
        } else {
            entry.state = ChildState::Stopped;
        }
        // Its queued retry, if it was waiting for one, no longer starts
        // anything.
        self.stop_orphans();
        Ok(())
    }

    async fn restart_child(&mut self, id: &ChildId) -> Result<ChildRef, SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        let entry = &mut self.children[i];
        match entry.state {
            ChildState::Running(_) => return Err(SupervisorError::Running),
            ChildState::Restarting => return Err(SupervisorError::Restarting),
            ChildState::Stopped => {}
        }
        match entry.child.start(self.notice.clone()).await {
            Ok(id) => {
                entry.state = ChildState::Running(id);
                Ok(entry
                    .child
                    .child_ref()
                    .expect("a started child has an address"))
            }
            Err(error) => {
                entry.child.close(&start_failure_reason(&error));
                Err(SupervisorError::StartFailed(error))
            }
        }
    }

    fn delete_child(&mut self, id: &ChildId) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        match self.children[i].state {
            ChildState::Running(_) => Err(SupervisorError::Running),
            ChildState::Restarting => Err(SupervisorError::Restarting),
            ChildState::Stopped => {
                self.children.remove(i);
                Ok(())
            }
        }
    }

    fn child(&self, id: &ChildId) -> Result<ChildRef, SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        let entry = &self.children[i];
        if entry.state == ChildState::Stopped {
            return Err(SupervisorError::NotRunning);
        }
        entry.child.child_ref().ok_or(SupervisorError::NotRunning)
    }

    /// Stops every child, one at a time, in reverse start order, and
    /// closes their addresses.
    async fn stop_children(&mut self) {
        while let Some(mut entry) = self.children.pop() {
            let ended = entry.shutdown().await;
            entry.child.close(&ended.reason);
        }
    }
}

/// The first id in `children` that an earlier child already has.
fn first_duplicate(children: &[ChildSpec]) -> Option<ChildId> {
    let mut seen = std::collections::HashSet::with_capacity(children.len());
    children
        .iter()
        .map(ChildSpec::id)
        .find(|id| !seen.insert(*id))
        .cloned()
}

impl GenServer for Supervisor {
    type Args = SupervisorSpec;
    type Message = SupervisorMessage;
    type Client = SupervisorClient;

    const NAME: &'static str = "Supervisor";

    async fn init(spec: SupervisorSpec, ctx: &mut Context<Self>) -> Result<Self, ExitReason> {
        // As OTP's: the parent's end still stops it (17.7), any other
        // linked server's is ignored.
        ctx.trap_exits(true);
        if let Some(invalid) = spec.intensity.invalid() {
            return Err(invalid);
        }
        let mut sup = Supervisor {
            strategy: spec.strategy,
            log: RestartLog::new(spec.intensity),
            children: Vec::new(),
            notice: exit_notice(ctx.server_ref(), |id, reason| {
                SupervisorMessage(Request::Exited(id, reason))
            }),
            next_key: 0,
            retries: Vec::new(),
        };
        // The whole list is checked before any child starts, as OTP's
        // `duplicate_child_name`: a spec that cannot run starts nothing.
        if let Some(id) = first_duplicate(&spec.children) {
            let error = StartError::Init(ExitReason::error(format!("duplicate child id `{id}`")));
            return Err(ExitReason::error(ChildStartError::new(id, error)));
        }
        for child_spec in spec.children {
            let mut child = child_spec.make_runtime();
            match child.start(sup.notice.clone()).await {
                Ok(server) => sup.push(child_spec, child, ChildState::Running(server)),
                Err(error) => {
                    child.close(&start_failure_reason(&error));
                    sup.stop_children().await;
                    let id = child_spec.id().clone();
                    return Err(ExitReason::error(ChildStartError::new(id, error)));
                }
            }
        }
        Ok(sup)
    }

    async fn handle(
        &mut self,
        message: SupervisorMessage,
        ctx: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        match message.0 {
            Request::Exited(id, reason) => self.on_exit(id, reason, ctx).await,
            Request::LinkedExit => {}
            Request::Retry(key) => {
                if let Some(at) = self.retries.iter().position(|&k| k == key) {
                    self.retries.swap_remove(at);
                }
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
                let result = self.terminate_child(&id).await;
                ctx.__reply(reply, result);
            }
            Request::RestartChild(id, reply) => {
                let result = self.restart_child(&id).await;
                ctx.__reply(reply, result);
            }
            Request::DeleteChild(id, reply) => {
                let result = self.delete_child(&id);
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
            Request::Child(id, reply) => {
                let result = self.child(&id);
                ctx.__reply(reply, result);
            }
        }
        Ok(())
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.stop_children().await;
    }

    fn message_name(message: &SupervisorMessage) -> &'static str {
        match message.0 {
            Request::Exited(..) => "Exited",
            Request::LinkedExit => "LinkedExit",
            Request::Retry(..) => "Retry",
            Request::StartChild(..) => "StartChild",
            Request::TerminateChild(..) => "TerminateChild",
            Request::RestartChild(..) => "RestartChild",
            Request::DeleteChild(..) => "DeleteChild",
            Request::WhichChildren(..) => "WhichChildren",
            Request::CountChildren(..) => "CountChildren",
            Request::Child(..) => "Child",
        }
    }
}

/// The client of a [`Supervisor`]: its admin API.
///
/// Admin requests wait for the supervisor without a time limit, as OTP's
/// do (stopping a child may take its whole shutdown timeout); set one with
/// [`with_timeout`](Self::with_timeout).
///
/// Every method's future may be dropped: like a call, that withdraws the
/// caller, and a request already queued is still carried out.
#[derive(Clone, Debug)]
pub struct SupervisorClient {
    server: ServerRef<Supervisor>,
}

admin_client!(SupervisorClient, Supervisor, SupervisorMessage);

impl SupervisorClient {
    /// Starts a new child, after the existing ones, and returns it once it
    /// has started (OTP's `start_child`).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::AlreadyStarted`] or
    /// [`SupervisorError::AlreadyPresent`] when a child has the same id;
    /// [`SupervisorError::StartFailed`] when it did not start (the spec is
    /// then forgotten); [`SupervisorError::Call`] when the supervisor is
    /// gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// let child = sup.start_child(spec.clone()).await?;
    /// assert_eq!(
    ///     sup.start_child(spec).await.unwrap_err(),
    ///     SupervisorError::AlreadyStarted(child.id())
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_child(&self, spec: ChildSpec) -> Result<ChildRef, SupervisorError> {
        self.request(|reply| Request::StartChild(spec, reply))
            .await?
    }

    /// Stops a child by its shutdown (OTP's `terminate_child`). It is not
    /// restarted, even when permanent; a temporary child is forgotten,
    /// others stay [`ChildState::Stopped`] until
    /// [`restart_child`](Self::restart_child) or
    /// [`delete_child`](Self::delete_child). Its address closes.
    ///
    /// A child whose restart failed ([`ChildState::Restarting`]) is not
    /// restarted either: its next attempt is dropped, and the siblings
    /// that attempt was to start are stopped with it, as in OTP.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`]; [`SupervisorError::Call`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// sup.terminate_child("sub").await?;
    /// assert_eq!(sup.which_children().await?[0].state, ChildState::Stopped);
    /// assert_eq!(sup.terminate_child("nope").await.unwrap_err(), SupervisorError::NotFound);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_child(&self, id: impl Into<ChildId>) -> Result<(), SupervisorError> {
        let id = id.into();
        self.request(|reply| Request::TerminateChild(id, reply))
            .await?
    }

    /// Starts a stopped child again, behind a new address (OTP's
    /// `restart_child`). Does not count toward the restart intensity.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::Running`],
    /// [`SupervisorError::Restarting`], [`SupervisorError::StartFailed`];
    /// [`SupervisorError::Call`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// assert_eq!(sup.restart_child("sub").await.unwrap_err(), SupervisorError::Running);
    /// sup.terminate_child("sub").await?;
    /// let child = sup.restart_child("sub").await?;
    /// assert_eq!(sup.which_children().await?[0].state, ChildState::Running(child.id()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_child(&self, id: impl Into<ChildId>) -> Result<ChildRef, SupervisorError> {
        let id = id.into();
        self.request(|reply| Request::RestartChild(id, reply))
            .await?
    }

    /// Forgets a stopped child (OTP's `delete_child`).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::Running`],
    /// [`SupervisorError::Restarting`]; [`SupervisorError::Call`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not withdraw a request already queued (one
    /// still waiting for room in a full bounded mailbox was never queued).
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// assert_eq!(sup.delete_child("sub").await.unwrap_err(), SupervisorError::Running);
    /// sup.terminate_child("sub").await?;
    /// sup.delete_child("sub").await?;
    /// assert!(sup.which_children().await?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_child(&self, id: impl Into<ChildId>) -> Result<(), SupervisorError> {
        let id = id.into();
        self.request(|reply| Request::DeleteChild(id, reply))
            .await?
    }

    /// Every child, in start order, with its state (OTP's `which_children`,
    /// which lists the newest first).
    ///
    /// # Errors
    ///
    /// A [`CallError`] when the supervisor is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// let children = sup.which_children().await?;
    /// assert_eq!(children[0].id, "sub");
    /// assert_eq!(children[0].kind, ChildKind::Supervisor);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.request(Request::WhichChildren).await
    }

    /// How many children, active children, supervisors and workers (OTP's
    /// `count_children`).
    ///
    /// # Errors
    ///
    /// A [`CallError`] when the supervisor is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// let counts = sup.count_children().await?;
    /// assert_eq!((counts.specs, counts.active, counts.supervisors), (1, 1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.request(Request::CountChildren).await
    }

    /// The typed client of a child, valid across its restarts. Available
    /// while the child runs or is restarting.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::NotRunning`] for a
    /// stopped child, [`SupervisorError::WrongType`] when its server is not
    /// `S`; [`SupervisorError::Call`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// let sub: SupervisorClient = sup.child::<Supervisor>("sub").await?;
    /// assert!(sub.is_alive());
    /// assert_eq!(
    ///     sup.child::<DynamicSupervisor>("sub").await.unwrap_err(),
    ///     SupervisorError::WrongType
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub async fn child<S: GenServer>(
        &self,
        id: impl Into<ChildId>,
    ) -> Result<S::Client, SupervisorError> {
        let id = id.into();
        let child = self.request(|reply| Request::Child(id, reply)).await??;
        child.client::<S>().ok_or(SupervisorError::WrongType)
    }

    /// Stops the supervisor: its children are stopped in reverse start
    /// order, each by its shutdown; then it exits with
    /// [`ExitReason::Normal`]. Returns once it has ended.
    ///
    /// # Errors
    ///
    /// [`StopError::NoProc`] if it had already stopped.
    ///
    /// # Cancel safety
    ///
    /// The request is made before the first wait.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)).await?;
    /// # let spec = ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne));
    /// # sup.start_child(spec).await?;
    /// let sub = sup.child::<Supervisor>("sub").await?;
    /// sup.stop().await?;
    /// assert_eq!(sub.wait().await, ExitReason::Shutdown);
    /// assert_eq!(sup.wait().await, ExitReason::Normal);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }

    /// [`stop`](Self::stop) with an exit reason.
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

    /// Waits until the supervisor has ended and returns its exit reason:
    /// [`ExitReason::Shutdown`] when it gave up after too many restarts.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> ExitReason {
        self.server.wait().await
    }
}
