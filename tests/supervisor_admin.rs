//! docs/semantics.md, "Supervision": the admin API of a supervisor.

mod supervisor_support;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildKind, ChildState, StartError, SupervisorError};
use supervisor_support::{Log, Probe, ProbeArgs, client, probe, probe_with, states};

async fn two(log: &Log) -> genserver::SupervisorClient {
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", log))
        .child(probe("b", log));
    Supervisor::start(spec).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn start_child_adds_a_child_after_the_others_or_says_why_not() {
    let log = Log::new();
    let sup = two(&log).await;
    let a = client(&sup, "a").await;

    let c = sup.start_child(probe("c", &log)).await.unwrap();
    assert_eq!(c.client::<Probe>().unwrap().name().await, Ok("c"));
    let ids: Vec<String> = states(&sup).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["a", "b", "c"]);

    assert_eq!(
        sup.start_child(probe("a", &log)).await.unwrap_err(),
        SupervisorError::AlreadyStarted(a.id())
    );
    sup.terminate_child("a").await.unwrap();
    assert_eq!(
        sup.start_child(probe("a", &log)).await.unwrap_err(),
        SupervisorError::AlreadyPresent
    );

    let failing = ProbeArgs::new("d", &log);
    failing.failing_starts.store(1, Ordering::SeqCst);
    let error = sup.start_child(probe_with(failing)).await.unwrap_err();
    assert!(matches!(
        error,
        SupervisorError::StartFailed(StartError::Init(ExitReason::Error { .. }))
    ));
    assert_eq!(sup.count_children().await.unwrap().specs, 3);
}

#[tokio::test(start_paused = true)]
async fn terminate_child_stops_it_for_good_even_when_permanent() {
    let log = Log::new();
    let sup = two(&log).await;
    let a = client(&sup, "a").await;
    log.take();

    sup.terminate_child("a").await.unwrap();

    assert_eq!(log.take(), ["terminate a Shutdown"]);
    assert_eq!(
        states(&sup).await,
        [
            ("a".to_string(), ChildState::Stopped),
            (
                "b".to_string(),
                ChildState::Running(client(&sup, "b").await.id())
            )
        ]
    );
    assert_eq!(a.name().await, Err(CallError::NoProc));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(log.take().is_empty(), "not restarted");
    assert_eq!(
        sup.terminate_child("zz").await.unwrap_err(),
        SupervisorError::NotFound
    );

    let temporary = probe("t", &log).restart(Restart::Temporary);
    sup.start_child(temporary).await.unwrap();
    sup.terminate_child("t").await.unwrap();
    assert_eq!(
        sup.child::<Probe>("t").await.unwrap_err(),
        SupervisorError::NotFound,
        "a terminated temporary child is forgotten"
    );
}

#[tokio::test(start_paused = true)]
async fn restart_child_starts_a_stopped_child_behind_a_new_address() {
    let log = Log::new();
    let sup = two(&log).await;
    let old = client(&sup, "a").await;
    assert_eq!(
        sup.restart_child("a").await.unwrap_err(),
        SupervisorError::Running
    );
    assert_eq!(
        sup.restart_child("zz").await.unwrap_err(),
        SupervisorError::NotFound
    );
    sup.terminate_child("a").await.unwrap();
    log.take();

    let child = sup.restart_child("a").await.unwrap();

    assert_eq!(log.take(), ["start a"]);
    let new = client(&sup, "a").await;
    assert_eq!(new.id(), child.id());
    assert_ne!(new.id(), old.id());
    assert_eq!(new.name().await, Ok("a"));
    assert_eq!(old.name().await, Err(CallError::NoProc));
}

#[tokio::test(start_paused = true)]
async fn delete_child_forgets_only_a_stopped_child() {
    let log = Log::new();
    let sup = two(&log).await;
    assert_eq!(
        sup.delete_child("a").await.unwrap_err(),
        SupervisorError::Running
    );
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert_eq!(
        sup.delete_child("a").await.unwrap_err(),
        SupervisorError::NotFound
    );
    let ids: Vec<String> = states(&sup).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["b"]);
    // The id is free again.
    sup.start_child(probe("a", &log)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn which_children_and_count_children_report_states_and_kinds() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(ChildSpec::supervisor(
            "sub",
            SupervisorSpec::new(Strategy::OneForOne).child(probe("x", &log)),
        ))
        .child(probe("b", &log).restart(Restart::Transient));
    let sup = Supervisor::start(spec).await.unwrap();
    sup.terminate_child("b").await.unwrap();

    let children = sup.which_children().await.unwrap();
    let sub = sup.child::<Supervisor>("sub").await.unwrap();
    assert_eq!(children.len(), 3);
    assert_eq!(
        children[0].state,
        ChildState::Running(client(&sup, "a").await.id())
    );
    assert_eq!(children[0].kind, ChildKind::Worker);
    assert_eq!(children[0].server, "Probe");
    assert_eq!(children[1].state, ChildState::Running(sub.id()));
    assert_eq!(children[1].kind, ChildKind::Supervisor);
    assert_eq!(children[1].server, "Supervisor");
    assert_eq!(children[2].state, ChildState::Stopped);
    assert_eq!(children[2].restart, Restart::Transient);

    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.supervisors,
            counts.workers
        ),
        (3, 2, 1, 2)
    );
    assert_eq!(
        sub.which_children().await.unwrap()[0].id,
        genserver::ChildId::from("x")
    );
}

#[tokio::test(start_paused = true)]
async fn child_looks_a_client_up_by_id_and_type() {
    let log = Log::new();
    let sup = two(&log).await;
    assert_eq!(client(&sup, "a").await.name().await, Ok("a"));
    assert_eq!(
        sup.child::<Supervisor>("a").await.unwrap_err(),
        SupervisorError::WrongType
    );
    assert_eq!(
        sup.child::<Probe>("zz").await.unwrap_err(),
        SupervisorError::NotFound
    );
    sup.terminate_child("a").await.unwrap();
    assert_eq!(
        sup.child::<Probe>("a").await.unwrap_err(),
        SupervisorError::NotRunning
    );
}

// `ChildRef::client` and `ChildRef::server_ref`: `None` when the child's
// server is not the type asked for, from either kind of supervisor.
#[tokio::test(start_paused = true)]
async fn a_child_ref_gives_nothing_for_another_server_type() {
    let log = Log::new();
    let sup = two(&log).await;
    let c = sup.start_child(probe("c", &log)).await.unwrap();
    assert!(c.client::<Supervisor>().is_none());
    assert!(c.server_ref::<Supervisor>().is_none());
    assert_eq!(c.server_ref::<Probe>().map(|r| r.id()), Some(c.id()));

    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let d = pool.start_child(probe("d", &log)).await.unwrap();
    assert!(d.client::<DynamicSupervisor>().is_none());
    assert!(d.server_ref::<DynamicSupervisor>().is_none());
    assert_eq!(d.client::<Probe>().unwrap().name().await, Ok("d"));
}

#[tokio::test(start_paused = true)]
async fn admin_requests_to_a_stopped_supervisor_fail_with_a_call_error() {
    let log = Log::new();
    let sup = two(&log).await;
    sup.stop().await.unwrap();
    assert_eq!(
        sup.start_child(probe("c", &log)).await.unwrap_err(),
        SupervisorError::Call(CallError::NoProc)
    );
    assert_eq!(sup.which_children().await.unwrap_err(), CallError::NoProc);
}

// Semantics 15.8: admin requests wait without a time limit, as OTP's do:
// a child whose `init` takes a minute is started; a client given a limit
// with `with_timeout` gets `Call(Timeout)` instead. The same for a
// dynamic supervisor.
#[tokio::test(start_paused = true)]
async fn admin_requests_wait_without_a_limit_unless_the_client_has_one() {
    let log = Log::new();
    let sup = two(&log).await;
    let slow = |name| ProbeArgs {
        init_takes: Duration::from_secs(60),
        ..ProbeArgs::new(name, &log)
    };
    let began = tokio::time::Instant::now();

    let c = sup.start_child(probe_with(slow("c"))).await.unwrap();

    assert_eq!(began.elapsed(), Duration::from_secs(60));
    assert_eq!(c.client::<Probe>().unwrap().name().await, Ok("c"));
    let limited = sup.with_timeout(Duration::from_secs(1));
    assert_eq!(
        limited
            .start_child(probe_with(slow("d")))
            .await
            .unwrap_err(),
        SupervisorError::Call(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(61));

    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let began = tokio::time::Instant::now();
    pool.start_child(probe_with(slow("e"))).await.unwrap();
    assert_eq!(began.elapsed(), Duration::from_secs(60));
    let limited = pool.with_timeout(Duration::from_secs(1));
    assert_eq!(limited.id(), pool.id());
    assert_eq!(
        limited
            .start_child(probe_with(slow("f")))
            .await
            .unwrap_err(),
        SupervisorError::Call(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(61));
}

/// Yields until `entry` is in the log, emptying it. Under the paused
/// clock, time does not move meanwhile.
async fn until_logged(log: &Log, entry: &str) {
    for _ in 0..10_000 {
        if log.take().iter().any(|e| e == entry) {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{entry:?} was never logged");
}

/// A child whose `terminate` takes ten seconds, waited for.
fn slow_to_stop(name: &'static str, log: &Log) -> ChildSpec {
    let args = ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new(name, log)
    };
    probe_with(args).shutdown(Shutdown::Infinity)
}

// `is_alive` of the admin clients: `true` until the supervisor starts to
// exit, so already `false` while it stops its children, not only once it
// has ended.
#[tokio::test(start_paused = true)]
async fn a_supervisor_is_no_longer_alive_once_it_begins_to_stop_its_children() {
    let log = Log::new();
    let sup =
        Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(slow_to_stop("a", &log)))
            .await
            .unwrap();
    assert!(sup.is_alive());
    let stopping = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop().await }
    });
    until_logged(&log, "terminate a Shutdown").await;
    assert!(!sup.is_alive());
    stopping.await.unwrap().unwrap();

    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    pool.start_child(slow_to_stop("b", &log)).await.unwrap();
    assert!(pool.is_alive());
    let stopping = tokio::spawn({
        let pool = pool.clone();
        async move { pool.stop().await }
    });
    until_logged(&log, "terminate b Shutdown").await;
    assert!(!pool.is_alive());
    stopping.await.unwrap().unwrap();
}

// The admin clients are `Client`s of their supervisor: one rebuilt from
// the address reaches the same supervisor, whose id the client reports.
#[tokio::test(start_paused = true)]
async fn an_admin_client_is_rebuilt_from_its_address() {
    let log = Log::new();
    let sup = two(&log).await;
    let again = <SupervisorClient as Client>::from_server_ref(sup.server_ref().clone());
    assert_eq!(again.id(), sup.id());
    assert_eq!(sup.id(), sup.server_ref().id());
    assert_eq!(again.count_children().await.unwrap().specs, 2);

    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let again = <DynamicSupervisorClient as Client>::from_server_ref(pool.server_ref().clone());
    assert_eq!(again.id(), pool.id());
    assert_eq!(pool.id(), pool.server_ref().id());
    assert_eq!(again.count_children().await.unwrap().specs, 0);
}

// Semantics 15.8: a child between failed restart attempts has no
// instance: `start_child` with its id is `AlreadyPresent`, not
// `AlreadyStarted`, and `delete_child` refuses it with `Restarting`.
#[tokio::test(start_paused = true)]
async fn a_child_waiting_for_its_restart_is_already_present_and_cannot_be_deleted() {
    let log = Log::new();
    let args = ProbeArgs::new("a", &log);
    let failing = args.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5)))
        .child(probe_with(args));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let old = a.id();
    failing.store(usize::MAX, Ordering::SeqCst);
    assert!(a.boom().await.is_err());
    assert_eq!(
        supervisor_support::settle(&sup, "a", old).await,
        Some(ChildState::Restarting)
    );

    assert_eq!(
        sup.start_child(probe("a", &log)).await.unwrap_err(),
        SupervisorError::AlreadyPresent
    );
    assert_eq!(
        sup.delete_child("a").await.unwrap_err(),
        SupervisorError::Restarting
    );
    assert_eq!(
        states(&sup).await,
        [("a".to_string(), ChildState::Restarting)]
    );
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert!(states(&sup).await.is_empty());
}

/// What a child's `init` got when it asked its supervisor for the number
/// of its children.
type Answer = Arc<Mutex<Option<Result<usize, CallError>>>>;

/// A child whose `init` asks its own supervisor for its children's count.
struct Asker;

#[genserver]
impl Asker {
    #[init]
    async fn init((sup, answer): (genserver::SupervisorClient, Answer)) -> Result<Self, String> {
        let asked = sup
            .with_timeout(Duration::from_secs(1))
            .count_children()
            .await
            .map(|counts| counts.specs);
        *answer.lock().unwrap() = Some(asked);
        Ok(Asker)
    }
}

// Semantics 15.14: a supervisor handles one request at a time and waits
// for each child's `init`, so a child's `init` that calls its own
// supervisor's admin API waits for itself: here until its own limit.
#[tokio::test(start_paused = true)]
async fn a_childs_init_that_calls_its_own_supervisor_waits_for_itself() {
    let log = Log::new();
    let sup = two(&log).await;
    let answer: Answer = Arc::default();
    let spec = ChildSpec::server::<Asker>("asker", {
        let (sup, answer) = (sup.clone(), Arc::clone(&answer));
        move || (sup.clone(), Arc::clone(&answer))
    });
    let began = tokio::time::Instant::now();

    sup.start_child(spec).await.unwrap();

    assert_eq!(began.elapsed(), Duration::from_secs(1));
    assert_eq!(*answer.lock().unwrap(), Some(Err(CallError::Timeout)));
    // Once the child has started, the supervisor answers again.
    assert_eq!(sup.count_children().await.unwrap().specs, 3);
}

/// 10, 15.7: a child stuck in a handler, for which a `stop` would wait,
/// is ended by `terminate_child` at its shutdown timeout: its task is
/// aborted, it ends with `Killed`, and `terminate` does not run.
#[tokio::test(start_paused = true)]
async fn terminate_child_aborts_a_child_stuck_in_a_handler_at_its_timeout() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log).shutdown(Shutdown::Timeout(Duration::from_secs(1))));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await.without_timeout();
    let stuck = tokio::spawn({
        let a = a.clone();
        async move { a.sleep(Duration::from_secs(3600)).await }
    });
    // Every task waits once the handler sleeps: only then does the paused
    // clock move on.
    tokio::time::sleep(Duration::from_millis(1)).await;
    let down = a.server_ref().monitor();

    let began = tokio::time::Instant::now();
    sup.terminate_child("a").await.unwrap();

    assert_eq!(began.elapsed(), Duration::from_secs(1));
    assert_eq!(down.await.reason, ExitReason::Killed);
    assert_eq!(
        stuck.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert!(
        !log.take()
            .iter()
            .any(|entry| entry.starts_with("terminate")),
        "terminate did not run"
    );
    sup.stop().await.unwrap();
}
