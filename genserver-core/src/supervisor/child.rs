//! One supervised child at run time: its address, which outlives its
//! instances, the instance running behind it, and the mailbox handed back
//! when an instance ends.
//!
//! A restart puts a new instance behind the same address and gives it the
//! mailbox of the previous one, with the messages still queued: clients
//! keep working and nothing queued is lost. When the supervisor will not
//! run the child again, it closes the mailbox and drains it, so queued
//! callers are told the exit reason instead of waiting.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use crate::alarm;
use crate::current;
use crate::envelope::Envelope;
use crate::instance::Instance;
use crate::names;
use crate::notice::deliver;
use crate::server_loop::{self, MailboxFate};
use crate::server_ref::{Inner, ServerMailbox};
use crate::supervisor::spec::{ChildId, ChildKind, Restart, Shutdown};
use crate::{Client, ExitReason, GenServer, ServerId, ServerRef, StartError, StartOptions};

/// Tells the supervisor that the instance with this id has ended. Runs in
/// the ending instance's task, after its mailbox was handed back.
pub(crate) type ExitNotice = Arc<dyn Fn(ServerId, ExitReason) + Send + Sync>;

/// A supervised child, whatever its server type.
pub(crate) trait ChildRuntime: Send + Sync {
    /// Starts an instance: behind the existing address with the mailbox of
    /// the previous instance when there is one, else behind a new address.
    /// On failure the mailbox is kept for the next attempt.
    fn start(&mut self, notice: ExitNotice) -> BoxFuture<'_, Result<ServerId, StartError>>;

    /// Stops the running instance, if any, without a notice to the
    /// supervisor, and returns how it ended.
    fn shutdown(&mut self, how: Shutdown) -> BoxFuture<'_, Option<Stopped>>;

    /// Whether the running instance has begun to exit: its exit decided,
    /// its notice perhaps not yet handled.
    fn is_exiting(&self) -> bool;

    /// Forgets the instance after its exit notice: it has ended.
    fn exited(&mut self);

    /// Closes the address: its queued messages are dropped, their callers
    /// told `reason`, and later sends fail. The next start uses a new
    /// address.
    fn close(&mut self, reason: &ExitReason);

    /// A reference to the address, while it is open.
    fn child_ref(&self) -> Option<ChildRef>;
}

/// How an instance the supervisor stopped had ended.
#[derive(Debug)]
pub(crate) enum Stopped {
    /// It was running when the supervisor asked it to stop (or aborted
    /// it), and ended with this reason.
    ByShutdown(ExitReason),
    /// It had already begun to exit on its own, with this reason, before
    /// the supervisor came to stop it: its exit notice is queued in the
    /// supervisor's mailbox, not yet handled (the supervisor was busy).
    OnItsOwn(ExitReason),
}

/// An [`ExitNotice`] that queues `wrap(id, reason)` in the supervisor's
/// own mailbox at once, over the bound of a full bounded mailbox
/// ([`deliver`]): it runs in the ending child's task, which must not wait
/// on the supervisor, and a lost notice would leave the child unrestarted.
/// A supervisor that has exited is not told.
pub(crate) fn exit_notice<S: GenServer>(
    supervisor: &ServerRef<S>,
    wrap: fn(ServerId, ExitReason) -> S::Message,
) -> ExitNotice {
    let supervisor = Arc::clone(supervisor.inner());
    Arc::new(move |id, reason| {
        deliver(&supervisor, Envelope::message(wrap(id, reason)));
    })
}

/// The reason queued callers of a child that failed to start are told.
pub(crate) fn start_failure_reason(error: &StartError) -> ExitReason {
    match error {
        StartError::Init(reason) => reason.clone(),
        StartError::Timeout => ExitReason::Killed,
        _ => ExitReason::Shutdown,
    }
}

struct Running {
    instance: Arc<Instance>,
    watch: Option<u64>,
}

pub(crate) struct ServerChild<S: GenServer> {
    args: Arc<dyn Fn() -> S::Args + Send + Sync>,
    options: StartOptions,
    address: Option<ServerRef<S>>,
    /// Where the current or last instance hands its mailbox back.
    parked: Option<oneshot::Receiver<ServerMailbox<S>>>,
    running: Option<Running>,
    /// The task of the current or last instance; aborted if the child is
    /// dropped (its supervisor was aborted).
    task: Option<AbortHandle>,
}

impl<S: GenServer> ServerChild<S> {
    pub(crate) fn new(args: Arc<dyn Fn() -> S::Args + Send + Sync>, options: StartOptions) -> Self {
        ServerChild {
            args,
            options,
            address: None,
            parked: None,
            running: None,
            task: None,
        }
    }

    /// The address and mailbox for the next instance.
    async fn next_address(&mut self, instance: &Arc<Instance>) -> (ServerRef<S>, ServerMailbox<S>) {
        if let (Some(address), Some(parked)) = (self.address.take(), self.parked.take()) {
            // The previous instance has ended (its exit was observed, or
            // it was stopped and awaited), so its mailbox is waiting here.
            // It is missing only when that instance's task was dropped
            // before it first ran; a new address is the only way on.
            if let Ok(rx) = parked.await {
                address.inner().replace_instance(Arc::clone(instance));
                return (address, rx);
            }
        }
        let (inner, rx) = Inner::new(self.options.mailbox_capacity(), Arc::clone(instance));
        (ServerRef::from_inner(inner), rx)
    }

    async fn start_instance(&mut self, notice: ExitNotice) -> Result<ServerId, StartError> {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(StartError::NoRuntime);
        };
        let args = current::survive(|| (self.args)())
            .map_err(|panic| StartError::Init(ExitReason::from_panic(&*panic)))?;
        let instance = Arc::new(Instance::new());
        let (me, rx) = self.next_address(&instance).await;
        self.address = Some(me.clone());
        let (back_tx, back_rx) = oneshot::channel();
        self.parked = Some(back_rx);
        // Each instance takes the name anew, before its `init`, as an OTP
        // child re-registers in its `start_link`; the previous instance
        // freed it before its exit reached the supervisor.
        if let Some(name) = self.options.name_arc()
            && let Err(taken) = names::register(name, &me, &instance)
        {
            // Parked for the next attempt, with what is queued.
            let _ = back_tx.send(rx);
            // The instance is already behind the address, where a client
            // may have found it to wait for, stop, monitor or link to: it
            // ends there as a start that failed in `init` does, so that
            // they hear of its end.
            instance.exit.decide(start_failure_reason(&taken));
            instance.exit.finish();
            instance.uncount_restart();
            // The user's: a panic in their `Drop` must not end the
            // supervisor.
            server_loop::drop_reported(args);
            return Err(taken);
        }
        let (started_tx, started_rx) = oneshot::channel();
        let address = me.inner().key();
        let run = server_loop::run(
            me,
            Arc::clone(&instance),
            args,
            rx,
            MailboxFate::HandBack(back_tx),
            Some(started_tx),
        );
        let task = server_loop::spawn(&runtime, address, run);
        self.task = Some(task.abort_handle());
        let outcome = match self.options.get_init_timeout() {
            Some(limit) => alarm::within(limit, started_rx).await,
            None => Some(started_rx.await),
        };
        let error = match outcome {
            Some(Ok(Ok(()))) => {
                let id = instance.id;
                // Registered after init: an instance that has already ended
                // runs the watcher at once, so no exit is missed.
                let watch = instance
                    .exit
                    .watch_last(Box::new(move |reason| notice(id, reason.clone())));
                self.running = Some(Running { instance, watch });
                return Ok(id);
            }
            Some(Ok(Err(reason))) => StartError::Init(reason),
            Some(Err(_)) => StartError::Init(instance.exit.finished().await),
            None => {
                task.abort();
                let _ = task.await;
                StartError::Timeout
            }
        };
        instance.uncount_restart();
        Err(error)
    }

    async fn stop_instance(&mut self, how: Shutdown) -> Option<Stopped> {
        let running = self.running.take()?;
        let exit = &running.instance.exit;
        if let Some(key) = running.watch {
            exit.unwatch(key);
        }
        // Its reason alone cannot tell an instance that crashed or stopped
        // on its own, whose exit notice the busy supervisor has not handled
        // yet, from one this stop ended, and the supervisor closes the
        // address differently for each (15.12; `Entry::shutdown`). Whether
        // its exit was decided before the stop request does. One that
        // decides on its own after this check ended while being stopped,
        // which counts as the stop.
        let on_its_own = exit.is_exiting();
        let abort = || {
            if let Some(task) = &self.task {
                task.abort();
            }
        };
        match how {
            Shutdown::BrutalKill => abort(),
            Shutdown::Timeout(limit) => {
                self.ask_to_stop(&running.instance);
                if alarm::within(limit, exit.finished()).await.is_none() {
                    abort();
                }
            }
            Shutdown::Infinity => self.ask_to_stop(&running.instance),
        }
        let reason = exit.finished().await;
        Some(if on_its_own {
            Stopped::OnItsOwn(reason)
        } else {
            Stopped::ByShutdown(reason)
        })
    }

    fn ask_to_stop(&self, instance: &Instance) {
        match &self.address {
            // An interrupt left over is skipped by the next instance.
            Some(address) => address.inner().request_stop(instance, ExitReason::Shutdown),
            None => instance.request_stop(ExitReason::Shutdown),
        }
    }
}

impl<S: GenServer> ChildRuntime for ServerChild<S> {
    fn start(&mut self, notice: ExitNotice) -> BoxFuture<'_, Result<ServerId, StartError>> {
        Box::pin(self.start_instance(notice))
    }

    fn shutdown(&mut self, how: Shutdown) -> BoxFuture<'_, Option<Stopped>> {
        Box::pin(self.stop_instance(how))
    }

    fn is_exiting(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|running| running.instance.exit.is_exiting())
    }

    fn exited(&mut self) {
        self.running = None;
    }

    fn close(&mut self, reason: &ExitReason) {
        let address = self.address.take();
        if let Some(mut parked) = self.parked.take() {
            // When the instance has not ended yet, dropping the receiver
            // makes it close and drain the mailbox itself when it ends,
            // with its own reason, which is the child's.
            if let Ok(mut rx) = parked.try_recv() {
                if let Some(address) = address {
                    address.inner().end_with(reason.clone());
                }
                // The instance has ended and been forgotten: its
                // callers are told at once.
                server_loop::close_and_drain(&mut rx, reason, None);
            }
        }
    }

    fn child_ref(&self) -> Option<ChildRef> {
        let address = self.address.clone()?;
        Some(ChildRef::new(address.id(), Arc::new(address)))
    }
}

impl<S: GenServer> Drop for ServerChild<S> {
    fn drop(&mut self) {
        // Aborting an ended task does nothing; one still running (its
        // supervisor was aborted, perhaps while it started this child)
        // must not outlive the supervisor.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A child as seen from outside its supervisor: its current instance and
/// its address, from which the typed client is recovered.
///
/// Returned by [`SupervisorClient::start_child`](crate::SupervisorClient::start_child),
/// [`SupervisorClient::restart_child`](crate::SupervisorClient::restart_child)
/// and [`DynamicSupervisorClient::start_child`](crate::DynamicSupervisorClient::start_child).
#[derive(Clone)]
pub struct ChildRef {
    id: ServerId,
    address: Arc<dyn Any + Send + Sync>,
}

impl ChildRef {
    pub(crate) fn new(id: ServerId, address: Arc<dyn Any + Send + Sync>) -> Self {
        ChildRef { id, address }
    }

    /// The id of the instance behind the child's address when this
    /// reference was made. The client's [`id`](ServerRef::id) follows
    /// restarts.
    #[must_use]
    pub fn id(&self) -> ServerId {
        self.id
    }

    /// The typed client of the child, valid across its restarts; `None`
    /// when the child's server is not `S`.
    #[must_use]
    pub fn client<S: GenServer>(&self) -> Option<S::Client> {
        self.server_ref::<S>().map(S::Client::from_server_ref)
    }

    /// The address of the child; `None` when the child's server is not `S`.
    #[must_use]
    pub fn server_ref<S: GenServer>(&self) -> Option<ServerRef<S>> {
        self.address.downcast_ref::<ServerRef<S>>().cloned()
    }
}

impl fmt::Debug for ChildRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildRef")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Where a child is in its life, as reported by
/// [`which_children`](crate::SupervisorClient::which_children).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildState {
    /// An instance with this id is running.
    Running(ServerId),
    /// Waiting for the next restart attempt, after one failed: the child
    /// whose start failed, and the siblings its strategy restarts with it
    /// that were not started yet (semantics 15.5; OTP reports those
    /// siblings `undefined`). The supervisor retries
    /// through its mailbox. Messages sent meanwhile are kept for the next
    /// instance.
    Restarting,
    /// Stopped and not to be restarted: terminated through the admin API,
    /// ended by a clean exit of a transient child, or left behind when
    /// `terminate_child` dropped the pending restart attempt of a sibling
    /// (semantics 15.5).
    Stopped,
}

/// One child, as reported by
/// [`which_children`](crate::SupervisorClient::which_children).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The child's id ([`DynamicSupervisor`](crate::DynamicSupervisor)
    /// children carry the id of the spec they were started from).
    pub id: ChildId,
    /// Whether the child runs (and its instance's id), waits for a restart
    /// attempt, or is stopped for good.
    pub state: ChildState,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// Its restart type.
    pub restart: Restart,
    /// Its server type's [`NAME`](GenServer::NAME).
    pub server: &'static str,
}

/// Child counts, as OTP's `count_children`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChildCounts {
    /// Every child the supervisor knows, whatever its state.
    pub specs: usize,
    /// Children with a running instance.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers.
    pub workers: usize,
}
