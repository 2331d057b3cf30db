//! docs/semantics.md, "Supervision": nested trees. A supervisor is a
//! child like any other; when it gives up, its parent sees `Shutdown`.

mod supervisor_support;

use std::time::Duration;

use genserver::prelude::*;
use supervisor_support::{Log, Probe, panicked, probe};

fn subtree(log: &Log, max_restarts: u32) -> SupervisorSpec {
    SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(max_restarts, Duration::from_secs(5)))
        .child(probe("x", log))
        .child(probe("y", log))
}

#[tokio::test(start_paused = true)]
async fn a_subtree_starts_in_order_and_stops_in_reverse_with_its_parent() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(ChildSpec::supervisor("sub", subtree(&log, 3)))
        .child(probe("b", &log));
    let root = Supervisor::start(spec).await.unwrap();
    assert_eq!(log.take(), ["start a", "start x", "start y", "start b"]);

    root.stop().await.unwrap();

    assert_eq!(
        log.take(),
        [
            "terminate b Shutdown",
            "terminate y Shutdown",
            "terminate x Shutdown",
            "terminate a Shutdown",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_supervisor_that_gives_up_is_restarted_and_escalation_travels_up() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1, Duration::from_secs(5)))
        .child(probe("a", &log))
        // Gives up at the first restart.
        .child(ChildSpec::supervisor("sub", subtree(&log, 0)));
    let root = Supervisor::start(spec).await.unwrap();
    let sub = root.child::<Supervisor>("sub").await.unwrap();
    let first_sub = sub.id();
    let x = sub.child::<Probe>("x").await.unwrap();
    log.take();

    // The subtree gives up; the root restarts it (restart 1 of 1).
    assert_eq!(x.boom().await, Err(CallError::Exited(panicked("boom x"))));
    // The subtree's client follows its restart, and its new children run.
    let x = loop {
        if let Ok(x) = sub.child::<Probe>("x").await
            && sub.id() != first_sub
        {
            break x;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(x.name().await, Ok("x"));
    assert_eq!(
        log.take(),
        [
            "terminate x Panicked { message: \"boom x\" }",
            "terminate y Shutdown",
            "start x",
            "start y",
        ]
    );

    // Again: the root's restart would be its second in 5 s, so it gives up.
    assert!(x.boom().await.is_err());
    assert_eq!(root.wait().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        [
            "terminate x Panicked { message: \"boom x\" }",
            "terminate y Shutdown",
            "terminate a Shutdown",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_transient_child_supervisor_that_gives_up_is_not_restarted() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor("sub", subtree(&log, 0)).restart(Restart::Transient));
    let root = Supervisor::start(spec).await.unwrap();
    let sub = root.child::<Supervisor>("sub").await.unwrap();
    let x = client_of(&sub, "x").await;
    assert!(x.boom().await.is_err());
    assert_eq!(sub.wait().await, ExitReason::Shutdown);
    // Shutdown is clean: a transient child that exits with it stays down.
    let state = loop {
        let children = root.which_children().await.unwrap();
        if children[0].state != genserver::ChildState::Running(sub.id()) {
            break children[0].state;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(state, genserver::ChildState::Stopped);
    assert!(root.is_alive());
}

async fn client_of(sup: &genserver::SupervisorClient, id: &str) -> supervisor_support::ProbeClient {
    sup.child::<Probe>(id).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_supervisor_aborted_by_its_parent_aborts_its_children() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor("sub", subtree(&log, 3)).shutdown(Shutdown::BrutalKill));
    let root = Supervisor::start(spec).await.unwrap();
    let sub = root.child::<Supervisor>("sub").await.unwrap();
    let x = sub.child::<Probe>("x").await.unwrap();
    log.take();

    root.stop().await.unwrap();

    assert_eq!(sub.wait().await, ExitReason::Killed);
    assert_eq!(x.wait().await, ExitReason::Killed);
    assert!(log.take().is_empty(), "no terminate ran");
}

// Semantics 15.1, 15.10: `ChildSpec::dynamic_supervisor` supervises a
// dynamic subtree, a supervisor child like any other: listed as one,
// given its children on demand, stopped with them in reverse order, and
// restarted (empty, its children being made on demand) when it gives up.
#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_child_supervises_a_subtree_of_its_own() {
    let log = Log::new();
    let pool_spec =
        DynamicSupervisorSpec::new().intensity(RestartIntensity::new(0, Duration::from_secs(5)));
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("a", &log))
        .child(ChildSpec::dynamic_supervisor("pool", pool_spec))
        .child(probe("b", &log));
    let root = Supervisor::start(spec).await.unwrap();
    let pool = root.child::<DynamicSupervisor>("pool").await.unwrap();
    let children = root.which_children().await.unwrap();
    assert_eq!(children[1].kind, genserver::ChildKind::Supervisor);
    assert_eq!(children[1].state, genserver::ChildState::Running(pool.id()));
    let x = pool
        .start_child(probe("x", &log))
        .await
        .unwrap()
        .client::<Probe>()
        .unwrap();
    let first_pool = pool.id();
    log.take();

    // The pool gives up at its first restart; the root restarts it, and
    // the pool's client follows.
    assert_eq!(x.boom().await, Err(CallError::Exited(panicked("boom x"))));
    for _ in 0..10_000 {
        if pool.id() != first_pool {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_ne!(pool.id(), first_pool, "the pool was not restarted");
    assert_eq!(x.name().await, Err(CallError::NoProc));
    assert!(pool.which_children().await.unwrap().is_empty());
    pool.start_child(probe("y", &log)).await.unwrap();

    root.stop().await.unwrap();
    assert_eq!(
        log.take(),
        [
            "terminate x Panicked { message: \"boom x\" }",
            "start y",
            "terminate b Shutdown",
            "terminate y Shutdown",
            "terminate a Shutdown",
        ]
    );
}
