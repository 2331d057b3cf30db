//! Names: a server started under a name is found by it, typed; the name is
//! taken before `init` and free again the moment the server has ended
//! (docs/semantics.md, section "Names").
//!
//! Names are global to the process and tests run in parallel: each test
//! uses names of its own.

mod runtime_support;

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{
    ChildSpec, ServerId, Shutdown, Strategy, Supervisor, SupervisorSpec, whereis, whereis_id,
};
use tokio::sync::Notify;

/// A running total.
struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(start: u64) -> Self {
        Counter { total: start }
    }

    #[call]
    fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    #[cast]
    fn reset(&mut self) {
        self.total = 0;
    }

    #[cast]
    fn crash(&mut self) {
        panic!("counter crashed at {}", self.total);
    }

    /// Holds the server until `gate` is notified.
    #[cast]
    async fn hold(&mut self, entered: Arc<Notify>, gate: Arc<Notify>) {
        entered.notify_one();
        gate.notified().await;
    }

    #[info]
    fn calls_when_dropped(&mut self, _: CallsWhenDropped) {}
}

/// Another server type, to look a name up with the wrong type.
struct Other(u32);

#[genserver]
impl Other {
    #[call]
    fn ping(&self) -> u32 {
        self.0
    }
}

/// How `init` of a [`Probe`] behaves.
enum Plan {
    Succeed,
    Fail,
    Panic,
    Stop,
    Hang,
}

/// Reports from `init` what `whereis` says about its own name.
struct Probe {
    seen_in_init: Option<ServerId>,
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[genserver]
impl Probe {
    #[init]
    async fn init(
        name: &'static str,
        plan: Plan,
        ctx: &mut Context<Self>,
    ) -> Result<Self, Refused> {
        let seen_in_init = whereis_id(name);
        match plan {
            Plan::Succeed => Ok(Probe { seen_in_init }),
            Plan::Fail => Err(Refused),
            Plan::Panic => panic!("init panicked"),
            Plan::Stop => {
                ctx.stop(ExitReason::Shutdown);
                Ok(Probe { seen_in_init })
            }
            Plan::Hang => std::future::pending().await,
        }
    }

    #[call]
    fn seen_in_init(&self) -> Option<ServerId> {
        self.seen_in_init
    }
}

#[tokio::test]
async fn a_server_started_under_a_name_is_found_by_it_and_reached_through_the_client() {
    let counter = Counter::start_with(5, StartOptions::named("names:found"))
        .await
        .unwrap();
    let found = whereis::<Counter>("names:found").expect("the name is registered");
    assert_eq!(found.id(), counter.id());
    assert_eq!(found.add(2).await.unwrap(), 7);
    found.reset().await.unwrap();
    assert_eq!(counter.add(1).await.unwrap(), 1);
    assert_eq!(whereis_id("names:found"), Some(counter.id()));
    counter.stop().await.unwrap();
}

#[tokio::test]
async fn a_name_unknown_or_held_by_another_type_is_none() {
    assert!(whereis::<Counter>("names:never-started").is_none());
    assert!(whereis_id("names:never-started").is_none());

    let counter = Counter::start_with(0, StartOptions::named("names:typed"))
        .await
        .unwrap();
    assert!(whereis::<Other>("names:typed").is_none());
    assert!(whereis::<Counter>("names:typed").is_some());
    counter.stop().await.unwrap();
}

#[tokio::test]
async fn the_name_is_taken_before_init_runs() {
    let probe = Probe::start_with(
        "names:before-init",
        Plan::Succeed,
        StartOptions::named("names:before-init"),
    )
    .await
    .unwrap();
    assert_eq!(probe.seen_in_init().await.unwrap(), Some(probe.id()));
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_second_start_under_a_taken_name_fails_without_running_init() {
    let first = Counter::start_with(1, StartOptions::named("names:taken"))
        .await
        .unwrap();
    let second = Probe::start_with(
        "names:taken-probe",
        Plan::Panic,
        StartOptions::named("names:taken"),
    )
    .await;
    // `init` would have panicked: the start failed before it.
    assert_eq!(
        second.map(|_| ()),
        Err(StartError::AlreadyStarted(first.id()))
    );
    assert_eq!(whereis::<Counter>("names:taken").unwrap().id(), first.id());
    first.stop().await.unwrap();
}

#[tokio::test]
async fn the_name_is_free_as_soon_as_stop_returns() {
    for round in 0..3 {
        let counter = Counter::start_with(round, StartOptions::named("names:reuse"))
            .await
            .unwrap();
        assert_eq!(whereis_id("names:reuse"), Some(counter.id()));
        counter.stop().await.unwrap();
        assert!(whereis::<Counter>("names:reuse").is_none());
    }
}

#[tokio::test]
async fn the_name_is_free_once_a_crashed_server_has_ended() {
    let counter = Counter::start_with(0, StartOptions::named("names:crash"))
        .await
        .unwrap();
    counter.crash().await.unwrap();
    assert!(matches!(counter.wait().await, ExitReason::Panicked { .. }));
    assert!(whereis_id("names:crash").is_none());
    let again = Counter::start_with(0, StartOptions::named("names:crash"))
        .await
        .unwrap();
    again.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_failed_start_leaves_no_name_behind() {
    let name = "names:failed-start";
    let plans = [
        (Plan::Fail, "error"),
        (Plan::Panic, "panic"),
        (Plan::Stop, "stop"),
        (Plan::Hang, "timeout"),
    ];
    for (plan, what) in plans {
        let options = StartOptions::named(name).init_timeout(Duration::from_secs(1));
        let result = Probe::start_with(name, plan, options).await;
        assert!(result.is_err(), "{what}: the start should fail");
        assert!(
            whereis_id(name).is_none(),
            "{what}: the name is left behind"
        );
    }
    // And the name can be taken at once.
    let probe = Probe::start_with(name, Plan::Succeed, StartOptions::named(name))
        .await
        .unwrap();
    probe.stop().await.unwrap();
}

/// The one end that runs nothing of the server: its runtime shuts down
/// before the task first runs. The name is freed all the same.
#[test]
fn the_name_of_a_server_whose_runtime_shuts_down_before_it_runs_is_freed() {
    let name = "names:runtime-gone";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A server without `init`: start returns before its task first runs.
    let other = runtime.block_on(async {
        Other::start_with(Other(7), StartOptions::named(name))
            .await
            .unwrap()
    });
    assert_eq!(whereis_id(name), Some(other.id()));
    drop(runtime);
    assert!(whereis_id(name).is_none());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_start_frees_the_name_once_the_abort_took_effect() {
    let name = "names:cancelled-start";
    let start = Probe::start_with(name, Plan::Hang, StartOptions::named(name));
    let cancelled = tokio::time::timeout(Duration::from_millis(1), start).await;
    assert!(cancelled.is_err());
    // The abort is taken up the next time the runtime polls the task.
    for _ in 0..100 {
        if whereis_id(name).is_none() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(whereis_id(name).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_starts_under_one_name_exactly_one_wins() {
    for round in 0..20 {
        let name: &'static str = Box::leak(format!("names:race-{round}").into_boxed_str());
        let starts: Vec<_> = (0..8)
            .map(|i| tokio::spawn(Counter::start_with(i, StartOptions::named(name))))
            .collect();
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for start in starts {
            match start.await.unwrap() {
                Ok(counter) => winners.push(counter),
                Err(StartError::AlreadyStarted(id)) => losers.push(id),
                Err(other) => panic!("unexpected start error {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        let winner = winners.pop().unwrap();
        assert!(losers.iter().all(|id| *id == winner.id()));
        assert_eq!(whereis_id(name), Some(winner.id()));
        winner.stop().await.unwrap();
        assert!(whereis_id(name).is_none());
    }
}

#[tokio::test(start_paused = true)]
async fn a_supervised_child_takes_its_name_again_at_each_restart() {
    let name = "names:supervised";
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Counter>("counter", || 10).options(StartOptions::named(name)));
    let supervisor = Supervisor::start(spec).await.unwrap();
    let first = whereis::<Counter>(name).expect("registered by the supervisor's start");
    assert_eq!(first.add(1).await.unwrap(), 11);
    let first_id = first.id();

    first.crash().await.unwrap();
    // Queued behind the crash, handled by the restarted instance, which
    // starts afresh behind the same address.
    assert_eq!(first.add(1).await.unwrap(), 11);
    assert_ne!(first.id(), first_id);
    let found = whereis::<Counter>(name).expect("registered by the restart");
    assert_eq!(found.id(), first.id());
    let child = supervisor.child::<Counter>("counter").await.unwrap();
    assert_eq!(child.id(), found.id());

    supervisor.stop().await.unwrap();
    assert!(whereis_id(name).is_none());
}

#[tokio::test]
async fn a_supervised_child_under_a_taken_name_fails_the_supervisors_start() {
    let name = "names:supervised-taken";
    let holder = Counter::start_with(0, StartOptions::named(name))
        .await
        .unwrap();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Counter>("counter", || 0).options(StartOptions::named(name)));
    let Err(error) = Supervisor::start(spec).await else {
        panic!("the start succeeded")
    };
    let failed = genserver::ChildStartError::of(&error).expect("a child start error");
    assert_eq!(failed.id().to_string(), "counter");
    assert_eq!(failed.error(), &StartError::AlreadyStarted(holder.id()));
    assert_eq!(whereis_id(name), Some(holder.id()));
    holder.stop().await.unwrap();
}

/// 11.6: a child's restart takes its name again; if another server holds
/// it by then, that start fails with `AlreadyStarted` and the holder
/// keeps it.
#[tokio::test(start_paused = true)]
async fn restarting_a_child_under_a_name_taken_meanwhile_is_already_started() {
    let name = "names:taken-before-restart";
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Counter>("counter", || 0).options(StartOptions::named(name)));
    let supervisor = Supervisor::start(spec).await.unwrap();
    supervisor.terminate_child("counter").await.unwrap();
    let holder = Other::start_with(Other(7), StartOptions::named(name))
        .await
        .unwrap();

    let restarted = supervisor.restart_child("counter").await;
    assert!(
        matches!(
            restarted,
            Err(genserver::SupervisorError::StartFailed(StartError::AlreadyStarted(id)))
                if id == holder.id()
        ),
        "{:?}",
        restarted.map(|_| ())
    );
    assert_eq!(whereis_id(name), Some(holder.id()));
    assert_eq!(holder.ping().await, Ok(7));
    holder.stop().await.unwrap();
    supervisor.stop().await.unwrap();
}

/// 11.1: names are global to the process, shared by every tokio runtime in
/// it: a server started under a name on one runtime is found from another,
/// and holds the name against starts there. `StartOptions::name` is the
/// builder form of `StartOptions::named`.
#[test]
fn a_name_is_shared_by_every_runtime_in_the_process() {
    let name = "names:across-runtimes";
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (home, elsewhere) = (runtime(), runtime());
    let counter = home
        .block_on(Counter::start_with(3, StartOptions::new().name(name)))
        .unwrap();
    let found = elsewhere.block_on(async {
        let second = Counter::start_with(0, StartOptions::named(name)).await;
        assert_eq!(
            second.map(|_| ()),
            Err(StartError::AlreadyStarted(counter.id()))
        );
        whereis::<Counter>(name).map(|client| client.id())
    });
    assert_eq!(found, Some(counter.id()));
    home.block_on(counter.stop()).unwrap();
    assert!(whereis_id(name).is_none());
}

/// Tells `entered` when its `terminate` runs, then holds it until `gate`.
struct Lingering {
    entered: Arc<Notify>,
    gate: Arc<Notify>,
}

#[genserver]
impl Lingering {
    #[call]
    fn ping(&self) -> u32 {
        1
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.entered.notify_one();
        self.gate.notified().await;
    }
}

/// 11.4: between its exit decision and the end of its task (here, while its
/// `terminate` runs), a server still holds its name: `whereis` finds it, a
/// call to it ends with `Exited(reason)`, a start under its name fails with
/// `AlreadyStarted`. Once `stop_with` has returned, the name is free.
#[tokio::test(start_paused = true)]
async fn a_server_holds_its_name_until_its_task_ends() {
    let name = "names:lingering";
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let server = Lingering::start_with(
        Lingering {
            entered: entered.clone(),
            gate: gate.clone(),
        },
        StartOptions::named(name),
    )
    .await
    .unwrap();
    let reason = ExitReason::error("leaving");
    let stopping = tokio::spawn({
        let (server, reason) = (server.clone(), reason.clone());
        async move { server.stop_with(reason).await }
    });
    entered.notified().await;

    let found = whereis::<Lingering>(name).expect("the name is still held");
    assert_eq!(found.id(), server.id());
    let call = tokio::spawn(async move { found.ping().await });
    let second = Lingering::start_with(
        Lingering {
            entered: Arc::new(Notify::new()),
            gate: Arc::new(Notify::new()),
        },
        StartOptions::named(name),
    )
    .await;
    assert_eq!(
        second.map(|_| ()),
        Err(StartError::AlreadyStarted(server.id()))
    );

    gate.notify_one();
    stopping.await.unwrap().unwrap();
    assert!(whereis_id(name).is_none());
    assert_eq!(call.await.unwrap(), Err(CallError::Exited(reason)));
}

/// 11.4: an abort frees the name too. A child with `Shutdown::BrutalKill`
/// is aborted by `terminate_child`; once that returns, its name is free.
#[tokio::test(start_paused = true)]
async fn the_name_of_an_aborted_server_is_free_once_it_has_ended() {
    let name = "names:aborted";
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<Counter>("counter", || 1)
            .options(StartOptions::named(name))
            .shutdown(Shutdown::BrutalKill),
    );
    let supervisor = Supervisor::start(spec).await.unwrap();
    let child = whereis::<Counter>(name).expect("registered by the supervisor");
    supervisor.terminate_child("counter").await.unwrap();
    assert!(whereis_id(name).is_none());
    assert_eq!(child.wait().await, ExitReason::Killed);
    let again = Counter::start_with(0, StartOptions::named(name))
        .await
        .unwrap();
    again.stop().await.unwrap();
    supervisor.stop().await.unwrap();
}

/// Monitors counters, and notes at each `Down` whether `name` is held.
struct NameWatcher {
    name: &'static str,
    held_at_down: Vec<bool>,
}

#[genserver]
impl NameWatcher {
    #[call]
    fn watch(&mut self, target: CounterClient, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    /// What the `Down`s handled so far found, once.
    #[call]
    fn held_at_down(&mut self) -> Vec<bool> {
        std::mem::take(&mut self.held_at_down)
    }

    #[info]
    fn down(&mut self, _: Down) {
        self.held_at_down.push(whereis_id(self.name).is_some());
    }
}

/// 11.4 and 12.6: the name is freed before a monitor hears of the end: the
/// handler of the `Down` never finds it still held. On two workers, so
/// that the watcher may handle the `Down` while the ended server's task is
/// still finishing; repeated, as the two race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_handler_never_finds_the_name_of_the_ended_server_held() {
    let name = "names:free-at-down";
    let watcher = NameWatcher::start(NameWatcher {
        name,
        held_at_down: Vec::new(),
    })
    .await
    .unwrap();
    for round in 0..200 {
        let counter = Counter::start_with(0, StartOptions::named(name))
            .await
            .unwrap();
        watcher.watch(counter.clone()).await.unwrap();
        counter.crash().await.unwrap();
        counter.wait().await;
        assert_eq!(
            watcher.held_at_down().await.unwrap(),
            [false],
            "round {round}"
        );
    }
    watcher.stop().await.unwrap();
}

/// Stops when let through; a cast's value can hold up the drain of its
/// mailbox; a deferred reply can wait in its state.
#[derive(Default)]
struct Gate {
    held: Option<Reply<()>>,
    kept: Option<SlowDrop>,
}

/// A message whose drop waits (up to a limit) to be let go.
struct SlowDrop(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

impl Drop for SlowDrop {
    fn drop(&mut self) {
        let release = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = release.recv_timeout(Duration::from_millis(300));
    }
}

#[genserver]
impl Gate {
    #[cast]
    async fn stop_when_let_through(&mut self, gate: Arc<Notify>, ctx: &mut Context<Self>) {
        gate.notified().await;
        ctx.stop(ExitReason::Normal);
    }

    #[call]
    fn ping(&self) {}

    /// Answers never: the reply waits in the state.
    #[call]
    fn hold(&mut self, held: Arc<Notify>, reply: Reply<()>) {
        self.held = Some(reply);
        held.notify_one();
    }

    /// Answers never: the reply waits in a task of its own.
    #[call]
    fn hand_off(&mut self, held: Arc<Notify>, reply: Reply<()>) {
        tokio::spawn(async move {
            let _reply = reply;
            std::future::pending::<()>().await;
        });
        held.notify_one();
    }

    #[cast]
    fn carry(&mut self, _: SlowDrop) {}

    /// Keeps `slow` in the state, which then drops slowly.
    #[cast]
    fn keep(&mut self, slow: SlowDrop) {
        self.kept = Some(slow);
    }

    /// Answers never: the handler waits until its task is aborted.
    #[call]
    async fn stall(&mut self, entered: Arc<Notify>) {
        entered.notify_one();
        std::future::pending::<()>().await;
    }
}

// Semantics 6.2 and 11.4: a caller whose request was still queued when the
// server stopped is told `Exited` once the server is forgotten. It may
// start the server again under its name, or look it up, at once. Here the
// drain of the mailbox is held up after that caller's request, until the
// caller has looked (or for 300 ms): told too early, it would find the
// dead server named and registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_caller_told_exited_finds_the_server_forgotten() {
    use std::future::Future;
    let name = "names:queued-caller";
    let registry = genserver::Registry::<&'static str>::unique();
    let gate_server = Gate::start_with(Gate::default(), StartOptions::named(name))
        .await
        .unwrap();
    registry.register("gate", &gate_server, ()).unwrap();
    let gate = Arc::new(Notify::new());
    gate_server
        .stop_when_let_through(Arc::clone(&gate))
        .await
        .unwrap();

    let mut call = Box::pin(gate_server.ping());
    std::future::poll_fn(|cx| {
        assert!(
            call.as_mut().poll(cx).is_pending(),
            "queued behind the handler"
        );
        std::task::Poll::Ready(())
    })
    .await;
    let (looked, release) = std::sync::mpsc::channel();
    gate_server
        .carry(SlowDrop(std::sync::Mutex::new(release)))
        .await
        .unwrap();
    gate.notify_one();

    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Normal)));
    let found = (
        whereis_id(name),
        registry.whereis::<Gate>(&"gate").map(|g| g.id()),
    );
    let _ = looked.send(());
    assert_eq!(
        found,
        (None, None),
        "the name and the registry entry are gone"
    );
    let again = Gate::start_with(Gate::default(), StartOptions::named(name)).await;
    assert!(again.is_ok(), "{again:?}");
}

// Semantics 6.2 and 7.2: so is the caller of a deferred reply, held in
// the state or elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_caller_told_exited_finds_the_server_forgotten() {
    for held_elsewhere in [false, true] {
        deferred_caller_finds_the_server_forgotten(held_elsewhere).await;
    }
}

async fn deferred_caller_finds_the_server_forgotten(held_elsewhere: bool) {
    let name = "names:deferred-caller";
    let gate_server = Gate::start_with(Gate::default(), StartOptions::named(name))
        .await
        .unwrap();
    let reply_held = Arc::new(Notify::new());
    let held = tokio::spawn({
        let (gate_server, reply_held) = (gate_server.clone(), Arc::clone(&reply_held));
        async move {
            let outcome = if held_elsewhere {
                gate_server.hand_off(reply_held).await
            } else {
                gate_server.hold(reply_held).await
            };
            (outcome, whereis_id(name))
        }
    });
    reply_held.notified().await;
    let gate = Arc::new(Notify::new());
    gate_server
        .stop_when_let_through(Arc::clone(&gate))
        .await
        .unwrap();
    let (looked, release) = std::sync::mpsc::channel::<()>();
    gate_server
        .carry(SlowDrop(std::sync::Mutex::new(release)))
        .await
        .unwrap();
    gate.notify_one();

    let (outcome, found) = held.await.unwrap();
    let _ = looked.send(());
    assert_eq!(outcome, Err(CallError::Exited(ExitReason::Normal)));
    assert_eq!(
        found, None,
        "the name is free (held elsewhere: {held_elsewhere})"
    );
    gate_server.server_ref().wait().await;
}

// Semantics 6.2 and 6.5: so is the caller whose request was in hand when
// the server's task was aborted (a brutal kill): told `Exited(Killed)`
// once the server is forgotten, not while its end still drains the
// mailbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_in_hand_at_an_abort_finds_the_server_forgotten() {
    let name = "names:in-hand-caller";
    let supervisor = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(
            ChildSpec::server::<Gate>("gate", Gate::default)
                .options(StartOptions::named(name))
                .shutdown(Shutdown::BrutalKill),
        ),
    )
    .await
    .unwrap();
    let gate_server = supervisor.child::<Gate>("gate").await.unwrap();
    // The state drops slowly, after the handler in hand and before the
    // end is published.
    let (looked, release) = std::sync::mpsc::channel::<()>();
    gate_server
        .keep(SlowDrop(std::sync::Mutex::new(release)))
        .await
        .unwrap();
    let entered = Arc::new(Notify::new());
    // The caller runs on a runtime of its own: woken from the thread that
    // drops the aborted task, it would otherwise wait in that thread's
    // queue until the end is over, and could not see too early an answer.
    let in_hand = std::thread::spawn({
        let (gate_server, entered) = (gate_server.clone(), Arc::clone(&entered));
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let outcome = gate_server.stall(entered).await;
                let again = Gate::start_with(Gate::default(), StartOptions::named(name)).await;
                let found = whereis_id(name);
                let _ = looked.send(());
                (outcome, found, again.map(|again| again.id()))
            })
        }
    });
    entered.notified().await;
    supervisor.terminate_child("gate").await.unwrap();

    let (outcome, found, again) = tokio::task::spawn_blocking(|| in_hand.join().unwrap())
        .await
        .unwrap();
    assert_eq!(outcome, Err(CallError::Exited(ExitReason::Killed)));
    let again = again.expect("the name is free");
    assert_eq!(found, Some(again), "found is the new server");
}

/// What a call to the server, made from another thread while a queued
/// message is dropped with the closed mailbox, saw on its first poll and
/// at its end, and whether the name was held meanwhile.
struct SeenFromTheWindow {
    first_poll: Option<Result<u64, CallError>>,
    named: bool,
    outcome: Result<u64, CallError>,
}

/// A message whose `Drop`, run while its server ends, calls that server
/// from a thread of its own and waits for the call's first poll.
struct CallsWhenDropped {
    server: CounterClient,
    seen: std::sync::mpsc::Sender<SeenFromTheWindow>,
}

impl Drop for CallsWhenDropped {
    fn drop(&mut self) {
        let server = self.server.clone();
        let seen = self.seen.clone();
        let (polled_tx, polled_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut call = Box::pin(server.add(1));
                let first_poll = runtime_support::poll_once(call.as_mut()).await;
                let named = whereis_id("names:closed-window").is_some();
                polled_tx.send(()).unwrap();
                let outcome = call.await;
                seen.send(SeenFromTheWindow {
                    first_poll,
                    named,
                    outcome,
                })
                .unwrap();
            });
        });
        polled_rx.recv().unwrap();
    }
}

/// 11.4: a call made after the ending server's mailbox closed, while it
/// is still named (its end not yet published), ends with `Exited(reason)`
/// once the end is published, not with `NoProc` while the name is still
/// held.
#[tokio::test]
async fn a_call_made_while_the_mailbox_closes_ends_with_the_exit_reason() {
    let counter = Counter::start_with(0, StartOptions::named("names:closed-window"))
        .await
        .unwrap();
    let gate = Arc::new(Notify::new());
    let entered = Arc::new(Notify::new());
    let (seen_tx, seen) = std::sync::mpsc::channel();
    counter.hold(entered.clone(), gate.clone()).await.unwrap();
    entered.notified().await;
    counter
        .info(CallsWhenDropped {
            server: counter.clone(),
            seen: seen_tx,
        })
        .await
        .unwrap();
    let stopping = tokio::spawn({
        let counter = counter.clone();
        async move { counter.stop_with(ExitReason::Shutdown).await }
    });
    tokio::task::yield_now().await;
    gate.notify_one();
    stopping.await.unwrap().unwrap();

    let seen = seen.recv().unwrap();
    assert!(seen.named, "the server was still named");
    assert!(
        seen.first_poll.is_none(),
        "got {:?} at once",
        seen.first_poll
    );
    assert_eq!(seen.outcome, Err(CallError::Exited(ExitReason::Shutdown)));
}
