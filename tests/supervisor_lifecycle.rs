//! docs/semantics.md, "Supervision": start and shutdown. Children start in
//! order; a failed start undoes the started ones in reverse; shutdown
//! stops children one at a time in reverse order, each by its shutdown.

mod supervisor_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildKind, ChildStartError, StartError};
use supervisor_support::{Log, Probe, ProbeArgs, client, ms, panicked, probe, probe_with};
use tokio::time::{Instant, timeout};

#[tokio::test(start_paused = true)]
async fn children_start_in_order_and_start_returns_once_all_have_started() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();

    assert_eq!(log.take(), ["start a", "start b", "start c"]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (3, 3, 3));
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_to_start_stops_the_started_ones_in_reverse_and_is_named_in_the_error() {
    let log = Log::new();
    let c = ProbeArgs::new("c", &log);
    c.failing_starts.store(1, Ordering::SeqCst);
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe_with(c))
        .child(probe("d", &log));

    let error = Supervisor::start(spec).await.unwrap_err();

    assert_eq!(
        log.take(),
        [
            "start a",
            "start b",
            "fail c",
            "terminate b Shutdown",
            "terminate a Shutdown"
        ]
    );
    let failed = ChildStartError::of(&error).expect("a child start error");
    assert_eq!(failed.id(), "c");
    let StartError::Init(ExitReason::Error { source }) = failed.error() else {
        panic!("unexpected {failed:?}");
    };
    assert_eq!(source.to_string(), "c cannot start");
    assert_eq!(
        error.to_string(),
        "server failed to start (error: child `c` failed to start: server failed to start (error: c cannot start))"
    );
}

// Semantics 15.6 and 5.2: a child whose `init` panics fails the start as
// one whose `init` returns an error: named, with its panic, after the
// started children have been stopped in reverse.
#[tokio::test(start_paused = true)]
async fn a_child_whose_init_panics_fails_the_start_with_its_panic_after_undoing_the_others() {
    let log = Log::new();
    let c = ProbeArgs::new("c", &log);
    c.panicking_starts.store(1, Ordering::SeqCst);
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe_with(c))
        .child(probe("d", &log));

    let error = Supervisor::start(spec).await.unwrap_err();

    let failed = ChildStartError::of(&error).expect("a child start error");
    assert_eq!(failed.id(), "c");
    assert_eq!(
        failed.error(),
        &StartError::Init(panicked("c panics in init"))
    );
    assert_eq!(
        log.take(),
        [
            "start a",
            "start b",
            "panic c",
            "terminate b Shutdown",
            "terminate a Shutdown"
        ]
    );
}

// Semantics 15.6 and 1.3: a child whose `init` overruns its start timeout
// fails the start with `Timeout` at that limit, and the started children
// are stopped in reverse; the children after it never start.
#[tokio::test(start_paused = true)]
async fn a_child_whose_init_times_out_fails_the_start_at_its_limit_after_undoing_the_others() {
    let log = Log::timed();
    let b = ProbeArgs {
        init_takes: Duration::from_secs(10),
        ..ProbeArgs::new("b", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe_with(b).options(StartOptions::new().init_timeout(Duration::from_millis(250))))
        .child(probe("c", &log));
    let began = Instant::now();

    let error = Supervisor::start(spec).await.unwrap_err();

    assert_eq!(ms(began), 250);
    let failed = ChildStartError::of(&error).expect("a child start error");
    assert_eq!(failed.id(), "b");
    assert_eq!(failed.error(), &StartError::Timeout);
    assert_eq!(
        log.take(),
        ["0 start a", "0 initializing b", "250 terminate a Shutdown"]
    );
}

// `Supervisor::start`, cancel safety: dropping the future while the
// children start aborts the supervisor and the children it started, the
// one in its `init` included; no `terminate` runs and their names are
// free again.
#[tokio::test(start_paused = true)]
async fn dropping_the_start_future_aborts_the_supervisor_and_its_started_children() {
    const SUP: &str = "supervisor_lifecycle:dropped start";
    const A: &str = "supervisor_lifecycle:dropped start:a";
    const B: &str = "supervisor_lifecycle:dropped start:b";
    let log = Log::new();
    let b = ProbeArgs {
        init_takes: Duration::from_secs(3600),
        ..ProbeArgs::new("b", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log).options(StartOptions::named(A)))
        .child(probe_with(b).options(StartOptions::named(B)));
    let mut starting = Box::pin(Supervisor::start_with(spec, StartOptions::named(SUP)));
    assert!(futures_util::FutureExt::now_or_never(starting.as_mut()).is_none());
    let mut seen = Vec::new();
    while !seen.iter().any(|e| e == "initializing b") {
        seen.extend(log.take());
        tokio::task::yield_now().await;
    }
    assert_eq!(seen, ["start a", "initializing b"]);
    let sup = genserver::whereis::<Supervisor>(SUP).expect("the supervisor is named");
    let a = genserver::whereis::<Probe>(A).expect("a has started");
    let b = genserver::whereis::<Probe>(B).expect("b is in its init");

    drop(starting);

    // A limit, so that a server left running fails the test rather than
    // hang it; on the paused clock it passes only once nothing else can
    // happen.
    let limit = Duration::from_secs(60);
    assert_eq!(timeout(limit, sup.wait()).await, Ok(ExitReason::Killed));
    assert_eq!(timeout(limit, a.wait()).await, Ok(ExitReason::Killed));
    assert_eq!(timeout(limit, b.wait()).await, Ok(ExitReason::Killed));
    assert!(log.take().is_empty(), "no terminate ran");
    assert!(genserver::whereis_id(SUP).is_none());
    assert!(genserver::whereis_id(A).is_none());
    assert!(genserver::whereis_id(B).is_none());
}

/// As OTP checks the whole child list before it starts any child
/// (`duplicate_child_name`), no child of such a spec starts.
#[tokio::test(start_paused = true)]
async fn two_children_with_one_id_fail_the_start_before_any_child_starts() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("a", &log));
    let error = Supervisor::start(spec).await.unwrap_err();
    let failed = ChildStartError::of(&error).unwrap();
    assert_eq!(failed.id(), "a");
    assert_eq!(
        failed.error().to_string(),
        "server failed to start (error: duplicate child id `a`)"
    );
    assert_eq!(log.take(), Vec::<String>::new(), "no child started");
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_children_one_at_a_time_in_reverse_order_each_by_its_shutdown() {
    let log = Log::timed();
    let slow = |name, takes| ProbeArgs {
        terminate_takes: Duration::from_secs(takes),
        ..ProbeArgs::new(name, &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        // Asked, then aborted after 2 s, in the middle of its terminate.
        .child(probe_with(slow("a", 10)).shutdown(Shutdown::Timeout(Duration::from_secs(2))))
        // Asked, and waited for as long as it takes.
        .child(probe_with(slow("b", 3)).shutdown(Shutdown::Infinity))
        // Aborted at once: terminate does not run.
        .child(probe_with(slow("c", 1)).shutdown(Shutdown::BrutalKill));
    let sup = Supervisor::start(spec).await.unwrap();
    let (a, b, c) = (
        client(&sup, "a").await,
        client(&sup, "b").await,
        client(&sup, "c").await,
    );
    log.take();
    let began = Instant::now();

    sup.stop().await.unwrap();

    assert_eq!(ms(began), 5000);
    assert_eq!(
        log.take(),
        [
            "0 terminate b Shutdown",
            "3000 terminated b",
            "3000 terminate a Shutdown",
        ]
    );
    assert_eq!(sup.wait().await, ExitReason::Normal);
    // a's reason was decided when it was asked; the abort only cut its
    // terminate short. c was aborted while idle.
    assert_eq!(a.wait().await, ExitReason::Shutdown);
    assert_eq!(b.wait().await, ExitReason::Shutdown);
    assert_eq!(c.wait().await, ExitReason::Killed);
}

// Semantics 15.7: the order of a shutdown is the order of the children's
// list, in reverse: a restarted child keeps its place, and one added by
// `start_child`, last in the list, is stopped first.
#[tokio::test(start_paused = true)]
async fn a_restarted_child_keeps_its_place_in_the_shutdown_order() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    supervisor_support::crash_and_await_restart(&client(&sup, "a").await).await;
    sup.start_child(probe("d", &log)).await.unwrap();
    log.take();

    sup.stop().await.unwrap();

    assert_eq!(
        log.take(),
        [
            "terminate d Shutdown",
            "terminate c Shutdown",
            "terminate b Shutdown",
            "terminate a Shutdown",
        ]
    );
}

// Semantics 5.3 and 15.7: a panic in a child's `terminate` does not cut
// its supervisor's shutdown short: the children before it are stopped
// too, the child keeps the reason it was given, and the supervisor ends
// with its own.
#[tokio::test(start_paused = true)]
async fn a_panic_in_a_childs_terminate_does_not_cut_the_shutdown_short() {
    let log = Log::new();
    let b = ProbeArgs {
        terminate_panics: true,
        ..ProbeArgs::new("b", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe_with(b))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    log.take();

    sup.stop_with(ExitReason::error("going")).await.unwrap();

    assert_eq!(
        log.take(),
        [
            "terminate c Shutdown",
            "terminate b Shutdown",
            "terminate a Shutdown",
        ]
    );
    assert_eq!(b.wait().await, ExitReason::Shutdown);
    assert_eq!(sup.wait().await.to_string(), "error: going");
}

// Semantics 15.7: a zero shutdown timeout aborts an idle child as it is
// asked: `Killed`, and its terminate does not run.
#[tokio::test(start_paused = true)]
async fn a_zero_shutdown_timeout_aborts_the_child_as_it_is_asked() {
    let log = Log::timed();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log).shutdown(Shutdown::Timeout(Duration::ZERO)));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    log.take();
    let began = Instant::now();

    sup.stop().await.unwrap();

    assert_eq!(ms(began), 0);
    assert_eq!(a.wait().await, ExitReason::Killed);
    assert!(log.take().is_empty(), "terminate did not run");
}

// Semantics 15.7: a zero shutdown timeout aborts the child as it is asked
// unless it had already decided its reason: a child already in its slow
// `terminate` after an error keeps that error, not `Killed`.
#[tokio::test(start_paused = true)]
async fn a_zero_shutdown_timeout_keeps_a_reason_the_child_had_already_decided() {
    let log = Log::new();
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new("a", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe_with(args).shutdown(Shutdown::Timeout(Duration::ZERO)));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    log.take();
    a.exit(ExitReason::error("mine")).await.unwrap();
    while !log.take().iter().any(|e| e.starts_with("terminate a")) {
        tokio::task::yield_now().await;
    }
    // Asked now, as `wait()` is about the instance running when it is
    // called (15.11).
    let waited = tokio::spawn({
        let a = a.clone();
        async move { a.wait().await }
    });
    tokio::task::yield_now().await;
    let began = Instant::now();

    sup.stop().await.unwrap();

    assert_eq!(ms(began), 0);
    assert_eq!(waited.await.unwrap().to_string(), "error: mine");
    assert!(log.take().is_empty(), "terminate was cut short");
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_that_stops_closes_its_children_and_their_queued_callers_get_the_reason() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe("a", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let busy = tokio::spawn({
        let a = a.clone();
        async move { a.sleep(Duration::from_secs(1)).await }
    });
    tokio::task::yield_now().await;
    let queued = tokio::spawn({
        let a = a.clone();
        async move { a.echo(1).await }
    });
    tokio::task::yield_now().await;

    sup.stop().await.unwrap();

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(a.echo(2).await, Err(CallError::NoProc));
}

// Semantics 15.1: a worker's shutdown is `Timeout(5 s)` unless its spec
// says otherwise: a `terminate` that takes 10 s is cut short at 5 s. Its
// restart type is `Permanent`.
#[tokio::test(start_paused = true)]
async fn a_worker_is_permanent_and_given_five_seconds_to_stop_by_default() {
    let log = Log::timed();
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new("a", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].restart, Restart::Permanent);
    log.take();
    let began = Instant::now();

    sup.stop().await.unwrap();

    assert_eq!(ms(began), 5000);
    assert_eq!(log.take(), ["0 terminate a Shutdown"]);
    assert_eq!(a.wait().await, ExitReason::Shutdown);
}

// Semantics 15.1 and 18.1: a shutdown timeout or a start timeout past
// what tokio's clock can hold is no limit: an `init` and a `terminate` of
// 10 s each run to their end.
#[tokio::test(start_paused = true)]
async fn start_and_shutdown_timeouts_past_the_clock_are_no_limit() {
    let log = Log::timed();
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        init_takes: Duration::from_secs(10),
        ..ProbeArgs::new("a", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        probe_with(args)
            .options(StartOptions::new().init_timeout(Duration::MAX))
            .shutdown(Shutdown::Timeout(Duration::MAX)),
    );
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;

    sup.stop().await.unwrap();

    assert_eq!(a.wait().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        [
            "0 initializing a",
            "10000 start a",
            "10000 terminate a Shutdown",
            "20000 terminated a"
        ]
    );
}

// Semantics 15.1: the default shutdown follows the child's kind however
// the kind is set, as OTP's default for `type => supervisor` is
// `infinity`; a shutdown set explicitly stays, in either order.
#[test]
fn the_default_shutdown_follows_the_kind() {
    let log = Log::new();
    assert_eq!(probe("w", &log).shutdown_type(), Shutdown::DEFAULT_WORKER);
    assert_eq!(
        probe("s", &log).kind(ChildKind::Supervisor).shutdown_type(),
        Shutdown::Infinity
    );
    assert_eq!(
        ChildSpec::supervisor("sub", SupervisorSpec::new(Strategy::OneForOne))
            .kind(ChildKind::Worker)
            .shutdown_type(),
        Shutdown::DEFAULT_WORKER
    );
    let one_second = Shutdown::Timeout(Duration::from_secs(1));
    assert_eq!(
        probe("a", &log)
            .shutdown(one_second)
            .kind(ChildKind::Supervisor)
            .shutdown_type(),
        one_second
    );
    assert_eq!(
        probe("b", &log)
            .kind(ChildKind::Supervisor)
            .shutdown(one_second)
            .shutdown_type(),
        one_second
    );
}

// Semantics 15.1: a child supervisor's shutdown is `Infinity` by default:
// its parent waits for its whole subtree to stop, here 10 s, well past a
// worker's 5 s.
#[tokio::test(start_paused = true)]
async fn a_child_supervisor_is_waited_for_without_a_limit_by_default() {
    let log = Log::timed();
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new("x", &log)
    };
    let subtree = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe_with(args).shutdown(Shutdown::Timeout(Duration::from_secs(20))));
    let spec =
        SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::supervisor("sub", subtree));
    let root = Supervisor::start(spec).await.unwrap();
    let sub = root.child::<Supervisor>("sub").await.unwrap();
    log.take();
    let began = Instant::now();

    root.stop().await.unwrap();

    assert_eq!(ms(began), 10_000);
    assert_eq!(log.take(), ["0 terminate x Shutdown", "10000 terminated x"]);
    assert_eq!(sub.wait().await, ExitReason::Shutdown);
}

// Semantics 15.1: the closure of `ChildSpec::server` makes the start
// arguments at every start: the first, a restart after a crash, and a
// `restart_child`.
#[tokio::test(start_paused = true)]
async fn the_arguments_closure_runs_at_every_start_and_restart() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    let log = Log::new();
    let made = Arc::new(AtomicUsize::new(0));
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::server::<Probe>("a", {
        let (made, args) = (Arc::clone(&made), ProbeArgs::new("a", &log));
        move || {
            made.fetch_add(1, Ordering::SeqCst);
            args.clone()
        }
    }));
    let sup = Supervisor::start(spec).await.unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 1);

    supervisor_support::crash_and_await_restart(&client(&sup, "a").await).await;
    assert_eq!(made.load(Ordering::SeqCst), 2);

    sup.terminate_child("a").await.unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 2);
    sup.restart_child("a").await.unwrap();
    assert_eq!(made.load(Ordering::SeqCst), 3);
}

// Semantics 15.7: a child that does not reach its stop in time, being in
// the middle of a long handler, is aborted there: it ends with `Killed`,
// its `terminate` does not run, and its caller hears `Exited(Killed)`.
#[tokio::test(start_paused = true)]
async fn a_child_aborted_in_a_handler_ends_killed_and_its_caller_hears_it() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log).shutdown(Shutdown::Timeout(Duration::from_secs(1))));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    log.take();
    let busy = tokio::spawn({
        let a = a.without_timeout();
        async move { a.sleep(Duration::from_secs(60)).await }
    });
    tokio::task::yield_now().await;
    let began = Instant::now();

    sup.stop().await.unwrap();

    assert_eq!(ms(began), 1000);
    assert_eq!(
        busy.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(a.wait().await, ExitReason::Killed);
    assert!(log.take().is_empty(), "terminate did not run");
}

/// A child whose handler blocks its thread, then sets `done`.
struct Blocker {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[genserver]
impl Blocker {
    /// Tells `entered`, blocks for 300 ms, then waits for ever: whenever
    /// the abort comes, it takes effect at that wait, after the blocking.
    #[call]
    async fn block(&mut self, entered: std::sync::Arc<tokio::sync::Notify>) -> u32 {
        entered.notify_one();
        std::thread::sleep(Duration::from_millis(300));
        self.done.store(true, Ordering::SeqCst);
        std::future::pending().await
    }
}

// Semantics 15.7: an abort takes effect at the child's next `.await`, so a
// handler blocked in synchronous code cannot be interrupted, and the
// supervisor waits for it, even under `BrutalKill`. Real threads: the
// handler blocks one worker while the supervisor runs on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_waits_for_a_child_blocked_in_synchronous_code() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let done = Arc::new(AtomicBool::new(false));
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<Blocker>("b", {
            let done = Arc::clone(&done);
            move || Blocker {
                done: Arc::clone(&done),
            }
        })
        .shutdown(Shutdown::BrutalKill),
    );
    let sup = Supervisor::start(spec).await.unwrap();
    let b = sup.child::<Blocker>("b").await.unwrap();
    let entered = Arc::new(tokio::sync::Notify::new());
    let call = tokio::spawn({
        let (b, entered) = (b.clone(), Arc::clone(&entered));
        async move { b.block(entered).await }
    });
    entered.notified().await;

    sup.terminate_child("b").await.unwrap();

    assert!(
        done.load(Ordering::SeqCst),
        "terminate_child returned after the blocking code"
    );
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(b.wait().await, ExitReason::Killed);
}
