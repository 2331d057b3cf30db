//! docs/semantics.md, "Supervision": clients that survive restarts. The
//! client of a supervised child keeps working across its restarts, and
//! nothing queued for it is lost.

mod supervisor_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{
    ChildInfo, ChildState, DynamicSupervisorClient, StopError, SupervisorClient, SupervisorError,
};
use supervisor_support::{
    Log, Probe, ProbeArgs, ProbeClient, client, panicked, probe, probe_with, settle, states,
};
use tokio::task::JoinHandle;

async fn one_probe(log: &Log) -> SupervisorClient {
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1000, Duration::from_secs(1)))
        .child(probe("p", log));
    Supervisor::start(spec).await.unwrap()
}

// 15.11, with `ServerRef`'s equality: the restart keeps the address, so a
// client looked up after it equals the one from before.
#[tokio::test(start_paused = true)]
async fn a_client_reaches_the_new_instance_after_a_restart_and_shows_its_id() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;
    let first = p.id();
    assert_eq!(p.echo(1).await, Ok(1));
    assert_eq!(p.stats().await.map(|s| s.restarts), Ok(0));

    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    assert_eq!(p.echo(2).await, Ok(2));

    assert_ne!(p.id(), first);
    assert_eq!(client(&sup, "p").await.server_ref(), p.server_ref());
    let stats = p.stats().await.unwrap();
    assert_eq!(stats.restarts, 1);
    assert_eq!(stats.messages_handled, 1, "counted for the new instance");
    assert_eq!(
        states(&sup).await,
        [("p".to_string(), ChildState::Running(p.id()))]
    );
    // The new instance starts from a fresh state.
    assert_eq!(p.seen().await, Ok(vec![2]));
    assert!(p.is_alive());

    // Each restart counts one more.
    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    assert_eq!(p.echo(3).await, Ok(3));
    assert_eq!(p.stats().await.map(|s| s.restarts), Ok(2));
}

// Semantics 15.11: `wait()` on a supervised child's client is about the
// instance running when it was called, not the address.
#[tokio::test(start_paused = true)]
async fn wait_on_a_supervised_client_returns_the_reason_of_the_instance_it_watched() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;
    let waiting = tokio::spawn({
        let p = p.clone();
        async move { p.wait().await }
    });
    tokio::task::yield_now().await;

    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    assert_eq!(waiting.await.unwrap(), panicked("boom p"));
    // The address runs on, with a new instance.
    assert_eq!(p.echo(1).await, Ok(1));
    sup.stop().await.unwrap();
}

// Semantics 9.2: `restarts` counts the restarts that happened, not the
// attempts that failed.
#[tokio::test(start_paused = true)]
async fn a_failed_restart_attempt_is_not_counted_in_the_stats() {
    let log = Log::new();
    let args = ProbeArgs::new("p", &log);
    let fails = args.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
        .child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let p = client(&sup, "p").await;
    fails.store(1, std::sync::atomic::Ordering::SeqCst);
    log.take();

    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    assert_eq!(p.echo(1).await, Ok(1));

    assert_eq!(
        log.take(),
        [
            "terminate p Panicked { message: \"boom p\" }",
            "fail p",
            "start p"
        ]
    );
    assert_eq!(p.stats().await.map(|s| s.restarts), Ok(1));
    sup.stop().await.unwrap();
}

/// Keeps `p`'s instance busy for a second, with a call that crashes it
/// queued behind: the two calls, each in a task of its own.
async fn busy_then_crashing(
    p: &ProbeClient,
) -> (
    JoinHandle<Result<u64, CallError>>,
    JoinHandle<Result<u64, CallError>>,
) {
    let busy = tokio::spawn({
        let p = p.clone();
        async move { p.sleep(Duration::from_secs(1)).await }
    });
    tokio::task::yield_now().await;
    let crash = tokio::spawn({
        let p = p.clone();
        async move { p.boom().await }
    });
    tokio::task::yield_now().await;
    (busy, crash)
}

#[tokio::test(start_paused = true)]
async fn messages_queued_when_a_child_crashes_are_handled_by_the_new_instance() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;

    // The instance is busy for a second; behind it queue the crash, then
    // casts and calls.
    let (busy, crash) = busy_then_crashing(&p).await;
    for n in 1..=5 {
        p.note(n).await.unwrap();
    }
    let call = tokio::spawn({
        let p = p.clone();
        async move { p.echo(6).await }
    });

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked("boom p")))
    );
    assert_eq!(call.await.unwrap(), Ok(6));
    assert_eq!(p.seen().await, Ok(vec![1, 2, 3, 4, 5, 6]));
    assert_eq!(
        log.take(),
        [
            "start p",
            "terminate p Panicked { message: \"boom p\" }",
            "start p"
        ]
    );
}

// Semantics 9.1, 9.2 and 15.11: the runtime's requests queued behind a
// crash keep their place in the queue the new instance gets: it answers
// them, `inspect_state` with its own state, `stats` with its restart.
#[tokio::test(start_paused = true)]
async fn debug_requests_queued_behind_a_crash_are_answered_by_the_new_instance() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;
    p.note(1).await.unwrap();

    // The instance is busy for a second; behind it queue the crash, a
    // cast, the two requests and another cast.
    let (busy, crash) = busy_then_crashing(&p).await;
    p.note(2).await.unwrap();
    let inspected = tokio::spawn({
        let p = p.clone();
        async move {
            p.server_ref()
                .inspect_state(|probe| probe.recorded().to_vec())
                .await
        }
    });
    tokio::task::yield_now().await;
    let stats = tokio::spawn({
        let p = p.clone();
        async move { p.server_ref().stats().await }
    });
    tokio::task::yield_now().await;
    p.note(3).await.unwrap();

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked("boom p")))
    );
    assert_eq!(inspected.await.unwrap(), Ok(vec![2]));
    let stats = stats.await.unwrap().unwrap();
    assert_eq!(stats.restarts, 1);
    assert_eq!(stats.messages_handled, 1, "the new instance's cast");
    assert_eq!(stats.queue_len, 1, "the cast behind the request");
    assert_eq!(p.seen().await, Ok(vec![2, 3]));
    sup.stop().await.unwrap();
}

// Semantics 2.3 and 15.11: what reaches a child while it runs the
// `terminate` of a crash, casts and calls alike, is not dropped with its
// mailbox as a stopping server's would be: the restarted instance handles
// it, in order.
#[tokio::test(start_paused = true)]
async fn messages_sent_during_a_crashed_childs_terminate_are_handled_by_the_new_instance() {
    let log = Log::new();
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(1),
        ..ProbeArgs::new("p", &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let p = client(&sup, "p").await;
    assert_eq!(log.take(), ["start p"]);

    let crash = tokio::spawn({
        let p = p.clone();
        async move { p.boom().await }
    });
    // The paused clock stands still while this task keeps the runtime
    // busy: the terminate, which sleeps, has begun and not ended.
    let mut seen = Vec::new();
    while seen.is_empty() {
        tokio::task::yield_now().await;
        seen = log.take();
    }
    assert_eq!(seen, ["terminate p Panicked { message: \"boom p\" }"]);
    p.note(1).await.unwrap();
    p.note(2).await.unwrap();
    let call = tokio::spawn({
        let p = p.clone();
        async move { p.echo(3).await }
    });
    tokio::task::yield_now().await;
    assert_eq!(log.take(), Vec::<String>::new(), "still in terminate");

    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked("boom p")))
    );
    assert_eq!(call.await.unwrap(), Ok(3));
    assert_eq!(p.seen().await, Ok(vec![1, 2, 3]));
    assert_eq!(log.take(), ["terminated p", "start p"]);
    sup.stop().await.unwrap();
}

// Semantics 15.11: while the child is down, callers wait within their
// timeouts: a call with a limit to a child whose restarts keep failing
// ends with `Timeout` at that limit.
#[tokio::test(start_paused = true)]
async fn a_call_to_a_child_waiting_for_its_restart_times_out_at_its_limit() {
    let log = Log::new();
    let mut args = ProbeArgs::new("p", &log);
    // Each attempt fails after 10 s, so the attempts do not use up the
    // intensity at once.
    args.init_takes = Duration::from_secs(10);
    let failing = args.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5)))
        .child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let p = client(&sup, "p").await;
    let old = p.id();
    failing.store(usize::MAX, Ordering::SeqCst);
    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    assert_eq!(settle(&sup, "p", old).await, Some(ChildState::Restarting));
    let began = tokio::time::Instant::now();

    let answer = p.with_timeout(Duration::from_millis(300)).echo(1).await;

    assert_eq!(answer, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), Duration::from_millis(300));
    sup.terminate_child("p").await.unwrap();
}

/// Logs its `init`, its `terminate` (which takes a second), and the drop
/// of its state.
struct Dropper {
    log: Log,
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.log.push("drop".to_string());
    }
}

#[genserver]
impl Dropper {
    #[init]
    async fn init(log: Log) -> Result<Self, String> {
        log.push("init".to_string());
        Ok(Dropper { log })
    }

    #[call]
    fn boom(&self) -> u32 {
        panic!("boom")
    }

    #[call]
    fn ping(&self) -> u32 {
        1
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.log.push("terminate".to_string());
    }
}

// Semantics 15.11: the new instance's `init` runs only after the old one's
// `terminate` has finished and its state is dropped.
#[tokio::test(start_paused = true)]
async fn a_restarted_childs_init_runs_after_the_old_state_is_dropped() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::server::<Dropper>("d", {
        let log = log.clone();
        move || log.clone()
    }));
    let sup = Supervisor::start(spec).await.unwrap();
    let d = sup.child::<Dropper>("d").await.unwrap();

    assert!(d.boom().await.is_err());
    assert_eq!(d.ping().await, Ok(1));

    assert_eq!(log.take(), ["init", "terminate", "drop", "init"]);
    sup.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_child_that_is_not_restarted_closes_its_mailbox_and_queued_callers_get_the_reason() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("t", &log).restart(Restart::Temporary));
    let sup = Supervisor::start(spec).await.unwrap();
    let t = client(&sup, "t").await;

    let busy = tokio::spawn({
        let t = t.clone();
        async move { t.sleep(Duration::from_secs(1)).await }
    });
    tokio::task::yield_now().await;
    let crash = tokio::spawn({
        let t = t.clone();
        async move { t.boom().await }
    });
    tokio::task::yield_now().await;
    let queued = tokio::spawn({
        let t = t.clone();
        async move { t.echo(1).await }
    });

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked("boom t")))
    );
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(panicked("boom t")))
    );
    assert_eq!(t.echo(2).await, Err(CallError::NoProc));
    assert!(states(&sup).await.is_empty());
}

/// A child whose `terminate` takes ten seconds, stopped without a time
/// limit: terminating it keeps its supervisor busy that long.
fn slow(log: &Log) -> ChildSpec {
    let mut args = ProbeArgs::new("slow", log);
    args.terminate_takes = Duration::from_secs(10);
    probe_with(args).shutdown(Shutdown::Infinity)
}

/// Waits until `terminate` of the slow child has begun, `busy` having
/// asked for it: from then on the supervisor is busy with that request for
/// ten seconds, and what reaches its mailbox waits. Empties the log.
async fn until_busy<T>(log: &Log, busy: JoinHandle<T>) -> JoinHandle<T> {
    until_busy_with(log, "slow", busy).await
}

/// [`until_busy`] with the slow child `name`.
async fn until_busy_with<T>(log: &Log, name: &str, busy: JoinHandle<T>) -> JoinHandle<T> {
    let began = format!("terminate {name} Shutdown");
    for _ in 0..10_000 {
        if log.take().contains(&began) {
            return busy;
        }
        tokio::task::yield_now().await;
    }
    panic!("the slow child {name} was not terminated");
}

/// Asks `sup` to terminate the slow child and returns once it is busy
/// with that request.
async fn keep_busy(sup: &SupervisorClient, log: &Log) -> JoinHandle<Result<(), SupervisorError>> {
    let busy = tokio::spawn({
        let sup = sup.clone();
        async move { sup.terminate_child("slow").await }
    });
    until_busy(log, busy).await
}

/// Crashes `w` while its supervisor is busy and waits until the instance
/// has ended, so that its exit notice is queued, unhandled, in the
/// supervisor's mailbox (the supervisor still has `w` as running); then
/// queues a call for `w`, which waits for the restart.
async fn crash_and_queue_a_call(w: &ProbeClient) -> JoinHandle<Result<u64, CallError>> {
    assert_eq!(w.boom().await, Err(CallError::Exited(panicked("boom w"))));
    assert_eq!(w.wait().await, panicked("boom w"));
    let queued = tokio::spawn({
        let w = w.without_timeout();
        async move { w.echo(1).await }
    });
    tokio::task::yield_now().await;
    queued
}

/// What a caller queued for a child waiting for its restart hears when
/// the child is closed: not the crash, which did not end it for good.
fn shutdown() -> Result<u64, CallError> {
    Err(CallError::Exited(ExitReason::Shutdown))
}

// Semantics 15.13: `stop` ends the current instance with `Normal`, an exit
// like any other: a permanent child is restarted behind the same client.
#[tokio::test(start_paused = true)]
async fn stop_on_a_permanent_child_ends_its_instance_and_it_is_restarted() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;
    let first = p.id();
    log.take();

    assert_eq!(p.stop().await, Ok(()));
    assert_eq!(p.echo(3).await, Ok(3));
    assert_ne!(p.id(), first);
    assert_eq!(log.take(), ["terminate p Normal", "start p"]);
    sup.stop().await.unwrap();
}

// Semantics 15.13: between an instance's end and the next one's start
// there is nothing to stop.
#[tokio::test(start_paused = true)]
async fn stop_while_a_child_waits_for_its_restart_is_no_proc() {
    let log = Log::new();
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .child(slow(&log))
            .child(probe("w", &log)),
    )
    .await
    .unwrap();
    let w = client(&sup, "w").await;
    let busy = keep_busy(&sup, &log).await;
    let queued = crash_and_queue_a_call(&w).await;

    assert_eq!(w.stop().await, Err(StopError::NoProc));
    assert_eq!(
        w.stop_after_queued(ExitReason::Normal).await,
        Err(StopError::NoProc)
    );
    // The restart still comes, and the queued call reaches it.
    assert_eq!(queued.await.unwrap(), Ok(1));
    busy.await.unwrap().unwrap();
    sup.stop().await.unwrap();
}

// Semantics 11.6 and 15.13: a restart that fails because another server
// holds the child's name leaves the child waiting for its next attempt, as
// a failed `init` does: the instance behind the address has ended, so
// `stop` is `NoProc` and `wait` returns, and what is sent meanwhile waits
// for the next instance.
#[tokio::test(start_paused = true)]
async fn a_restart_that_finds_the_name_taken_leaves_the_child_waiting_for_the_next_attempt() {
    const NAME: &str = "supervisor_clients:taken";
    let log = Log::new();
    let mut slow2 = ProbeArgs::new("slow2", &log);
    slow2.terminate_takes = Duration::from_secs(10);
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
        .child(slow(&log))
        .child(probe_with(slow2).shutdown(Shutdown::Infinity))
        .child(probe("w", &log).options(StartOptions::named(NAME)));
    let sup = Supervisor::start(spec).await.unwrap();
    let w = client(&sup, "w").await;
    let busy = keep_busy(&sup, &log).await;

    // Once `wait` returns the name is free, and the exit notice is queued.
    assert_eq!(w.boom().await, Err(CallError::Exited(panicked("boom w"))));
    assert_eq!(w.wait().await, panicked("boom w"));
    // Queued behind the notice: handled after the failed restart, before
    // the next attempt.
    let busy2 = tokio::spawn({
        let sup = sup.clone();
        async move { sup.terminate_child("slow2").await }
    });
    tokio::task::yield_now().await;
    let holder = Probe::start_with(ProbeArgs::new("holder", &log), StartOptions::named(NAME))
        .await
        .unwrap();
    assert_eq!(busy.await.unwrap(), Ok(()));
    // Handled next: the notice, then this.
    let busy2 = until_busy_with(&log, "slow2", busy2).await;

    assert!(!w.is_alive());
    let stop = tokio::time::timeout(Duration::from_secs(1), w.stop()).await;
    assert_eq!(stop, Ok(Err(StopError::NoProc)));
    assert_eq!(w.wait().await, ExitReason::Shutdown);
    let queued = tokio::spawn({
        let w = w.without_timeout();
        async move { w.echo(1).await }
    });
    holder.stop().await.unwrap();

    assert_eq!(busy2.await.unwrap(), Ok(()));
    assert_eq!(queued.await.unwrap(), Ok(1));
    assert_eq!(genserver::whereis_id(NAME), Some(w.id()));
    sup.stop().await.unwrap();
}

// Semantics 15.13: an instance whose `init` runs has started; `stop` waits
// for its `init`, then stops it, and a permanent child is restarted again.
#[tokio::test(start_paused = true)]
async fn stop_during_a_restarts_init_waits_for_it_then_stops_that_instance() {
    let log = Log::new();
    let mut args = ProbeArgs::new("p", &log);
    args.init_takes = Duration::from_secs(1);
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .intensity(RestartIntensity::new(10, Duration::from_secs(60)))
            .child(probe_with(args)),
    )
    .await
    .unwrap();
    let p = client(&sup, "p").await;
    log.take();

    assert_eq!(p.boom().await, Err(CallError::Exited(panicked("boom p"))));
    while !log.take().iter().any(|e| e == "initializing p") {
        tokio::task::yield_now().await;
    }
    let began = tokio::time::Instant::now();
    assert_eq!(p.stop().await, Ok(()));

    assert_eq!(began.elapsed(), Duration::from_secs(1));
    assert_eq!(p.echo(4).await, Ok(4));
    assert_eq!(
        log.take(),
        ["start p", "terminate p Normal", "initializing p", "start p"]
    );
    sup.stop().await.unwrap();
}

/// semantics 15.12: the supervisor's exit closes a child waiting for its
/// restart with `Shutdown`, also while the child's exit notice is queued
/// behind the request the supervisor is busy with: as when it was handled.
#[tokio::test(start_paused = true)]
async fn a_stop_closes_a_child_awaiting_restart_with_shutdown_while_its_exit_is_queued() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(slow(&log))
        .child(probe("w", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let w = client(&sup, "w").await;
    let busy = keep_busy(&sup, &log).await;

    let queued = crash_and_queue_a_call(&w).await;
    sup.stop().await.unwrap();

    assert_eq!(queued.await.unwrap(), shutdown());
    assert_eq!(w.echo(2).await, Err(CallError::NoProc));
    assert_eq!(busy.await.unwrap(), Ok(()));
    // The notice was never handled: `w` was not restarted.
    assert_eq!(
        log.take(),
        [
            "terminate w Panicked { message: \"boom w\" }",
            "terminated slow"
        ]
    );
}

/// semantics 15.12: a temporary child is not restarted, so its crash ended
/// it for good: the supervisor's exit closes it with the crash, also while
/// its exit notice is queued, as when it was handled.
#[tokio::test(start_paused = true)]
async fn a_stop_closes_a_crashed_temporary_child_with_its_crash_while_its_exit_is_queued() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(slow(&log))
        .child(probe("w", &log).restart(Restart::Temporary));
    let sup = Supervisor::start(spec).await.unwrap();
    let w = client(&sup, "w").await;
    let busy = keep_busy(&sup, &log).await;

    let queued = crash_and_queue_a_call(&w).await;
    sup.stop().await.unwrap();

    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(panicked("boom w")))
    );
    assert_eq!(w.echo(2).await, Err(CallError::NoProc));
    assert_eq!(busy.await.unwrap(), Ok(()));
}

/// semantics 15.12: `terminate_child` closes a child waiting for its
/// restart with `Shutdown`, also when the child's exit notice is queued
/// behind the request: as when it was handled.
#[tokio::test(start_paused = true)]
async fn terminate_child_closes_a_child_awaiting_restart_with_shutdown_while_its_exit_is_queued() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(slow(&log))
        .child(probe("w", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let w = client(&sup, "w").await;
    let busy = keep_busy(&sup, &log).await;
    // Queued before the crash, so handled before its notice.
    let terminate = tokio::spawn({
        let sup = sup.clone();
        async move { sup.terminate_child("w").await }
    });
    tokio::task::yield_now().await;

    let queued = crash_and_queue_a_call(&w).await;

    assert_eq!(busy.await.unwrap(), Ok(()));
    assert_eq!(terminate.await.unwrap(), Ok(()));
    assert_eq!(queued.await.unwrap(), shutdown());
    assert_eq!(w.echo(2).await, Err(CallError::NoProc));
    // The stale notice changed nothing.
    assert_eq!(
        states(&sup).await,
        [
            ("slow".to_string(), ChildState::Stopped),
            ("w".to_string(), ChildState::Stopped)
        ]
    );
    assert_eq!(
        log.take(),
        [
            "terminate w Panicked { message: \"boom w\" }",
            "terminated slow"
        ]
    );
}

/// A child with room for one message whose restarts all fail, so that it
/// waits for its restart, with one call queued in its full mailbox and one
/// waiting for room there. Returns the two calls, in that order.
async fn restarting_and_full(
    w: &ProbeClient,
    failing: &AtomicUsize,
    restarting: impl AsyncFnOnce(),
) -> [JoinHandle<Result<u64, CallError>>; 2] {
    failing.store(usize::MAX, Ordering::SeqCst);
    assert_eq!(w.boom().await, Err(CallError::Exited(panicked("boom w"))));
    restarting().await;
    let calls = [1, 2].map(|n| {
        let w = w.without_timeout();
        tokio::spawn(async move { w.echo(n).await })
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(matches!(w.try_note(3), Err(TrySendError::Full(_))));
    calls
}

fn full_when_restarting(log: &Log) -> (ChildSpec, Arc<AtomicUsize>) {
    let args = ProbeArgs::new("w", log);
    let failing = Arc::clone(&args.failing_starts);
    let spec = probe_with(args).options(StartOptions::new().mailbox(MailboxCapacity::Bounded(1)));
    (spec, failing)
}

/// semantics 15.12 and 2.3: a call still waiting for room when the child
/// that waits for its restart is closed hears `Shutdown` too, as the call
/// queued before it: not the crash, nor a failed restart attempt's error.
#[tokio::test(start_paused = true)]
async fn terminate_child_closes_a_child_awaiting_restart_with_shutdown_for_calls_waiting_for_room()
{
    let log = Log::new();
    let (spec, failing) = full_when_restarting(&log);
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .intensity(RestartIntensity::new(u32::MAX, Duration::from_secs(5)))
            .child(spec),
    )
    .await
    .unwrap();
    let w = client(&sup, "w").await;
    let old = w.id();
    let calls = restarting_and_full(&w, &failing, async || {
        assert_eq!(settle(&sup, "w", old).await, Some(ChildState::Restarting));
    })
    .await;

    sup.terminate_child("w").await.unwrap();

    for call in calls {
        assert_eq!(call.await.unwrap(), shutdown());
    }
    assert_eq!(w.wait().await, ExitReason::Shutdown);
    assert_eq!(w.echo(4).await, Err(CallError::NoProc));
}

/// semantics 15.12 and 2.3, for `DynamicSupervisor::terminate_child`: as
/// for a `Supervisor`.
#[tokio::test(start_paused = true)]
async fn dynamic_terminate_closes_a_child_awaiting_restart_with_shutdown_for_calls_waiting_for_room()
 {
    let log = Log::new();
    let (spec, failing) = full_when_restarting(&log);
    let pool = DynamicSupervisor::start(
        DynamicSupervisorSpec::new()
            .intensity(RestartIntensity::new(u32::MAX, Duration::from_secs(5))),
    )
    .await
    .unwrap();
    let child = pool.start_child(spec).await.unwrap();
    let w = child.client::<Probe>().unwrap();
    let calls = restarting_and_full(&w, &failing, async || {
        while !matches!(
            pool.which_children().await.unwrap()[..],
            [ChildInfo {
                state: ChildState::Restarting,
                ..
            }]
        ) {
            tokio::task::yield_now().await;
        }
    })
    .await;

    pool.terminate_child(child.id()).await.unwrap();

    for call in calls {
        assert_eq!(call.await.unwrap(), shutdown());
    }
    assert_eq!(w.wait().await, ExitReason::Shutdown);
}

/// semantics 15.3 and 15.12: a transient child that exited cleanly is not
/// part of a group restart and its address closes with its reason, also
/// when the group restart comes to it while its exit notice is queued.
#[tokio::test(start_paused = true)]
async fn a_group_restart_skips_a_cleanly_exited_transient_child_while_its_exit_is_queued() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(slow(&log))
        .child(probe("w", &log))
        .child(probe("t", &log).restart(Restart::Transient));
    let sup = Supervisor::start(spec).await.unwrap();
    let w = client(&sup, "w").await;
    let t = client(&sup, "t").await;
    let busy = keep_busy(&sup, &log).await;

    // `w` crashes first, so its notice is handled first: the group restart
    // comes to `t` before `t`'s own notice.
    let restarted = crash_and_queue_a_call(&w).await;
    t.exit(ExitReason::Normal).await.unwrap();
    assert_eq!(t.wait().await, ExitReason::Normal);
    let queued = tokio::spawn({
        let t = t.without_timeout();
        async move { t.echo(1).await }
    });
    tokio::task::yield_now().await;

    assert_eq!(busy.await.unwrap(), Ok(()));
    assert_eq!(restarted.await.unwrap(), Ok(1));
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::Normal))
    );
    assert_eq!(t.echo(2).await, Err(CallError::NoProc));
    assert_eq!(
        states(&sup).await,
        [
            ("slow".to_string(), ChildState::Stopped),
            ("w".to_string(), ChildState::Running(w.id())),
            ("t".to_string(), ChildState::Stopped)
        ]
    );
    assert_eq!(
        log.take(),
        [
            "terminate w Panicked { message: \"boom w\" }",
            "exit t Normal",
            "terminate t Normal",
            "terminated slow",
            "start w"
        ]
    );
}

/// A dynamic supervisor with the slow child and `w`, busy terminating the
/// slow child; `w`'s client and the pending request.
async fn busy_pool(
    log: &Log,
) -> (
    DynamicSupervisorClient,
    ProbeClient,
    JoinHandle<Result<(), SupervisorError>>,
) {
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let slow = pool.start_child(slow(log)).await.unwrap();
    let w = pool.start_child(probe("w", log)).await.unwrap();
    let w = w.client::<Probe>().unwrap();
    let busy = tokio::spawn({
        let pool = pool.clone();
        async move { pool.terminate_child(slow.id()).await }
    });
    (pool, w, until_busy(log, busy).await)
}

/// semantics 15.12, for a `DynamicSupervisor` that stops: as for a
/// `Supervisor`.
#[tokio::test(start_paused = true)]
async fn a_dynamic_stop_closes_a_child_awaiting_restart_with_shutdown_while_its_exit_is_queued() {
    let log = Log::new();
    let (pool, w, busy) = busy_pool(&log).await;

    let queued = crash_and_queue_a_call(&w).await;
    pool.stop().await.unwrap();

    assert_eq!(queued.await.unwrap(), shutdown());
    assert_eq!(w.echo(2).await, Err(CallError::NoProc));
    assert_eq!(busy.await.unwrap(), Ok(()));
}

/// semantics 15.12, for `DynamicSupervisor::terminate_child`: as for a
/// `Supervisor`.
#[tokio::test(start_paused = true)]
async fn dynamic_terminate_closes_a_child_awaiting_restart_with_shutdown_while_exit_is_queued() {
    let log = Log::new();
    let (pool, w, busy) = busy_pool(&log).await;
    // Queued before the crash, so handled before its notice.
    let terminate = tokio::spawn({
        let (pool, id) = (pool.clone(), w.id());
        async move { pool.terminate_child(id).await }
    });
    tokio::task::yield_now().await;

    let queued = crash_and_queue_a_call(&w).await;

    assert_eq!(busy.await.unwrap(), Ok(()));
    assert_eq!(terminate.await.unwrap(), Ok(()));
    assert_eq!(queued.await.unwrap(), shutdown());
    assert_eq!(w.echo(2).await, Err(CallError::NoProc));
    assert_eq!(pool.count_children().await.unwrap().specs, 0);
}

/// Many clients call a supervised server that panics on one request in
/// seven. Every call ends, in a reply or a typed error; only the calls
/// that panicked fail, so no queued request was lost to a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_every_call_ends_and_only_the_panicking_ones_fail() {
    const CLIENTS: u64 = 16;
    const CALLS: u64 = 200;
    const EVERY: u64 = 7;
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p")
        .await
        .with_timeout(Duration::from_secs(30));

    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..CALLS {
                let n = c * CALLS + i + 1;
                outcomes.push((n, p.echo_or_panic(n, EVERY).await));
            }
            outcomes
        }));
    }
    let mut replies = 0;
    let mut exited = 0;
    for task in tasks {
        for (n, outcome) in task.await.unwrap() {
            match outcome {
                Ok(v) => {
                    assert_eq!(v, n);
                    assert_ne!(n % EVERY, 0);
                    replies += 1;
                }
                Err(CallError::Exited(ExitReason::Panicked { message })) => {
                    assert_eq!(&*message, format!("unlucky {n}"));
                    exited += 1;
                }
                Err(other) => panic!("call {n} ended with {other:?}"),
            }
        }
    }
    let total = CLIENTS * CALLS;
    assert_eq!(exited, total / EVERY);
    assert_eq!(replies, total - total / EVERY);
    sup.stop().await.unwrap();
}

fn is_send_sync<T: Send + Sync>(_: &T) {}
fn is_send<T: Send>(_: &T) {}

/// Compiled, never run: the supervision handles and their futures cross
/// tasks and threads.
#[allow(dead_code)]
fn handles_are_send_and_sync_and_their_futures_send(
    sup: &SupervisorClient,
    pool: &genserver::DynamicSupervisorClient,
    child: &genserver::ChildRef,
    spec: ChildSpec,
) {
    is_send_sync(sup);
    is_send_sync(pool);
    is_send_sync(child);
    is_send_sync(&spec);
    is_send(&sup.start_child(spec.clone()));
    is_send(&sup.terminate_child("a"));
    is_send(&sup.restart_child("a"));
    is_send(&sup.delete_child("a"));
    is_send(&sup.which_children());
    is_send(&sup.count_children());
    is_send(&sup.child::<Supervisor>("a"));
    is_send(&pool.start_child(spec));
    is_send(&pool.terminate_child(child.id()));
    is_send(&Supervisor::start(SupervisorSpec::new(Strategy::OneForOne)));
}

// Semantics 6.8 with 15.11: a queued stop belongs to the mailbox. Queued
// behind a crash, it is reached by the restarted instance, which stops
// with its reason; a transient child stopped so cleanly is not restarted,
// and what was queued after the request is dropped with its address.
#[tokio::test(start_paused = true)]
async fn a_queued_stop_behind_a_crash_stops_the_restarted_instance() {
    let log = Log::new();
    let sup = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .child(probe("t", &log).restart(genserver::Restart::Transient)),
    )
    .await
    .unwrap();
    let t = client(&sup, "t").await;
    log.take();
    let busy = tokio::spawn({
        let t = t.clone();
        async move { t.sleep(Duration::from_millis(100)).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    t.exit(ExitReason::error("boom")).await.unwrap();
    let stopping = tokio::spawn({
        let t = t.clone();
        async move { t.stop_after_queued(ExitReason::Normal).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let after = tokio::spawn({
        let t = t.clone();
        async move { t.echo(7).await }
    });

    assert_eq!(busy.await.unwrap(), Ok(0));
    assert_eq!(stopping.await.unwrap(), Ok(()));
    assert_eq!(
        after.await.unwrap(),
        Err(CallError::Exited(ExitReason::Normal))
    );
    assert_eq!(
        log.take(),
        [
            "exit t Error { source: \"boom\" }",
            "terminate t Error { source: \"boom\" }",
            "start t",
            "terminate t Normal",
        ]
    );
    assert_eq!(states(&sup).await, [("t".to_string(), ChildState::Stopped)]);
    sup.stop().await.unwrap();
}
