//! docs/semantics.md, "Supervision": restart types against exit reasons.
//! `Normal` and `Shutdown` are clean; panics, errors and `Killed` are not.

mod supervisor_support;

use std::time::Duration;

use genserver::ChildState;
use genserver::prelude::*;
use supervisor_support::{Log, client, probe, settle};

#[derive(Debug, Clone, Copy, PartialEq)]
enum After {
    Restarted,
    Stopped,
    Forgotten,
}

async fn exit_once(restart: Restart, reason: &str) -> After {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(RestartIntensity::new(10, Duration::from_secs(5)))
        .child(probe("x", &log).restart(restart));
    let sup = Supervisor::start(spec).await.unwrap();
    let x = client(&sup, "x").await;
    let old = x.id();
    match reason {
        "panic" => assert!(x.boom().await.is_err()),
        "normal" => x.exit(ExitReason::Normal).await.unwrap(),
        "shutdown" => x.exit(ExitReason::Shutdown).await.unwrap(),
        "error" => x.exit(ExitReason::error("bad")).await.unwrap(),
        "killed" => x.exit(ExitReason::Killed).await.unwrap(),
        _ => unreachable!(),
    }
    let after = match settle(&sup, "x", old).await {
        Some(ChildState::Running(new)) => {
            assert_ne!(new, old);
            assert_eq!(x.id(), new);
            assert_eq!(x.name().await, Ok("x"));
            After::Restarted
        }
        Some(ChildState::Stopped) => {
            assert_eq!(x.name().await, Err(CallError::NoProc));
            After::Stopped
        }
        Some(other) => panic!("unexpected state {other:?}"),
        None => {
            assert_eq!(x.name().await, Err(CallError::NoProc));
            After::Forgotten
        }
    };
    assert!(sup.is_alive());
    sup.stop().await.unwrap();
    after
}

#[tokio::test(start_paused = true)]
async fn restart_type_by_exit_reason() {
    use After::{Forgotten, Restarted, Stopped};
    let reasons = ["normal", "shutdown", "panic", "error", "killed"];
    let expected = [
        (
            Restart::Permanent,
            [Restarted, Restarted, Restarted, Restarted, Restarted],
        ),
        (
            Restart::Transient,
            [Stopped, Stopped, Restarted, Restarted, Restarted],
        ),
        (
            Restart::Temporary,
            [Forgotten, Forgotten, Forgotten, Forgotten, Forgotten],
        ),
    ];
    for (restart, row) in expected {
        for (reason, want) in reasons.iter().zip(row) {
            assert_eq!(
                exit_once(restart, reason).await,
                want,
                "{restart:?} after {reason}"
            );
        }
    }
}

/// 10, 15.4: a supervisor does not end because a child finished (OTP's
/// significant children are not provided); the recipe the docs give
/// instead, a monitor on the child and a stop on its `Down`, ends it.
#[tokio::test(start_paused = true)]
async fn a_supervisor_outlives_a_finished_child_until_stopped_on_its_down() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(probe("job", &log).restart(Restart::Transient))
        .child(probe("other", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let job = client(&sup, "job").await;
    let down = job.server_ref().monitor();

    job.exit(ExitReason::Normal).await.unwrap();
    assert_eq!(down.await.reason, ExitReason::Normal);
    assert!(
        sup.is_alive(),
        "a finished child does not end its supervisor"
    );
    assert_eq!(
        client(&sup, "other").await.name().await,
        Ok("other"),
        "nor its siblings"
    );

    sup.stop().await.unwrap();
    assert_eq!(sup.wait().await, ExitReason::Normal);
}
