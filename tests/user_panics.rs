//! User code that panics where the runtime, not a handler, runs it: in a
//! `Drop`, a `Display`, a closure the runtime keeps. The panic is reported
//! by the panic hook and goes no further: it never cuts a server's end
//! short, never ends a supervisor, and never turns a typed error into a
//! panic (docs/semantics.md, 5.2, 6.2, 15.6, 19.3).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{StartError, SupervisorError, TaskDone};
use tokio::sync::Notify;

/// Whether something was dropped yet.
#[derive(Clone, Default)]
struct Dropped(Arc<AtomicBool>);

impl Dropped {
    fn yet(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Marks `Dropped` when dropped, slowly: on a multi-thread runtime, a
/// waiter released before the drop is over sees it unmarked.
struct SlowGuard(Dropped);

impl Drop for SlowGuard {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(50));
        self.0.0.store(true, Ordering::SeqCst);
    }
}

/// Panics when dropped.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        assert!(std::thread::panicking(), "a bomb went off");
    }
}

/// An error whose `Display` panics: formatted by the crash report.
#[derive(Debug)]
struct Unprintable;

impl std::fmt::Display for Unprintable {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("cannot print this error")
    }
}

impl std::error::Error for Unprintable {}

/// Runs a task that holds a `SlowGuard` until it is aborted, and fails in
/// several unusual ways.
struct Doomed {
    task: Dropped,
    terminated: Arc<Mutex<bool>>,
    /// Released once the caller of `stop_and_reply` has given up.
    caller_gone: Arc<Notify>,
}

#[genserver]
impl Doomed {
    #[call]
    fn spawn_guarded(&mut self, ctx: &mut Context<Self>) {
        let guard = SlowGuard(self.task.clone());
        ctx.spawn_task(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
    }

    #[cast]
    fn fail_unprintably(&mut self) -> Result<(), Unprintable> {
        Err(Unprintable)
    }

    #[cast]
    fn panic_with_a_bomb(&mut self) {
        std::panic::panic_any(Bomb);
    }

    /// Stops the server and replies after `terminate`, with a reply whose
    /// `Drop` panics once nobody takes it.
    #[call]
    fn stop_and_reply(&mut self, ctx: &mut Context<Self>) -> Bomb {
        ctx.stop(ExitReason::Normal);
        Bomb
    }

    #[info]
    fn done(&mut self, _: TaskDone<()>) {}

    #[terminate]
    async fn terminate(&mut self) {
        self.caller_gone.notified().await;
        *self.terminated.lock().unwrap() = true;
    }
}

impl Doomed {
    async fn launch() -> (DoomedClient, Dropped, Arc<Mutex<bool>>, Arc<Notify>) {
        let task = Dropped::default();
        let terminated = Arc::new(Mutex::new(false));
        let caller_gone = Arc::new(Notify::new());
        let server = Doomed::start(Doomed {
            task: task.clone(),
            terminated: terminated.clone(),
            caller_gone: caller_gone.clone(),
        })
        .await
        .unwrap();
        server.spawn_guarded().await.unwrap();
        (server, task, terminated, caller_gone)
    }
}

/// `terminate` ran, and the server's task was dropped before `wait()`
/// returned.
fn assert_the_end_ran_in_full(terminated: &Mutex<bool>, task: &Dropped) {
    assert!(*terminated.lock().unwrap(), "terminate ran");
    assert!(task.yet(), "the task was dropped before wait() returned");
}

/// A subscriber that formats every field of every event, as a logging
/// subscriber does.
struct Formatting;

impl tracing::Subscriber for Formatting {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        struct Format;
        impl tracing::field::Visit for Format {
            fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                let _ = format!("{value:?}");
            }
        }
        event.record(&mut Format);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

// 14.5 and 5.2: the crash report formats the user's error; a `Display`
// that panics there does not skip `terminate` or the wait for the tasks.
#[tokio::test]
async fn a_panicking_display_in_the_crash_report_does_not_cut_the_end_short() {
    let _subscriber = tracing::subscriber::set_default(Formatting);
    let (server, task, terminated, caller_gone) = Doomed::launch().await;
    caller_gone.notify_one();
    server.fail_unprintably().await.unwrap();
    assert!(matches!(server.wait().await, ExitReason::Error { .. }));
    assert_the_end_ran_in_full(&terminated, &task);
}

// 5.2: a panic whose payload panics when dropped still ends the server
// with `Panicked`, after `terminate`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_payload_that_panics_when_dropped_is_still_a_panic() {
    let (server, task, terminated, caller_gone) = Doomed::launch().await;
    caller_gone.notify_one();
    server.panic_with_a_bomb().await.unwrap();
    assert!(matches!(server.wait().await, ExitReason::Panicked { .. }));
    assert_the_end_ran_in_full(&terminated, &task);
}

// 6.3 and 19.3: a reply held back until after `terminate`, whose caller
// has gone, is dropped by the end; its panicking `Drop` does not skip the
// wait for the server's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_reply_that_panics_when_dropped_does_not_cut_the_end_short() {
    let (server, task, terminated, caller_gone) = Doomed::launch().await;
    let reply = server
        .with_timeout(Duration::from_millis(10))
        .stop_and_reply()
        .await;
    assert!(matches!(reply, Err(CallError::Timeout)));
    caller_gone.notify_one();
    assert_eq!(server.wait().await, ExitReason::Normal);
    assert_the_end_ran_in_full(&terminated, &task);
}

/// Panics when dropped while armed: arguments that the runtime drops for
/// the user, unused, and what a child's `args` closure captures.
struct Armed(bool);

impl Drop for Armed {
    fn drop(&mut self) {
        assert!(!self.0 || std::thread::panicking(), "dropped armed");
    }
}

/// A server started with `Armed` arguments, which its `init` defuses.
struct Idle;

#[genserver]
impl Idle {
    #[init]
    fn init(armed: Armed) -> Self {
        let mut armed = armed;
        armed.0 = false;
        Idle
    }

    #[call]
    fn ping(&self) -> u32 {
        1
    }
}

// 11.3: a start under a held name is `AlreadyStarted`, however the
// arguments it drops behave.
#[tokio::test]
async fn a_start_under_a_held_name_is_already_started_even_if_its_arguments_panic() {
    let name = "user_panics:held";
    let holder = Idle::start_with(Armed(true), StartOptions::named(name))
        .await
        .unwrap();
    let second = Idle::start_with(Armed(true), StartOptions::named(name)).await;
    assert!(matches!(second, Err(StartError::AlreadyStarted(id)) if id == holder.id()));
    holder.stop().await.unwrap();
}

// 15.6, 15.8: what a child's `args` closure captures, and the arguments
// it builds, are the user's; a panic in their `Drop` never ends the
// supervisor that drops them.
#[tokio::test]
async fn a_dynamic_supervisor_survives_the_panicking_drops_of_its_childrens_arguments() {
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let keeper = pool
        .start_child(ChildSpec::server::<Idle>("keeper", || Armed(true)))
        .await
        .unwrap()
        .client::<Idle>()
        .unwrap();

    // Under a held name: the arguments built are dropped unused.
    let name = "user_panics:dynamic";
    let holder = Idle::start_with(Armed(true), StartOptions::named(name))
        .await
        .unwrap();
    let taken =
        ChildSpec::server::<Idle>("taken", || Armed(true)).options(StartOptions::named(name));
    assert!(matches!(
        pool.start_child(taken).await,
        Err(SupervisorError::StartFailed(StartError::AlreadyStarted(id))) if id == holder.id()
    ));

    // A temporary child that ends: its spec, and what it captured, are
    // dropped with its entry.
    let captured = Armed(true);
    let temporary = ChildSpec::server::<Idle>("temporary", move || {
        let _ = &captured;
        Armed(true)
    })
    .restart(Restart::Temporary);
    let child = pool.start_child(temporary).await.unwrap();
    child.client::<Idle>().unwrap().stop().await.unwrap();

    assert_eq!(keeper.ping().await, Ok(1));
    assert_eq!(pool.count_children().await.unwrap().specs, 1);
    holder.stop().await.unwrap();
    pool.stop().await.unwrap();
}
