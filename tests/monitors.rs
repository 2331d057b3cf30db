//! Monitors: one `Down` per monitor, `NoProc` for a server already gone,
//! nothing after `demonitor` (docs/semantics.md, section "Monitors").

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

use std::sync::Arc;

use genserver::prelude::*;
use genserver::{Monitor, MonitorRef, ServerId};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Down>();
    send_sync::<MonitorRef>();
    send_sync::<Monitor>();
};

/// The monitored server.
struct Worker;

#[genserver]
impl Worker {
    #[call]
    fn ping(&self) -> u32 {
        1
    }

    #[cast]
    fn crash(&mut self) {
        panic!("worker crashed")
    }
}

/// Monitors workers and keeps the notices it receives.
struct Watcher {
    downs: Vec<Down>,
}

#[genserver]
impl Watcher {
    #[call]
    fn watch(&mut self, worker: WorkerClient, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&worker)
    }

    #[call]
    fn watch_ref(&mut self, worker: ServerRef<Worker>, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&worker)
    }

    #[call]
    fn watch_lingering(&mut self, target: LingeringClient, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&target)
    }

    #[call]
    fn demonitor(&mut self, id: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(id)
    }

    /// Waits at `gate` (after telling `entered`), then demonitors `id`:
    /// a `Down` queued meanwhile must not be handled.
    #[call]
    async fn demonitor_after(
        &mut self,
        id: MonitorRef,
        entered: Arc<Notify>,
        gate: Arc<Notify>,
        ctx: &mut Context<Self>,
    ) -> bool {
        entered.notify_one();
        gate.notified().await;
        ctx.demonitor(id)
    }

    /// Waits at `gate` (after telling `entered`).
    #[call]
    async fn hold(&mut self, entered: Arc<Notify>, gate: Arc<Notify>) {
        entered.notify_one();
        gate.notified().await;
    }

    #[cast]
    fn noop(&mut self) {}

    #[cast]
    fn crash(&mut self) {
        panic!("watcher crashed")
    }

    #[call]
    fn downs(&self) -> Vec<Down> {
        self.downs.clone()
    }

    #[info]
    fn down(&mut self, down: Down) {
        self.downs.push(down);
    }
}

async fn watcher() -> WatcherClient {
    Watcher::start(Watcher { downs: Vec::new() }).await.unwrap()
}

fn only(downs: &[Down]) -> &Down {
    assert_eq!(downs.len(), 1, "expected exactly one Down, got {downs:?}");
    &downs[0]
}

#[tokio::test]
async fn a_monitor_receives_exactly_one_down_with_the_exit_reason() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let worker_id: ServerId = worker.id();
    let id = watcher.watch(worker.clone()).await.unwrap();

    worker.crash().await.unwrap();
    let reason = worker.wait().await;
    assert!(matches!(reason, ExitReason::Panicked { .. }));

    // The notice is queued before `wait` returns, so the next call sees it.
    let downs = watcher.downs().await.unwrap();
    let down = only(&downs);
    assert_eq!(down.id, id);
    assert_eq!(down.server, worker_id);
    assert_eq!(down.reason, reason);

    // Nothing more arrives later.
    tokio::task::yield_now().await;
    assert_eq!(watcher.downs().await.unwrap().len(), 1);
}

#[tokio::test]
async fn two_monitors_of_one_server_give_two_notices() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let first = watcher.watch(worker.clone()).await.unwrap();
    let second = watcher
        .watch_ref(worker.server_ref().clone())
        .await
        .unwrap();
    assert_ne!(first, second);

    worker.stop().await.unwrap();
    let downs = watcher.downs().await.unwrap();
    let ids: Vec<MonitorRef> = downs.iter().map(|d| d.id).collect();
    assert_eq!(downs.len(), 2);
    assert!(ids.contains(&first) && ids.contains(&second));
    assert!(downs.iter().all(|d| d.reason == ExitReason::Normal));
}

#[tokio::test]
async fn monitoring_a_server_already_gone_gives_noproc_at_once() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    worker.stop().await.unwrap();

    let id = watcher.watch(worker.clone()).await.unwrap();
    let downs = watcher.downs().await.unwrap();
    let down = only(&downs);
    assert_eq!(down.id, id);
    assert_eq!(down.reason, ExitReason::NoProc);
}

#[tokio::test]
async fn after_demonitor_no_notice_arrives() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let id = watcher.watch(worker.clone()).await.unwrap();

    assert!(
        watcher.demonitor(id).await.unwrap(),
        "the worker was running"
    );
    worker.crash().await.unwrap();
    worker.wait().await;

    assert!(watcher.downs().await.unwrap().is_empty());
    assert!(!watcher.demonitor(id).await.unwrap(), "already removed");
}

/// 16.3: demonitoring one of two monitors of a server ends that one only:
/// the other still gets its `Down`.
#[tokio::test(start_paused = true)]
async fn demonitoring_one_of_two_monitors_leaves_the_other() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let ended = watcher.watch(worker.clone()).await.unwrap();
    let kept = watcher.watch(worker.clone()).await.unwrap();
    assert!(watcher.demonitor(ended).await.unwrap());

    worker.stop_with(ExitReason::Shutdown).await.unwrap();
    let downs = watcher.downs().await.unwrap();
    let down = only(&downs);
    assert_eq!(
        (down.id, down.server, &down.reason),
        (kept, worker.id(), &ExitReason::Shutdown)
    );
}

// `Context::demonitor` (16.3): an id that is not an active monitor of this
// server, another server's or a `Monitor` future's, gives `false` and
// leaves that monitor in place.
#[tokio::test(start_paused = true)]
async fn demonitor_of_a_monitor_this_server_does_not_hold_is_false_and_leaves_it() {
    let worker = Worker::start(Worker).await.unwrap();
    let (holder, other) = (watcher().await, watcher().await);
    let held = holder.watch(worker.clone()).await.unwrap();
    let plain = worker.server_ref().monitor();
    assert!(!other.demonitor(held).await.unwrap());
    assert!(!other.demonitor(plain.id()).await.unwrap());

    worker.stop().await.unwrap();
    assert_eq!(plain.await.reason, ExitReason::Normal);
    let downs = holder.downs().await.unwrap();
    assert_eq!(
        (only(&downs).id, &only(&downs).reason),
        (held, &ExitReason::Normal)
    );
    assert!(other.downs().await.unwrap().is_empty());
}

#[tokio::test]
async fn demonitor_drops_a_notice_already_queued() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let id = watcher.watch(worker.clone()).await.unwrap();

    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let pending = tokio::spawn({
        let watcher = watcher.clone();
        let (entered, gate) = (entered.clone(), gate.clone());
        async move { watcher.demonitor_after(id, entered, gate).await }
    });
    entered.notified().await;

    // The watcher is busy: the worker's `Down` is queued in its mailbox
    // by the time `stop` returns.
    worker.stop().await.unwrap();
    gate.notify_one();

    // The worker had ended: `false`, and its queued notice is dropped.
    assert!(!pending.await.unwrap().unwrap());
    assert!(watcher.downs().await.unwrap().is_empty());
}

// `Monitor::id` and `Monitor::server`: the id of its `Down`, and the
// instance monitored, which the `Down` names too.
#[tokio::test]
async fn a_monitor_future_resolves_to_the_down_of_the_server() {
    let worker = Worker::start(Worker).await.unwrap();
    let monitor = worker.server_ref().monitor();
    let (id, server) = (monitor.id(), monitor.server());
    assert_eq!(server, worker.id());

    worker.crash().await.unwrap();
    let down = monitor.await;
    assert_eq!((down.id, down.server), (id, server));
    assert!(matches!(down.reason, ExitReason::Panicked { .. }));
}

// 16.6, with `Monitor::id` and `Monitor::server`: a monitor made once the
// server is gone still has an id of its own and names that server, and its
// `Down` carries both.
#[tokio::test]
async fn a_monitor_future_of_a_server_already_gone_is_noproc() {
    let worker = Worker::start(Worker).await.unwrap();
    let before = worker.server_ref().monitor();
    worker.stop().await.unwrap();
    let monitor = worker.server_ref().monitor();
    let (id, server) = (monitor.id(), monitor.server());
    assert_ne!(id, before.id());
    assert_eq!(server, worker.id());
    let down = monitor.await;
    assert_eq!(
        (down.id, down.server, down.reason),
        (id, server, ExitReason::NoProc)
    );
}

#[tokio::test]
async fn demonitor_of_a_monitor_future_tells_whether_the_server_ran() {
    let worker = Worker::start(Worker).await.unwrap();
    assert!(worker.server_ref().monitor().demonitor());
    worker.stop().await.unwrap();
    assert!(!worker.server_ref().monitor().demonitor());
}

#[tokio::test]
async fn the_monitors_of_a_server_end_with_it() {
    let watcher = watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    watcher.watch(worker.clone()).await.unwrap();
    watcher.stop().await.unwrap();

    // The worker's end has no one left to tell, and does not fail.
    worker.crash().await.unwrap();
    assert!(matches!(worker.wait().await, ExitReason::Panicked { .. }));
}

/// Tells `entered` when its `terminate` runs, then holds it until `gate`.
struct Lingering {
    entered: Arc<Notify>,
    gate: Arc<Notify>,
}

#[genserver]
impl Lingering {
    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.entered.notify_one();
        self.gate.notified().await;
    }
}

/// A [`Lingering`] server, with what tells when its `terminate` runs and
/// the gate that lets it end.
async fn lingering() -> (LingeringClient, Arc<Notify>, Arc<Notify>) {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let server = Lingering::start(Lingering {
        entered: entered.clone(),
        gate: gate.clone(),
    })
    .await
    .unwrap();
    (server, entered, gate)
}

/// Stops `server` with `reason` from another task.
fn stop_with(
    server: &LingeringClient,
    reason: ExitReason,
) -> JoinHandle<Result<(), genserver::StopError>> {
    let server = server.clone();
    tokio::spawn(async move { server.stop_with(reason).await })
}

/// 16.1 and 16.2: a server running its `terminate` has not ended: a monitor
/// made then is told the reason it ends with, not `NoProc`.
#[tokio::test(start_paused = true)]
async fn a_monitor_made_while_the_server_terminates_hears_its_real_reason() {
    let (watcher, (server, entered, gate)) = (watcher().await, lingering().await);
    let reason = ExitReason::error("leaving");
    let stopping = stop_with(&server, reason.clone());
    entered.notified().await;
    let id = watcher.watch_lingering(server.clone()).await.unwrap();
    let plain = server.server_ref().monitor();

    gate.notify_one();
    stopping.await.unwrap().unwrap();
    let downs = watcher.downs().await.unwrap();
    let down = only(&downs);
    assert_eq!((down.id, down.server), (id, server.id()));
    assert_eq!(down.reason, reason);
    assert_eq!(plain.await.reason, reason);
}

/// 16.3: while its target runs `terminate`, it has not ended: `demonitor`
/// answers `true`, and no `Down` of that monitor comes.
#[tokio::test(start_paused = true)]
async fn demonitor_while_the_server_terminates_is_true_and_no_notice_comes() {
    let (watcher, (server, entered, gate)) = (watcher().await, lingering().await);
    let id = watcher.watch_lingering(server.clone()).await.unwrap();
    let stopping = stop_with(&server, ExitReason::Shutdown);
    entered.notified().await;

    assert!(watcher.demonitor(id).await.unwrap());
    gate.notify_one();
    stopping.await.unwrap().unwrap();
    assert!(watcher.downs().await.unwrap().is_empty());
}

/// A watcher whose mailbox holds one message.
async fn bounded_watcher() -> WatcherClient {
    Watcher::start_with(
        Watcher { downs: Vec::new() },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap()
}

/// Holds `watcher` in a handler. Returns the gate that lets the handler
/// go, and the call it answers then.
async fn hold(watcher: &WatcherClient) -> (Arc<Notify>, JoinHandle<Result<(), CallError>>) {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let held = tokio::spawn({
        let watcher = watcher.clone();
        let (entered, gate) = (entered.clone(), gate.clone());
        async move { watcher.hold(entered, gate).await }
    });
    entered.notified().await;
    (gate, held)
}

/// [`hold`], then fills its mailbox of one behind the handler.
async fn fill(watcher: &WatcherClient) -> (Arc<Notify>, JoinHandle<Result<(), CallError>>) {
    let (gate, held) = hold(watcher).await;
    watcher.noop().await.unwrap(); // the mailbox is now full
    (gate, held)
}

/// Runs a watcher with a mailbox of one on its own runtime, monitors a
/// worker started on `worker_runtime`, fills the watcher's mailbox while
/// a handler holds it, then lets `end` end the worker (and do what it
/// likes with its runtime). Returns the monitor and the `Down`s the
/// watcher has handled once its handler lets go.
fn downs_of_a_full_watcher(
    worker_runtime: tokio::runtime::Runtime,
    end: impl FnOnce(tokio::runtime::Runtime, &WorkerClient),
) -> (MonitorRef, Vec<Down>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let worker = worker_runtime.block_on(Worker::start(Worker)).unwrap();
    let (watcher, id, gate, held) = runtime.block_on(async {
        let watcher = bounded_watcher().await;
        let id = watcher.watch(worker.clone()).await.unwrap();
        let (gate, held) = fill(&watcher).await;
        (watcher, id, gate, held)
    });

    end(worker_runtime, &worker);

    let downs = runtime.block_on(async {
        gate.notify_one();
        held.await.unwrap().unwrap();
        // Queued behind the `Down`, if it was queued when the worker ended.
        watcher.downs().await.unwrap()
    });
    (id, downs)
}

// Semantics 16.1 and 16.7: a notice is queued at once, over the bound of
// a full bounded mailbox, so it is there before the target's `stop()`
// returns, whatever becomes of the target's runtime then.
#[tokio::test]
async fn a_notice_reaches_a_full_bounded_mailbox_at_once() {
    let watcher = bounded_watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let id = watcher.watch(worker.clone()).await.unwrap();
    let (gate, held) = fill(&watcher).await;

    worker.stop().await.unwrap();
    gate.notify_one();
    held.await.unwrap().unwrap();
    assert_eq!(only(&watcher.downs().await.unwrap()).id, id);
}

#[test]
fn a_notice_reaches_a_full_bounded_mailbox_when_the_targets_runtime_shuts_down() {
    let worker_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (id, downs) = downs_of_a_full_watcher(worker_runtime, |runtime, _| drop(runtime));
    assert_eq!(only(&downs).id, id);
    assert_eq!(only(&downs).reason, ExitReason::Killed);
}

#[test]
fn a_notice_reaches_a_full_bounded_mailbox_from_a_runtime_never_driven_again() {
    let worker_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut kept = None;
    let (id, downs) = downs_of_a_full_watcher(worker_runtime, |runtime, worker| {
        runtime.block_on(worker.stop()).unwrap();
        kept = Some(runtime);
    });
    assert_eq!(only(&downs).id, id);
    assert_eq!(only(&downs).reason, ExitReason::Normal);
    drop(kept);
}

/// 16.2: `NoProc` is not a clean reason.
#[test]
fn noproc_is_not_a_clean_reason() {
    assert!(!ExitReason::NoProc.is_clean());
}

/// A one-for-one supervisor of one permanent `S`, started from `state`, and its
/// client.
async fn supervised<S, F>(state: F) -> (genserver::SupervisorClient, S::Client)
where
    S: GenServer,
    F: Fn() -> S::Args + Send + Sync + 'static,
{
    let spec = genserver::SupervisorSpec::new(genserver::Strategy::OneForOne)
        .child(genserver::ChildSpec::server::<S>("child", state));
    let supervisor = genserver::Supervisor::start(spec).await.unwrap();
    let child = supervisor.child::<S>("child").await.unwrap();
    (supervisor, child)
}

/// 16.4: a monitor watches the instance running when it was made: a
/// supervisor's restart of the target gives one `Down`, for that instance,
/// and the monitor does not follow the address to the next one.
#[tokio::test(start_paused = true)]
async fn a_monitor_of_a_supervised_server_reports_only_the_instance_it_watched() {
    let watcher = watcher().await;
    let (supervisor, worker) = supervised::<Worker, _>(|| Worker).await;
    let first = worker.id();
    let id = watcher.watch(worker.clone()).await.unwrap();

    worker.crash().await.unwrap();
    // Queued behind the crash: answered by the restarted instance.
    assert_eq!(worker.ping().await, Ok(1));
    assert_ne!(worker.id(), first);
    let downs = watcher.downs().await.unwrap();
    let down = only(&downs);
    assert_eq!(down.id, id);
    assert_eq!(down.server, first);
    assert!(matches!(down.reason, ExitReason::Panicked { .. }));

    worker.crash().await.unwrap();
    assert_eq!(worker.ping().await, Ok(1));
    supervisor.stop().await.unwrap();
    assert_eq!(watcher.downs().await.unwrap().len(), 1);
}

/// Traps exits, and records in one sequence the starts it is told of and
/// the `Exit` and `Down` notices it handles.
struct Witness {
    seen: Vec<&'static str>,
}

#[genserver]
impl Witness {
    /// Links to and monitors the instance behind `reporter`.
    #[call]
    fn watch(&mut self, reporter: ReporterClient, ctx: &mut Context<Self>) {
        ctx.trap_exits(true);
        ctx.link(&reporter);
        ctx.monitor(&reporter);
    }

    #[cast]
    fn mark(&mut self, what: &'static str) {
        self.seen.push(what);
    }

    #[call]
    fn seen(&self) -> Vec<&'static str> {
        self.seen.clone()
    }

    #[info]
    fn exit(&mut self, _: Exit) {
        self.seen.push("exit");
    }

    #[info]
    fn down(&mut self, _: Down) {
        self.seen.push("down");
    }
}

/// A worker whose `init` tells a witness it started.
struct Reporter;

#[genserver]
impl Reporter {
    #[init]
    async fn init(witness: WitnessClient) -> Result<Self, String> {
        witness.mark("init").await.map_err(|e| e.to_string())?;
        Ok(Reporter)
    }

    #[cast]
    fn crash(&mut self) {
        panic!("reporter crashed")
    }

    #[call]
    fn ping(&self) -> u32 {
        1
    }
}

/// A supervised reporter, linked to and monitored by a witness.
async fn witnessed() -> (genserver::SupervisorClient, WitnessClient, ReporterClient) {
    let witness = Witness::start(Witness { seen: Vec::new() }).await.unwrap();
    let (supervisor, reporter) = supervised::<Reporter, _>({
        let witness = witness.clone();
        move || witness.clone()
    })
    .await;
    witness.watch(reporter.clone()).await.unwrap();
    (supervisor, witness, reporter)
}

/// 16.4: a supervised instance's `Exit` and `Down` are queued before its
/// supervisor hears of its end, so before the restarted instance's `init`.
#[tokio::test(start_paused = true)]
async fn a_supervised_instances_notices_are_queued_before_its_restart() {
    let (supervisor, witness, reporter) = witnessed().await;
    reporter.crash().await.unwrap();
    // Queued behind the crash: answered by the restarted instance.
    assert_eq!(reporter.ping().await, Ok(1));
    assert_eq!(
        witness.seen().await.unwrap(),
        ["init", "exit", "down", "init"]
    );
    supervisor.stop().await.unwrap();
}

/// 16.4: a supervised instance's `Exit` and `Down` are queued before its
/// supervisor's `stop()` returns.
#[tokio::test(start_paused = true)]
async fn a_supervised_instances_notices_are_queued_before_its_supervisors_stop_returns() {
    let (supervisor, witness, _reporter) = witnessed().await;
    supervisor.stop().await.unwrap();
    witness.mark("stopped").await.unwrap();
    assert_eq!(
        witness.seen().await.unwrap(),
        ["init", "exit", "down", "stopped"]
    );
}

/// 16.5: the monitors of a supervised watcher end with its instance: a
/// `Down` queued for the instance that crashed is dropped, not handled by
/// the instance the restart hands the mailbox to.
#[tokio::test(start_paused = true)]
async fn a_notice_queued_for_a_crashed_instance_is_not_handled_by_its_restart() {
    let (supervisor, watcher) = supervised::<Watcher, _>(|| Watcher { downs: Vec::new() }).await;
    let worker = Worker::start(Worker).await.unwrap();
    watcher.watch(worker.clone()).await.unwrap();
    let first = watcher.id();

    let (gate, held) = hold(&watcher).await;
    watcher.crash().await.unwrap();
    // The `Down` is queued behind the crash by the time `stop` returns.
    worker.stop().await.unwrap();
    gate.notify_one();
    held.await.unwrap().unwrap();

    assert!(watcher.downs().await.unwrap().is_empty());
    assert_ne!(watcher.id(), first, "the watcher was restarted");
    supervisor.stop().await.unwrap();
}

/// 16.7: a notice queued over the bound of a full mailbox holds the room
/// freed first: once the server has taken the message before it, the
/// mailbox holds the notice alone and is full, so `try_` sends return
/// `Full` until the notice is handled.
#[tokio::test]
async fn the_room_a_notice_holds_over_the_bound_is_freed_first() {
    let watcher = bounded_watcher().await;
    let worker = Worker::start(Worker).await.unwrap();
    let id = watcher.watch(worker.clone()).await.unwrap();
    let hold = |entered: &Arc<Notify>, gate: &Arc<Notify>| {
        let watcher = watcher.clone();
        let (entered, gate) = (entered.clone(), gate.clone());
        tokio::spawn(async move { watcher.hold(entered, gate).await })
    };
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let first = hold(&entered, &gate);
    entered.notified().await;
    let (next_entered, next_gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let second = hold(&next_entered, &next_gate);
    // The second call fills the mailbox; the `Down` goes over the bound.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(matches!(watcher.try_noop(), Err(TrySendError::Full(_))));
    worker.stop().await.unwrap();

    gate.notify_one();
    first.await.unwrap().unwrap();
    next_entered.notified().await;
    // The second call was taken: only the `Down` is queued, and it holds
    // the room that call freed.
    assert!(matches!(watcher.try_noop(), Err(TrySendError::Full(_))));
    next_gate.notify_one();
    second.await.unwrap().unwrap();
    assert_eq!(only(&watcher.downs().await.unwrap()).id, id);
    watcher.try_noop().unwrap();
}
