//! docs/semantics.md, "Supervision": clients that survive restarts. The
//! client of a supervised child keeps working across its restarts, and
//! nothing queued for it is lost.

mod supervisor_support;

use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildState, SupervisorClient};
use supervisor_support::{Log, client, panicked, probe, states};

async fn one_probe(log: &Log) -> SupervisorClient {
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(1000, Duration::from_secs(1)))
        .child(probe("p", log));
    Supervisor::start(spec).await.unwrap()
}

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

#[tokio::test(start_paused = true)]
async fn messages_queued_when_a_child_crashes_are_handled_by_the_new_instance() {
    let log = Log::new();
    let sup = one_probe(&log).await;
    let p = client(&sup, "p").await;

    // The instance is busy for a second; behind it queue the crash, then
    // casts and calls.
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
