//! docs/semantics.md, "Supervision": the admin API of a supervisor.

mod supervisor_support;

use std::sync::atomic::Ordering;

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
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
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
