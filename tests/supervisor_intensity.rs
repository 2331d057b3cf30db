//! docs/semantics.md, "Supervision": restart intensity. At most N restarts
//! in a sliding period, counted over all children; one more and the
//! supervisor stops its children in reverse order and exits with
//! `Shutdown`.

mod supervisor_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use genserver::ChildState;
use genserver::prelude::*;
use supervisor_support::{
    Log, ProbeArgs, client, crash_and_await_restart, crash_past_the_intensity, panicked, probe,
    probe_with, settle, states,
};
use tokio::time::{Instant, sleep_until};

#[tokio::test(start_paused = true)]
async fn one_restart_more_than_the_intensity_stops_the_children_in_reverse_and_exits_with_shutdown()
{
    let log = Log::new();
    // Elixir's default: 3 restarts in 5 s.
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let (a, b, c) = (
        client(&sup, "a").await,
        client(&sup, "b").await,
        client(&sup, "c").await,
    );
    // Three restarts, of two different children: the count is over all.
    crash_and_await_restart(&b).await;
    crash_and_await_restart(&a).await;
    crash_and_await_restart(&b).await;
    assert!(sup.is_alive());
    log.take();

    crash_past_the_intensity(&sup, &b, "b").await;
    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate c Shutdown",
            "terminate a Shutdown",
        ]
    );
    assert_eq!(a.name().await, Err(CallError::NoProc));
    assert_eq!(b.name().await, Err(CallError::NoProc));
    assert_eq!(c.name().await, Err(CallError::NoProc));
}

// `RestartIntensity::new` with 0 (15.4): the first restart is one too
// many and the supervisor gives up; `restart_child` does not count, so any
// number of them leave it running.
#[tokio::test(start_paused = true)]
async fn with_an_intensity_of_zero_the_first_restart_stops_the_supervisor() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(0, Duration::from_secs(5)))
        .child(probe("a", &log))
        .child(probe("b", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    for _ in 0..3 {
        sup.terminate_child("b").await.unwrap();
        sup.restart_child("b").await.unwrap();
    }
    assert!(sup.is_alive());
    let (a, b) = (client(&sup, "a").await, client(&sup, "b").await);
    assert_eq!(b.name().await, Ok("b"));
    log.take();

    crash_past_the_intensity(&sup, &b, "b").await;
    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate a Shutdown",
        ]
    );
    assert_eq!(a.name().await, Err(CallError::NoProc));
}

// Semantics 15.4 and 15.12: a supervisor that gives up will not run the
// crashed child again, so the calls queued for its restart hear
// `Shutdown`, not the crash, and later calls `NoProc`.
#[tokio::test(start_paused = true)]
async fn giving_up_closes_the_crashed_child_and_its_queued_callers_hear_shutdown() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(0, Duration::from_secs(5)))
        .child(probe("a", &log))
        .child(probe("b", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    // `b` is busy for a second; behind it queue the crash, then a call.
    let busy = tokio::spawn({
        let b = b.clone();
        async move { b.sleep(Duration::from_secs(1)).await }
    });
    tokio::task::yield_now().await;
    let crash = tokio::spawn({
        let b = b.clone();
        async move { b.boom().await }
    });
    tokio::task::yield_now().await;
    let queued = tokio::spawn({
        let b = b.clone();
        async move { b.echo(1).await }
    });
    tokio::task::yield_now().await;

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked("boom b")))
    );
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert_eq!(b.echo(2).await, Err(CallError::NoProc));
}

// Semantics 15.4: a group restart is one restart, however many children
// it starts again, as in OTP.
#[tokio::test(start_paused = true)]
async fn a_group_restart_counts_once() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .intensity(RestartIntensity::new(1, Duration::from_secs(5)))
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    log.take();

    crash_and_await_restart(&client(&sup, "b").await).await;
    assert_eq!(log.take().len(), 6, "three stopped, three started");
    assert!(sup.is_alive());
    // The second within the period is one too many.
    let b = client(&sup, "b").await;
    crash_past_the_intensity(&sup, &b, "b").await;
}

// Semantics 15.3 and 15.4: two children that crash before the
// supervisor handles either exit make one group restart, which starts
// both again; the second exit, already dealt with, is not a second
// restart and does not count.
#[tokio::test(start_paused = true)]
async fn two_crashes_handled_by_one_group_restart_count_once() {
    let log = Log::new();
    let slow = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new("slow", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .intensity(RestartIntensity::new(1, Duration::from_secs(60)))
        .child(probe_with(slow).shutdown(Shutdown::Infinity))
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let (a, b) = (client(&sup, "a").await, client(&sup, "b").await);
    log.take();
    // Busy for ten seconds stopping `slow`, the supervisor leaves both
    // exit notices queued.
    let busy = tokio::spawn({
        let sup = sup.clone();
        async move { sup.terminate_child("slow").await }
    });
    while !log.take().iter().any(|e| e == "terminate slow Shutdown") {
        tokio::task::yield_now().await;
    }

    assert_eq!(a.boom().await, Err(CallError::Exited(panicked("boom a"))));
    assert_eq!(a.wait().await, panicked("boom a"));
    assert_eq!(b.boom().await, Err(CallError::Exited(panicked("boom b"))));
    assert_eq!(b.wait().await, panicked("boom b"));
    busy.await.unwrap().unwrap();
    // The group restart is one supervisor message: once it answers, it is done.
    sup.count_children().await.unwrap();

    assert_eq!(
        log.take(),
        [
            "terminate a Panicked { message: \"boom a\" }",
            "terminate b Panicked { message: \"boom b\" }",
            "terminated slow",
            "terminate c Shutdown",
            "start a",
            "start b",
            "start c",
        ]
    );
    assert!(sup.is_alive());
    // One restart of the one allowed is used: the next is one too many.
    let c = client(&sup, "c").await;
    crash_past_the_intensity(&sup, &c, "c").await;
}

#[tokio::test(start_paused = true)]
async fn restarts_are_counted_in_a_sliding_window_that_includes_its_start() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(3, Duration::from_secs(5)))
        .child(probe("a", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let began = Instant::now();

    // Restarts at 0, 1 and 2 s fill the window; at 6 s the one at 0 s has
    // left it, at 6.5 s the one at 1 s.
    for at in [0, 1000, 2000, 6000, 6500] {
        sleep_until(began + Duration::from_millis(at)).await;
        crash_and_await_restart(&a).await;
        assert!(sup.is_alive(), "gave up at {at} ms");
    }
    // At 7 s the window (2 s ..= 7 s) holds 2, 6, 6.5 and 7: one too many.
    sleep_until(began + Duration::from_secs(7)).await;
    crash_past_the_intensity(&sup, &a, "a").await;
}

#[tokio::test(start_paused = true)]
async fn failed_restart_attempts_count_toward_the_intensity() {
    let log = Log::new();
    let b = ProbeArgs::new("b", &log);
    let failing = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(probe_with(b));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    log.take();

    failing.store(usize::MAX, Ordering::SeqCst);
    crash_past_the_intensity(&sup, &b, "b").await;
    // Three attempts (the intensity), each failing; the fourth is refused.
    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "fail b",
            "fail b",
            "fail b",
            "terminate a Shutdown",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn temporary_exits_and_clean_transient_exits_do_not_count() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1, Duration::from_secs(5)))
        .child(probe("p", &log))
        .child(probe("tr", &log).restart(Restart::Transient))
        .child(probe("te", &log).restart(Restart::Temporary));
    let sup = Supervisor::start(spec).await.unwrap();

    for reason in [ExitReason::Normal, ExitReason::Shutdown, ExitReason::Normal] {
        let tr = client(&sup, "tr").await;
        let old = tr.id();
        tr.exit(reason).await.unwrap();
        assert_eq!(settle(&sup, "tr", old).await, Some(ChildState::Stopped));
        // restart_child does not count either.
        sup.restart_child("tr").await.unwrap();
    }
    let te = client(&sup, "te").await;
    let old = te.id();
    te.exit(ExitReason::error("gone")).await.unwrap();
    assert_eq!(settle(&sup, "te", old).await, None);

    // The one restart allowed is still available, and only one.
    let p = client(&sup, "p").await;
    crash_and_await_restart(&p).await;
    assert!(sup.is_alive());
    crash_past_the_intensity(&sup, &p, "p").await;
}

#[tokio::test(start_paused = true)]
async fn a_failing_restart_loop_goes_through_the_mailbox_so_admin_requests_are_answered() {
    let log = Log::new();
    let b = ProbeArgs::new("b", &log);
    let failing = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5)))
        .child(probe_with(b));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    let old = b.id();

    failing.store(usize::MAX, Ordering::SeqCst);
    assert_eq!(b.boom().await, Err(CallError::Exited(panicked("boom b"))));
    // A call queued while the restarts fail waits for an instance.
    let queued = tokio::spawn({
        let b = b.clone();
        async move { b.echo(1).await }
    });

    assert_eq!(settle(&sup, "b", old).await, Some(ChildState::Restarting));
    assert_eq!(
        states(&sup).await,
        [("b".to_string(), ChildState::Restarting)]
    );
    // 15.11: `wait()` between attempts is about the last attempt, whose
    // start failed: its reason, at once.
    assert_eq!(b.wait().await.to_string(), "error: b cannot start");
    assert_eq!(
        sup.restart_child("b").await.unwrap_err(),
        genserver::SupervisorError::Restarting
    );
    sup.terminate_child("b").await.unwrap();

    assert_eq!(states(&sup).await, [("b".to_string(), ChildState::Stopped)]);
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    let attempts = log.take().iter().filter(|e| *e == "fail b").count();
    assert!(attempts >= 1);
    tokio::task::yield_now().await;
    assert!(log.take().is_empty(), "no attempt after terminate_child");
    assert!(sup.is_alive());
}

// Semantics 15.14: the next attempt of a failed restart is queued in the
// supervisor's own mailbox at once, over the bound of a full bounded one,
// and is not lost: the child runs again.
#[tokio::test(start_paused = true)]
async fn the_next_attempt_goes_over_the_bound_of_a_full_supervisor_mailbox() {
    let log = Log::new();
    let mut b = ProbeArgs::new("b", &log);
    b.init_takes = Duration::from_secs(1);
    let failing = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe_with(b));
    let sup = Supervisor::start_with(
        spec,
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let b = client(&sup, "b").await;
    log.take();

    failing.store(1, Ordering::SeqCst);
    assert_eq!(b.boom().await, Err(CallError::Exited(panicked("boom b"))));
    while !log.take().iter().any(|e| e == "initializing b") {
        tokio::task::yield_now().await;
    }
    // The supervisor is in the attempt that fails: this request fills its
    // mailbox before the next attempt is queued.
    let queued = tokio::spawn({
        let sup = sup.clone();
        async move { sup.which_children().await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }

    let answer = tokio::time::timeout(Duration::from_secs(60), b.echo(5)).await;
    assert_eq!(answer, Ok(Ok(5)), "the next attempt ran");
    queued.await.unwrap().unwrap();
    assert_eq!(log.take(), ["fail b", "initializing b", "start b"]);
}

// Semantics 15.4: the default intensity is Elixir's, 3 restarts in 5 s:
// after restarts at 0, 1 and 2 s, a fourth at 5 s is one too many (the
// one at 0 s is exactly a period ago and still counts), one at 5.001 s is
// not.
#[tokio::test(start_paused = true)]
async fn the_default_intensity_is_three_restarts_in_five_seconds() {
    for (fourth, survives) in [(5000, false), (5001, true)] {
        let log = Log::new();
        let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe("a", &log));
        let sup = Supervisor::start(spec).await.unwrap();
        let a = client(&sup, "a").await;
        let began = Instant::now();
        for at in [0, 1000, 2000] {
            sleep_until(began + Duration::from_millis(at)).await;
            crash_and_await_restart(&a).await;
        }
        sleep_until(began + Duration::from_millis(fourth)).await;

        assert_eq!(a.boom().await, Err(CallError::Exited(panicked("boom a"))));

        if survives {
            assert_eq!(a.name().await, Ok("a"));
            assert!(sup.is_alive());
        } else {
            assert_eq!(sup.wait().await, ExitReason::Shutdown);
        }
    }
}

// Semantics 15.5 and 5.2: a restart whose `init` panics is a failed
// attempt, as one whose `init` returns an error: the next attempt follows
// and the supervisor runs on.
#[tokio::test(start_paused = true)]
async fn a_restart_whose_init_panics_is_a_failed_attempt() {
    let log = Log::new();
    let args = ProbeArgs::new("a", &log);
    let panicking = args.panicking_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    log.take();

    panicking.store(1, Ordering::SeqCst);
    crash_and_await_restart(&a).await;

    assert_eq!(
        log.take(),
        [
            "terminate a Panicked { message: \"boom a\" }",
            "panic a",
            "start a"
        ]
    );
    assert!(sup.is_alive());
    assert!(matches!(states(&sup).await[0].1, ChildState::Running(id) if id == a.id()));
}

// Semantics 15.5: a restart whose arguments closure panics is a failed
// attempt, not the supervisor's crash: the child is `Restarting`, the next
// attempt is queued, and once the closure works again the child runs.
#[tokio::test(start_paused = true)]
async fn a_restart_whose_arguments_closure_panics_is_a_failed_attempt() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let log = Log::new();
    let broken = Arc::new(AtomicBool::new(false));
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5)))
        .child(ChildSpec::server::<supervisor_support::Probe>("a", {
            let (broken, args) = (Arc::clone(&broken), ProbeArgs::new("a", &log));
            move || {
                assert!(!broken.load(Ordering::SeqCst), "no arguments for a");
                args.clone()
            }
        }));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let old = a.id();
    log.take();

    broken.store(true, Ordering::SeqCst);
    assert_eq!(a.boom().await, Err(CallError::Exited(panicked("boom a"))));
    assert_eq!(settle(&sup, "a", old).await, Some(ChildState::Restarting));
    assert!(sup.is_alive());
    assert!(log.take().iter().all(|e| e != "start a"));

    broken.store(false, Ordering::SeqCst);
    assert_eq!(a.echo(1).await, Ok(1));
    assert_ne!(a.id(), old);
    assert_eq!(log.take(), ["start a"]);
    assert!(matches!(states(&sup).await[0].1, ChildState::Running(id) if id == a.id()));
}

// Semantics 15.5: between failed restart attempts the supervisor honours
// `stop`: it ends, no attempt follows, and the waiting child's address
// closes with `Shutdown`.
#[tokio::test(start_paused = true)]
async fn a_supervisor_between_failed_restart_attempts_stops_when_asked() {
    let log = Log::new();
    let b = ProbeArgs::new("b", &log);
    let failing = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5)))
        .child(probe("a", &log))
        .child(probe_with(b));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    let old = b.id();
    failing.store(usize::MAX, Ordering::SeqCst);
    assert_eq!(b.boom().await, Err(CallError::Exited(panicked("boom b"))));
    assert_eq!(settle(&sup, "b", old).await, Some(ChildState::Restarting));
    let queued = tokio::spawn({
        let b = b.without_timeout();
        async move { b.echo(1).await }
    });
    tokio::task::yield_now().await;
    log.take();

    sup.stop().await.unwrap();

    assert_eq!(sup.wait().await, ExitReason::Normal);
    let events = log.take();
    assert_eq!(
        events.last().map(String::as_str),
        Some("terminate a Shutdown")
    );
    assert!(
        events[..events.len() - 1].iter().all(|e| e == "fail b"),
        "{events:?}"
    );
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(b.echo(2).await, Err(CallError::NoProc));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(log.take().is_empty(), "no attempt after the stop");
}

/// 15.4: a zero period is refused when the supervisor starts, before any
/// child starts (OTP's `invalid_period`): restarts counted in a window of
/// no length would never add up, and a failing child would be restarted
/// without end.
#[tokio::test(start_paused = true)]
async fn a_zero_period_fails_the_start_before_any_child_starts() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(3, Duration::ZERO))
        .child(probe("a", &log));
    let Err(StartError::Init(reason)) = Supervisor::start(spec).await else {
        panic!("a zero period must fail the start");
    };
    assert_eq!(
        reason.to_string(),
        "error: invalid restart intensity: the period must be longer than zero"
    );
    assert_eq!(log.take(), Vec::<String>::new(), "no child started");

    let dynamic = DynamicSupervisorSpec::new().intensity(RestartIntensity::new(3, Duration::ZERO));
    let Err(StartError::Init(reason)) = DynamicSupervisor::start(dynamic).await else {
        panic!("a zero period must fail the start of a dynamic supervisor too");
    };
    assert_eq!(
        reason.to_string(),
        "error: invalid restart intensity: the period must be longer than zero"
    );
}
