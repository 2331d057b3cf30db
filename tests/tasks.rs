//! Tasks: a server's task reports its value or its panic as a message,
//! and ends with the server; plain async code awaits a task with a time
//! limit (docs/semantics.md, section "Tasks").

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{Task, TaskId};
use tokio::sync::{Notify, mpsc};

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Task<u32>>();
    send_sync::<TaskDone<u32>>();
    send_sync::<TaskError>();
    send_sync::<TaskId>();
};

/// Sets its flag when dropped, to prove a task's future is gone.
struct Canary(Arc<AtomicBool>);

impl Drop for Canary {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs tasks and forwards their outcomes.
struct Boss {
    done: mpsc::UnboundedSender<TaskDone<u32>>,
}

#[genserver]
impl Boss {
    /// A task that returns `n * 2`, or panics when `n` is 0.
    #[call]
    fn double(&mut self, n: u32, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(async move {
            tokio::task::yield_now().await;
            assert!(n != 0, "nothing to double");
            n * 2
        })
    }

    /// A task that holds `canary` and never finishes; `started` is told
    /// once it runs.
    #[call]
    fn hang(&mut self, canary: Canary, started: Arc<Notify>, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(async move {
            let _canary = canary;
            started.notify_one();
            std::future::pending::<u32>().await
        })
    }

    /// Runs [`blocking_task`].
    #[call]
    fn busy(
        &mut self,
        canary: Canary,
        started: Arc<AtomicBool>,
        busy: Duration,
        ctx: &mut Context<Self>,
    ) -> TaskId {
        ctx.spawn_task(blocking_task(canary, started, busy))
    }

    /// A task that finishes when `gate` opens.
    #[call]
    fn gated(&mut self, gate: Arc<Notify>, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(async move {
            gate.notified().await;
            1
        })
    }

    /// A task that panics with a payload that is not a string.
    #[call]
    fn panic_with_a_number(&mut self, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(async {
            tokio::task::yield_now().await;
            panic_with_42()
        })
    }

    #[call]
    fn abort(&mut self, id: TaskId, ctx: &mut Context<Self>) -> bool {
        ctx.abort_task(id)
    }

    #[call]
    fn ping(&self) -> bool {
        true
    }

    /// Waits for `gate`, then aborts `id`.
    #[call]
    async fn abort_after(
        &mut self,
        id: TaskId,
        gate: Arc<Notify>,
        ctx: &mut Context<Self>,
    ) -> bool {
        gate.notified().await;
        ctx.abort_task(id)
    }

    /// A task that calls this server and returns 1 if it answered.
    #[call]
    fn call_back(&mut self, ctx: &mut Context<Self>) -> TaskId {
        let client = ctx.client();
        ctx.spawn_task(async move { u32::from(client.ping().await == Ok(true)) })
    }

    /// Holds the server until `gate` is notified.
    #[cast]
    async fn hold(&mut self, gate: Arc<Notify>) {
        gate.notified().await;
    }

    #[cast]
    fn nothing(&mut self) {}

    /// A hand-written task that is ready at once with 5 and whose `Drop`
    /// panics.
    #[call]
    fn ready_then_panic_on_drop(&mut self, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(ReadyThenPanicOnDrop)
    }

    #[info]
    fn done(&mut self, done: TaskDone<u32>) {
        let _ = self.done.send(done);
    }
}

fn panic_with_42() -> u32 {
    std::panic::panic_any(42_u32)
}

/// A task that holds `canary` through one poll that blocks its worker
/// thread for `busy`; `started` is set inside that poll.
async fn blocking_task(canary: Canary, started: Arc<AtomicBool>, busy: Duration) -> u32 {
    let _canary = canary;
    started.store(true, Ordering::SeqCst);
    std::thread::sleep(busy);
    tokio::task::yield_now().await;
    1
}

/// Runs a task, and its state panics when dropped.
struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("the state's drop panicked")
    }
}

#[genserver]
impl PanicsWhenDropped {
    /// As [`Boss::busy`].
    #[call]
    fn busy(
        &mut self,
        canary: Canary,
        started: Arc<AtomicBool>,
        busy: Duration,
        ctx: &mut Context<Self>,
    ) -> TaskId {
        ctx.spawn_task(blocking_task(canary, started, busy))
    }

    #[info]
    fn done(&mut self, _done: TaskDone<u32>) {}
}

/// A future ready with 5 whose `Drop` panics.
struct ReadyThenPanicOnDrop;

impl std::future::Future for ReadyThenPanicOnDrop {
    type Output = u32;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        std::task::Poll::Ready(5)
    }
}

impl Drop for ReadyThenPanicOnDrop {
    fn drop(&mut self) {
        panic!("the task's future panicked when dropped");
    }
}

async fn boss() -> (BossClient, mpsc::UnboundedReceiver<TaskDone<u32>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Boss::start(Boss { done: tx }).await.unwrap(), rx)
}

#[tokio::test]
async fn a_task_result_comes_back_as_an_info_message() {
    let (boss, mut done) = boss().await;
    let id = boss.double(21).await.unwrap();
    let outcome = done.recv().await.unwrap();
    assert_eq!(outcome.id, id);
    assert_eq!(outcome.result, Ok(42));
}

#[tokio::test]
async fn a_task_panic_comes_back_as_an_info_message_and_the_server_lives() {
    let (boss, mut done) = boss().await;
    let id = boss.double(0).await.unwrap();
    let outcome = done.recv().await.unwrap();
    assert_eq!(outcome.id, id);
    match outcome.result {
        Err(TaskError::Panicked { message }) => assert_eq!(&*message, "nothing to double"),
        other => panic!("expected a panic, got {other:?}"),
    }
    assert!(boss.ping().await.unwrap());
}

#[tokio::test]
async fn the_tasks_of_a_stopped_server_are_aborted_before_stop_returns() {
    let (boss, _done) = boss().await;
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(Notify::new());
    boss.hang(Canary(dropped.clone()), started.clone())
        .await
        .unwrap();
    started.notified().await;
    assert!(!dropped.load(Ordering::SeqCst));

    boss.stop().await.unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task's future was dropped"
    );
}

#[tokio::test]
async fn the_tasks_of_a_crashed_server_are_aborted_too() {
    let (boss, _done) = boss().await;
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(Notify::new());
    boss.hang(Canary(dropped.clone()), started.clone())
        .await
        .unwrap();
    started.notified().await;

    boss.stop_with(ExitReason::error("crashed")).await.unwrap();
    assert!(dropped.load(Ordering::SeqCst));
}

// Semantics 19.3 and 6.2: a panic in the state's `Drop` does not cut the
// end short: the tasks are still waited for before `stop` returns, here
// one whose abort cannot take effect until its long poll ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tasks_are_waited_for_even_when_the_state_drop_panics() {
    let server = PanicsWhenDropped::start(PanicsWhenDropped).await.unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    server
        .busy(
            Canary(dropped.clone()),
            started.clone(),
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    while !started.load(Ordering::SeqCst) {
        tokio::task::yield_now().await;
    }

    server.stop().await.unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task's future was dropped"
    );
    assert_eq!(server.wait().await, ExitReason::Normal);
}

// Semantics 19.3: an abort takes effect at the task's next `.await`, so a
// task stopped with `abort_task` may still run; the server's end waits for
// it as for the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_returns_after_a_task_stopped_with_abort_task_has_ended() {
    let (boss, _done) = boss().await;
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let id = boss
        .busy(
            Canary(dropped.clone()),
            started.clone(),
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    while !started.load(Ordering::SeqCst) {
        tokio::task::yield_now().await;
    }
    // The task is inside its long poll: the abort cannot take effect yet.
    assert!(boss.abort(id).await.unwrap());

    boss.stop().await.unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the aborted task's future was dropped"
    );
}

#[tokio::test]
async fn an_aborted_task_reports_nothing() {
    let (boss, mut done) = boss().await;
    let gate = Arc::new(Notify::new());
    let id = boss.gated(gate.clone()).await.unwrap();
    assert!(boss.abort(id).await.unwrap());
    assert!(!boss.abort(id).await.unwrap(), "already aborted");
    gate.notify_one();

    // A later task's outcome is the first to arrive.
    let later = boss.double(1).await.unwrap();
    assert_eq!(done.recv().await.unwrap().id, later);
}

/// 19.4: once a task's outcome has been handled, `abort_task` of it
/// answers `false`.
#[tokio::test(start_paused = true)]
async fn abort_task_after_its_outcome_was_handled_returns_false() {
    let (boss, mut done) = boss().await;
    let id = boss.double(4).await.unwrap();
    assert_eq!(done.recv().await.unwrap().id, id);
    assert_eq!(boss.abort(id).await, Ok(false));
}

/// 19.3: an outcome still queued when the server stops is dropped, not
/// handled.
#[tokio::test(start_paused = true)]
async fn an_outcome_still_queued_when_the_server_stops_is_not_handled() {
    let (boss, mut done) = boss().await;
    let task_gate = Arc::new(Notify::new());
    boss.gated(task_gate.clone()).await.unwrap();
    let gate = Arc::new(Notify::new());
    boss.hold(gate.clone()).await.unwrap();
    task_gate.notify_one();
    // The task ends; its outcome is queued behind `hold`.
    tokio::time::sleep(Duration::from_millis(1)).await;
    let stopping = tokio::spawn({
        let boss = boss.clone();
        async move { boss.stop().await }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;

    gate.notify_one();
    stopping.await.unwrap().unwrap();
    assert!(done.recv().await.is_none(), "the server ended without it");
}

#[tokio::test(start_paused = true)]
async fn await_timeout_returns_the_value_in_time() {
    let task = Task::spawn(async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        "done"
    });
    assert_eq!(task.await_timeout(Duration::from_secs(5)).await, Ok("done"));
}

#[tokio::test(start_paused = true)]
async fn await_timeout_gives_up_at_the_limit_and_aborts_the_task() {
    let dropped = Arc::new(AtomicBool::new(false));
    let canary = Canary(dropped.clone());
    let began = tokio::time::Instant::now();
    let task = Task::spawn(async move {
        let _canary = canary;
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    assert_eq!(
        task.await_timeout(Duration::from_secs(5)).await,
        Err(TaskError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(5));
    assert!(dropped.load(Ordering::SeqCst), "the task has ended");
}

// A task in its last poll on another thread when the time is up finishes
// whatever the abort: its value is there by the time the wait for its end
// is over, and wins, as a reply does at a call's deadline. The task never
// awaits, so the outcome is the same in every interleaving; the blocking
// keeps it in that poll well past the limit, so that the awaiter gives up
// and aborts while it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn await_timeout_gives_the_value_of_a_task_that_finished_as_it_was_aborted() {
    let task = Task::spawn(async {
        std::thread::sleep(Duration::from_millis(300));
        7
    });
    assert_eq!(task.await_timeout(Duration::from_millis(10)).await, Ok(7));

    let task = Task::spawn(async {
        std::thread::sleep(Duration::from_millis(300));
        panic!("late")
    });
    assert_eq!(
        task.await_timeout(Duration::from_millis(10)).await,
        Err(TaskError::Panicked {
            message: "late".into()
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_left_running_by_a_timeout_on_a_reference_can_be_awaited_again() {
    let (release, released) = tokio::sync::oneshot::channel::<u32>();
    let mut task = Task::spawn(async move { released.await.unwrap() });
    assert!(
        tokio::time::timeout(Duration::from_millis(1), &mut task)
            .await
            .is_err()
    );
    release.send(5).unwrap();
    assert_eq!(task.await, Ok(5));
}

#[tokio::test]
async fn awaiting_a_task_that_panicked_gives_the_panic_message() {
    let task = Task::spawn(async {
        tokio::task::yield_now().await;
        panic!("task failed")
    });
    assert_eq!(
        task.await,
        Err(TaskError::Panicked {
            message: "task failed".into()
        })
    );
}

#[tokio::test]
async fn a_dropped_task_is_aborted_and_a_detached_one_runs_on() {
    let dropped = Arc::new(AtomicBool::new(false));
    let canary = Canary(dropped.clone());
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let task = Task::spawn(async move {
        let _canary = canary;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    started.await.unwrap();
    drop(task);
    // The abort takes effect when tokio next runs the task.
    for _ in 0..100 {
        if dropped.load(Ordering::SeqCst) {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(dropped.load(Ordering::SeqCst));

    let (tx, rx) = tokio::sync::oneshot::channel();
    Task::spawn(async move {
        tokio::task::yield_now().await;
        tx.send(5).unwrap();
    })
    .detach();
    assert_eq!(rx.await, Ok(5));
}

// Semantics 19.1: a panic whose payload is not a string is reported with
// the message "Box<dyn Any>".
#[tokio::test]
async fn a_task_panic_with_a_payload_that_is_no_string() {
    let (boss, mut done) = boss().await;
    let id = boss.panic_with_a_number().await.unwrap();
    let outcome = done.recv().await.unwrap();
    assert_eq!(outcome.id, id);
    assert_eq!(
        outcome.result,
        Err(TaskError::Panicked {
            message: "Box<dyn Any>".into()
        })
    );
    assert!(boss.ping().await.unwrap());
}

// Semantics 19.1: a task's outcome is sent as a cast is: in a full bounded
// mailbox it waits for room, and is delivered once there is some.
#[tokio::test(start_paused = true)]
async fn a_task_outcome_waits_for_room_in_a_full_bounded_mailbox() {
    let (tx, mut done) = mpsc::unbounded_channel();
    let boss = Boss::start_with(
        Boss { done: tx },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let finish = Arc::new(Notify::new());
    let id = boss.gated(finish.clone()).await.unwrap();
    let gate = Arc::new(Notify::new());
    boss.hold(gate.clone()).await.unwrap();
    // `hold` is being handled once the mailbox has room again; this fills it.
    boss.nothing().await.unwrap();

    finish.notify_one();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        matches!(boss.try_nothing(), Err(TrySendError::Full(_))),
        "the outcome has not taken room there was not"
    );
    assert!(done.try_recv().is_err());

    gate.notify_one();
    let outcome = done.recv().await.unwrap();
    assert_eq!((outcome.id, outcome.result), (id, Ok(1)));
}

/// Aborts each task from the handler of its own outcome, and tells what
/// `abort_task` returned.
struct AbortsOnDone {
    aborted: mpsc::UnboundedSender<(TaskId, bool)>,
}

#[genserver]
impl AbortsOnDone {
    #[call]
    fn run(&mut self, ctx: &mut Context<Self>) -> TaskId {
        ctx.spawn_task(async { 1_u32 })
    }

    #[info]
    fn done(&mut self, done: TaskDone<u32>, ctx: &mut Context<Self>) {
        let _ = self.aborted.send((done.id, ctx.abort_task(done.id)));
    }
}

// Semantics 19.4: in the handler of a task's own outcome, the outcome is
// being handled: `abort_task` returns false.
#[tokio::test]
async fn abort_task_from_the_handler_of_its_own_outcome_returns_false() {
    let (tx, mut aborted) = mpsc::unbounded_channel();
    let server = AbortsOnDone::start(AbortsOnDone { aborted: tx })
        .await
        .unwrap();
    let id = server.run().await.unwrap();
    assert_eq!(aborted.recv().await, Some((id, false)));
    server.stop().await.unwrap();
}

/// 19.2: a task is not the server's task: it may call the server.
#[tokio::test]
async fn a_task_may_call_its_server() {
    let (boss, mut done) = boss().await;
    let id = boss.call_back().await.unwrap();
    let outcome = done.recv().await.unwrap();
    assert_eq!(outcome.id, id);
    assert_eq!(outcome.result, Ok(1));
}

/// 19.4: once `abort_task` returns, no `TaskDone` of that task is handled,
/// even one already queued; it returns `true`, the outcome not having been
/// handled yet.
#[tokio::test]
async fn abort_task_drops_an_outcome_already_queued() {
    let (boss, mut done) = boss().await;
    let task_gate = Arc::new(Notify::new());
    let id = boss.gated(task_gate.clone()).await.unwrap();
    let gate = Arc::new(Notify::new());
    let abort = tokio::spawn({
        let (boss, gate) = (boss.clone(), gate.clone());
        async move { boss.abort_after(id, gate).await }
    });
    // The server waits in `abort_after`; the task ends meanwhile and its
    // outcome is queued behind.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    task_gate.notify_one();
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    gate.notify_one();
    assert_eq!(abort.await.unwrap(), Ok(true));

    let later = boss.double(1).await.unwrap();
    assert_eq!(done.recv().await.unwrap().id, later);
}

/// 19.5: awaiting a `Task` stopped with `abort` gives `TaskError::Aborted`.
/// `Task::is_finished` turns true only once the abort has taken effect, at
/// the task's next `.await`, not as `abort` returns.
#[tokio::test(start_paused = true)]
async fn awaiting_an_aborted_task_gives_aborted() {
    let mut task = Task::spawn(std::future::pending::<()>());
    tokio::task::yield_now().await;
    assert!(!task.is_finished());
    task.abort();
    assert!(!task.is_finished(), "the abort has not taken effect yet");
    assert_eq!((&mut task).await, Err(TaskError::Aborted));
    assert!(task.is_finished());
}

// `Task::abort` (19.5): a task that had already finished keeps its value.
#[tokio::test(start_paused = true)]
async fn aborting_a_task_that_had_finished_still_gives_its_value() {
    let task = Task::spawn(async { 7_u32 });
    for _ in 0..100 {
        if task.is_finished() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(task.is_finished());
    task.abort();
    assert_eq!(task.await, Ok(7));
}

// `Context::abort_task` (19.4): an id that is not a task of this server,
// another server's or a plain `Task`'s, gives `false` and leaves that task
// running.
#[tokio::test(start_paused = true)]
async fn abort_task_of_a_task_not_of_this_server_is_false_and_leaves_it_running() {
    let (other, mut others_done) = boss().await;
    let (boss, _done) = boss().await;
    let gate = Arc::new(Notify::new());
    let others = other.gated(gate.clone()).await.unwrap();
    let (release, released) = tokio::sync::oneshot::channel::<u32>();
    let plain = Task::spawn(async move { released.await.unwrap() });

    assert_eq!(boss.abort(others).await, Ok(false));
    assert_eq!(boss.abort(plain.id()).await, Ok(false));

    gate.notify_one();
    let outcome = others_done.recv().await.unwrap();
    assert_eq!((outcome.id, outcome.result), (others, Ok(1)));
    release.send(5).unwrap();
    assert_eq!(plain.await, Ok(5));
}

// `Task::spawn`, `# Panics`: outside a tokio runtime.
#[test]
#[should_panic = "must be called from the context of a Tokio 1.x runtime"]
fn spawning_a_task_outside_a_runtime_panics() {
    Task::spawn(async { 1 }).detach();
}

/// Spawns a task holding `canary` from `init`, then fails its start.
struct FailsAfterSpawning;

#[genserver]
impl FailsAfterSpawning {
    #[init]
    async fn init(
        canary: Canary,
        started: Arc<Notify>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, &'static str> {
        ctx.spawn_task(async move {
            let _canary = canary;
            started.notify_one();
            std::future::pending::<u32>().await
        });
        started_and_gone().await;
        Err("refused")
    }

    #[info]
    fn done(&mut self, _done: TaskDone<u32>) {}
}

/// Lets the task spawned just before run first.
async fn started_and_gone() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// 19.3: a failed `init` is an exit like any other: the tasks it spawned
/// are aborted, and their futures dropped, before the start returns.
#[tokio::test]
async fn the_tasks_of_a_failed_init_are_aborted_before_start_returns() {
    let dropped = Arc::new(AtomicBool::new(false));
    let started = Arc::new(Notify::new());
    let start = FailsAfterSpawning::start(Canary(dropped.clone()), started.clone()).await;
    assert!(matches!(
        start.map(|_| ()),
        Err(StartError::Init(ExitReason::Error { .. }))
    ));
    started.notified().await;
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task's future was dropped"
    );
}

/// 19.1: a task whose future panics when dropped, after it gave its value,
/// still reports that value (the panic goes to the panic hook).
#[tokio::test(start_paused = true)]
async fn a_task_whose_future_panics_when_dropped_still_reports_its_value() {
    let (boss, mut done) = boss().await;
    let id = boss.ready_then_panic_on_drop().await.unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(5), done.recv())
        .await
        .expect("an outcome")
        .unwrap();
    assert_eq!((outcome.id, outcome.result), (id, Ok(5)));
    assert!(boss.ping().await.unwrap());
}

// 19.5: through the handle of a runtime that has shut down, where tokio's
// own timer panics, `await_timeout` still gives up at its limit.
#[test]
fn await_timeout_keeps_time_through_the_handle_of_a_runtime_that_has_shut_down() {
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    };
    let live = runtime();
    let task = {
        let _entered = live.enter();
        Task::spawn(std::future::pending::<u32>())
    };
    let gone = runtime();
    let handle = gone.handle().clone();
    gone.shutdown_timeout(Duration::from_secs(5));
    assert_eq!(
        handle.block_on(task.await_timeout(Duration::from_millis(100))),
        Err(genserver::TaskError::Timeout)
    );
}

/// Runs a task holding a canary, and records in `terminate` whether the
/// task's future had been dropped by then.
#[derive(Clone)]
struct ChecksTaskInTerminate {
    dropped: Arc<AtomicBool>,
    /// `None` until `terminate` runs, then whether the future was dropped.
    dropped_in_terminate: Arc<std::sync::Mutex<Option<bool>>>,
}

#[genserver]
impl ChecksTaskInTerminate {
    /// As [`Boss::hang`], with this server's canary.
    #[call]
    fn hang(&mut self, started: Arc<Notify>, ctx: &mut Context<Self>) -> TaskId {
        let canary = Canary(Arc::clone(&self.dropped));
        ctx.spawn_task(async move {
            let _canary = canary;
            started.notify_one();
            std::future::pending::<u32>().await
        })
    }

    #[info]
    fn done(&mut self, _done: TaskDone<u32>) {}

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        // Had the task been aborted already, this lets the abort take effect.
        tokio::task::yield_now().await;
        *self.dropped_in_terminate.lock().unwrap() = Some(self.dropped.load(Ordering::SeqCst));
    }
}

/// Its state, and the flags it shares.
fn checks_task_in_terminate() -> (
    ChecksTaskInTerminate,
    Arc<AtomicBool>,
    Arc<std::sync::Mutex<Option<bool>>>,
) {
    let (dropped, in_terminate) = (Arc::default(), Arc::default());
    let state = ChecksTaskInTerminate {
        dropped: Arc::clone(&dropped),
        dropped_in_terminate: Arc::clone(&in_terminate),
    };
    (state, dropped, in_terminate)
}

/// 19.3: the server's tasks are aborted after `terminate`: a task still
/// runs while `terminate` does, and its future is dropped by the time
/// `stop` returns.
#[tokio::test(start_paused = true)]
async fn tasks_are_aborted_after_terminate() {
    let (state, dropped, in_terminate) = checks_task_in_terminate();
    let server = ChecksTaskInTerminate::start(state).await.unwrap();
    let started = Arc::new(Notify::new());
    server.hang(Arc::clone(&started)).await.unwrap();
    started.notified().await;

    server.stop().await.unwrap();
    assert_eq!(*in_terminate.lock().unwrap(), Some(false));
    assert!(dropped.load(Ordering::SeqCst));
}

/// Spawns a task holding its canary from `terminate`.
struct SpawnsInTerminate {
    canary: Option<Canary>,
    started: Arc<AtomicBool>,
}

#[genserver]
impl SpawnsInTerminate {
    #[info]
    fn done(&mut self, _done: TaskDone<u32>) {}

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        let (canary, started) = (self.canary.take(), Arc::clone(&self.started));
        ctx.spawn_task(async move {
            let _canary = canary;
            started.store(true, Ordering::SeqCst);
            std::future::pending::<u32>().await
        });
        started_and_gone().await;
    }
}

/// 19.3: the tasks are aborted after `terminate`, those `terminate` itself
/// spawned included: their futures are dropped before `stop` returns.
#[tokio::test(start_paused = true)]
async fn a_task_spawned_in_terminate_is_aborted_before_stop_returns() {
    let (dropped, started) = (Arc::new(AtomicBool::new(false)), Arc::default());
    let server = SpawnsInTerminate::start(SpawnsInTerminate {
        canary: Some(Canary(Arc::clone(&dropped))),
        started: Arc::clone(&started),
    })
    .await
    .unwrap();

    server.stop().await.unwrap();
    assert!(started.load(Ordering::SeqCst), "the task ran");
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task's future was dropped"
    );
}

/// 19.3: when the server's own task is aborted (`Killed`, here by a
/// supervisor's `BrutalKill`), its tasks are aborted too, though not
/// waited for, and `terminate` does not run.
#[tokio::test(start_paused = true)]
async fn the_tasks_of_a_killed_server_are_aborted() {
    let (state, dropped, in_terminate) = checks_task_in_terminate();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<ChecksTaskInTerminate>("server", move || state.clone())
            .shutdown(Shutdown::BrutalKill),
    );
    let supervisor = Supervisor::start(spec).await.unwrap();
    let server = supervisor
        .child::<ChecksTaskInTerminate>("server")
        .await
        .unwrap();
    let started = Arc::new(Notify::new());
    server.hang(Arc::clone(&started)).await.unwrap();
    started.notified().await;

    supervisor.terminate_child("server").await.unwrap();
    assert_eq!(server.wait().await, ExitReason::Killed);
    // Not waited for: the abort takes effect when tokio next runs the task.
    for _ in 0..100 {
        if dropped.load(Ordering::SeqCst) {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(dropped.load(Ordering::SeqCst), "the task was aborted");
    assert_eq!(*in_terminate.lock().unwrap(), None, "terminate did not run");
}
