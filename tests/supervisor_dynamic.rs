//! docs/semantics.md, "Supervision": the dynamic supervisor. Children on
//! demand up to `max_children`, restarted one for one, stopped together
//! under one deadline.

mod supervisor_support;

use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildId, ChildKind, ChildState, DynamicSupervisorClient, SupervisorError};
use supervisor_support::{Log, Probe, ProbeArgs, ProbeClient, ms, panicked, probe, probe_with};
use tokio::time::Instant;

/// The state of each child, in start order.
async fn states(pool: &DynamicSupervisorClient) -> Vec<ChildState> {
    pool.which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.state)
        .collect()
}

async fn settle(pool: &DynamicSupervisorClient, old: genserver::ServerId) -> Vec<ChildState> {
    for _ in 0..10_000 {
        let now = states(pool).await;
        if !now.contains(&ChildState::Running(old)) {
            return now;
        }
        tokio::task::yield_now().await;
    }
    panic!("{old:?} still running");
}

#[tokio::test(start_paused = true)]
async fn children_start_on_demand_up_to_max_children() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new().max_children(2))
        .await
        .unwrap();
    let a = pool.start_child(probe("a", &log)).await.unwrap();
    let b = pool.start_child(probe("b", &log)).await.unwrap();
    assert_eq!(
        pool.start_child(probe("c", &log)).await.unwrap_err(),
        SupervisorError::MaxChildren
    );
    assert_eq!(log.take(), ["start a", "start b"]);
    assert_eq!(a.client::<Probe>().unwrap().name().await, Ok("a"));

    pool.terminate_child(b.id()).await.unwrap();
    assert_eq!(log.take(), ["terminate b Shutdown"]);
    assert_eq!(
        pool.terminate_child(b.id()).await.unwrap_err(),
        SupervisorError::NotFound
    );
    pool.start_child(probe("c", &log)).await.unwrap();
    let counts = pool.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (2, 2, 2));
}

// `DynamicSupervisorSpec::max_children`: at most `max` children at once,
// running or restarting. A child between failed restart attempts holds its
// place until it is terminated.
#[tokio::test(start_paused = true)]
async fn a_child_waiting_for_its_restart_counts_toward_max_children() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(
        DynamicSupervisorSpec::new()
            .max_children(1)
            .intensity(RestartIntensity::new(1_000_000, Duration::from_secs(5))),
    )
    .await
    .unwrap();
    let args = ProbeArgs::new("a", &log);
    let failing = args.failing_starts.clone();
    let child = pool.start_child(probe_with(args)).await.unwrap();
    failing.store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        child.client::<Probe>().unwrap().boom().await,
        Err(CallError::Exited(panicked("boom a")))
    );
    assert_eq!(settle(&pool, child.id()).await, [ChildState::Restarting]);

    assert_eq!(
        pool.start_child(probe("b", &log)).await.unwrap_err(),
        SupervisorError::MaxChildren
    );
    pool.terminate_child(child.id()).await.unwrap();
    let b = pool.start_child(probe("b", &log)).await.unwrap();
    assert_eq!(b.client::<Probe>().unwrap().name().await, Ok("b"));
}

// `ChildInfo`: a dynamic supervisor's children are reported by the id of
// the spec each was started from, with their server's `NAME` and kind.
#[tokio::test(start_paused = true)]
async fn dynamic_children_are_reported_by_the_id_of_their_spec() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let worker = pool.start_child(probe("alpha", &log)).await.unwrap();
    let sub = pool
        .start_child(ChildSpec::supervisor(
            "beta",
            SupervisorSpec::new(Strategy::OneForOne),
        ))
        .await
        .unwrap();
    let reported: Vec<_> = pool
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.state, c.server, c.kind))
        .collect();
    assert_eq!(
        reported,
        [
            (
                ChildId::from("alpha"),
                ChildState::Running(worker.id()),
                "Probe",
                ChildKind::Worker
            ),
            (
                ChildId::from("beta"),
                ChildState::Running(sub.id()),
                "Supervisor",
                ChildKind::Supervisor
            ),
        ]
    );
}

// `ChildRef`: its `id` is the instance's when the reference was made,
// while its client, valid across restarts, follows them; a client made
// from it later is the same address.
#[tokio::test(start_paused = true)]
async fn a_crashed_child_is_restarted_and_its_client_follows() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let child = pool.start_child(probe("a", &log)).await.unwrap();
    let a = child.client::<Probe>().unwrap();
    assert_eq!(a.id(), child.id());
    assert_eq!(a.boom().await, Err(CallError::Exited(panicked("boom a"))));
    assert_eq!(a.echo(1).await, Ok(1));
    assert_ne!(a.id(), child.id());
    assert_eq!(child.client::<Probe>().unwrap().id(), a.id());
    assert_eq!(
        log.take(),
        [
            "start a",
            "terminate a Panicked { message: \"boom a\" }",
            "start a"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn children_that_are_not_restarted_are_forgotten() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let t = pool
        .start_child(probe("t", &log).restart(Restart::Temporary))
        .await
        .unwrap();
    let tr = pool
        .start_child(probe("tr", &log).restart(Restart::Transient))
        .await
        .unwrap();

    assert!(t.client::<Probe>().unwrap().boom().await.is_err());
    settle(&pool, t.id()).await;
    tr.client::<Probe>()
        .unwrap()
        .exit(ExitReason::Normal)
        .await
        .unwrap();
    assert!(settle(&pool, tr.id()).await.is_empty());
    assert_eq!(
        t.client::<Probe>().unwrap().name().await,
        Err(CallError::NoProc)
    );
    // Forgotten as Elixir's `DynamicSupervisor` forgets them (15.9).
    assert_eq!(
        pool.terminate_child(t.id()).await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        pool.terminate_child(tr.id()).await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(pool.count_children().await.unwrap().specs, 0);
}

#[tokio::test(start_paused = true)]
async fn shutdown_asks_every_child_at_once_and_aborts_each_at_its_deadline() {
    let log = Log::timed();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    for (name, takes) in [("a", 10), ("b", 1), ("c", 10)] {
        let args = ProbeArgs {
            terminate_takes: Duration::from_secs(takes),
            ..ProbeArgs::new(name, &log)
        };
        let spec = probe_with(args).shutdown(Shutdown::Timeout(Duration::from_secs(2)));
        pool.start_child(spec).await.unwrap();
    }
    log.take();
    let began = Instant::now();

    pool.stop().await.unwrap();

    assert_eq!(ms(began), 2000, "one deadline, not one per child");
    let mut events = log.take();
    events[..3].sort();
    assert_eq!(
        events,
        [
            "0 terminate a Shutdown",
            "0 terminate b Shutdown",
            "0 terminate c Shutdown",
            "1000 terminated b",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn too_many_restarts_stop_the_dynamic_supervisor_with_shutdown() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(
        DynamicSupervisorSpec::new().intensity(RestartIntensity::new(1, Duration::from_secs(5))),
    )
    .await
    .unwrap();
    let a = pool
        .start_child(probe("a", &log))
        .await
        .unwrap()
        .client::<Probe>()
        .unwrap();
    let b = pool
        .start_child(probe("b", &log))
        .await
        .unwrap()
        .client::<Probe>()
        .unwrap();
    assert!(a.boom().await.is_err());
    assert_eq!(a.name().await, Ok("a"));
    log.take();

    assert!(b.boom().await.is_err());

    assert_eq!(pool.wait().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate a Shutdown"
        ]
    );
    assert_eq!(a.name().await, Err(CallError::NoProc));
}

#[tokio::test(start_paused = true)]
async fn stop_with_ends_the_dynamic_supervisor_with_that_reason_after_its_children() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let child = pool.start_child(probe("a", &log)).await.unwrap();
    let child = child.client::<Probe>().unwrap();
    log.take();

    let reason = ExitReason::error("maintenance");
    pool.stop_with(reason.clone()).await.unwrap();

    assert_eq!(log.take(), ["terminate a Shutdown"]);
    assert_eq!(child.wait().await, ExitReason::Shutdown);
    assert_eq!(pool.wait().await, reason);
    assert_eq!(pool.stop_with(reason).await, Err(StopError::NoProc));
}

// Semantics 15.9: a child between failed restart attempts is found by the
// id it last ran as, or by the one its client reports, as Elixir finds a
// restarting child by its last pid; terminating it ends the attempts and
// closes its address.
#[tokio::test(start_paused = true)]
async fn a_child_waiting_for_its_restart_is_terminated_by_its_last_id() {
    for by_client_id in [false, true] {
        let log = Log::new();
        let pool = DynamicSupervisor::start(
            DynamicSupervisorSpec::new()
                .intensity(RestartIntensity::new(1_000, Duration::from_secs(5))),
        )
        .await
        .unwrap();
        let args = ProbeArgs::new("a", &log);
        let failing = args.failing_starts.clone();
        let child = pool.start_child(probe_with(args)).await.unwrap();
        let a = child.client::<Probe>().unwrap();

        failing.store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
        let _ = a.boom().await;
        assert_eq!(settle(&pool, child.id()).await, [ChildState::Restarting]);
        let id = if by_client_id { a.id() } else { child.id() };
        pool.terminate_child(id).await.unwrap();

        assert!(pool.which_children().await.unwrap().is_empty());
        assert!(!a.is_alive());
        assert_eq!(a.echo(1).await, Err(CallError::NoProc));
        // No attempt is made after the child was terminated.
        let attempts = log.take().len();
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(log.take().is_empty(), "{attempts} attempts, then more");
        assert_eq!(
            pool.terminate_child(id).await.unwrap_err(),
            SupervisorError::NotFound
        );
    }
}

// Semantics 15.9: each child is restarted on its own, one for one: its
// siblings keep their instance and their state.
#[tokio::test(start_paused = true)]
async fn each_child_is_restarted_on_its_own() {
    let log = Log::new();
    let pool = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let mut clients = Vec::new();
    for name in ["a", "b", "c"] {
        let child = pool.start_child(probe(name, &log)).await.unwrap();
        clients.push(child.client::<Probe>().unwrap());
    }
    let before: Vec<_> = clients.iter().map(ProbeClient::id).collect();
    clients[0].note(1).await.unwrap();
    clients[2].note(3).await.unwrap();
    log.take();

    assert_eq!(
        clients[1].boom().await,
        Err(CallError::Exited(panicked("boom b")))
    );
    assert_eq!(clients[1].seen().await, Ok(vec![]));

    assert_eq!(
        log.take(),
        ["terminate b Panicked { message: \"boom b\" }", "start b"]
    );
    assert_eq!(clients[0].id(), before[0]);
    assert_ne!(clients[1].id(), before[1]);
    assert_eq!(clients[2].id(), before[2]);
    assert_eq!(clients[0].seen().await, Ok(vec![1]));
    assert_eq!(clients[2].seen().await, Ok(vec![3]));
    assert_eq!(
        states(&pool).await,
        clients
            .iter()
            .map(|c| ChildState::Running(c.id()))
            .collect::<Vec<_>>()
    );
}

// `DynamicSupervisor::start` (1.1): outside a tokio runtime it is
// `StartError::NoRuntime`, not a panic.
#[test]
fn starting_a_dynamic_supervisor_outside_a_runtime_is_no_runtime() {
    let started = futures_util::FutureExt::now_or_never(DynamicSupervisor::start(
        DynamicSupervisorSpec::new(),
    ));
    assert!(matches!(started, Some(Err(StartError::NoRuntime))));
}
