//! A cast or info handler that returns `Err(ExitReason)` stops the server
//! with that reason, and an `#[init]` that returns one fails the start
//! with it: OTP's `{:stop, reason, state}` and `{:stop, reason}`
//! (docs/semantics.md, 5.1).

use std::sync::{Arc, Mutex};

use genserver::prelude::*;

type Log = Arc<Mutex<Vec<String>>>;

struct Quitter {
    log: Log,
}

/// Asks the server to stop with this reason, as an info message.
struct QuitWith(ExitReason);

#[genserver]
impl Quitter {
    #[init]
    fn init(log: Log, refuse: Option<ExitReason>) -> Result<Self, ExitReason> {
        match refuse {
            Some(reason) => Err(reason),
            None => Ok(Quitter { log }),
        }
    }

    /// Stops with `reason` if there is one, else keeps serving.
    #[cast]
    fn quit(&mut self, reason: Option<ExitReason>) -> Result<(), ExitReason> {
        reason.map_or(Ok(()), Err)
    }

    #[info]
    fn quit_with(&mut self, QuitWith(reason): QuitWith) -> Result<(), ExitReason> {
        Err(reason)
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.lock().unwrap().push(format!("terminate {reason}"));
    }
}

fn new_log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

#[tokio::test]
async fn a_cast_that_returns_a_reason_stops_the_server_with_it() {
    for reason in [ExitReason::Normal, ExitReason::Shutdown, ExitReason::Killed] {
        let log = new_log();
        let server = Quitter::start(log.clone(), None).await.unwrap();
        server.quit(None).await.unwrap();
        server.ping().await.unwrap();
        server.quit(Some(reason.clone())).await.unwrap();
        assert_eq!(server.wait().await, reason);
        assert_eq!(*log.lock().unwrap(), [format!("terminate {reason}")]);
    }
}

#[tokio::test]
async fn an_info_handler_that_returns_a_reason_stops_the_server_with_it() {
    let log = new_log();
    let server = Quitter::start(log.clone(), None).await.unwrap();
    server.info(QuitWith(ExitReason::Shutdown)).await.unwrap();
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(*log.lock().unwrap(), ["terminate shutdown"]);
}

#[tokio::test]
async fn an_init_that_returns_a_reason_fails_the_start_with_it() {
    let log = new_log();
    let started = Quitter::start(log.clone(), Some(ExitReason::Shutdown)).await;
    assert!(
        matches!(started, Err(StartError::Init(ExitReason::Shutdown))),
        "{started:?}"
    );
    assert!(log.lock().unwrap().is_empty(), "terminate does not run");
}

/// A transient child that returns `Err(ExitReason::Normal)` has ended
/// cleanly: it is not restarted.
#[tokio::test(start_paused = true)]
async fn a_transient_child_that_returns_normal_is_not_restarted() {
    let log = new_log();
    let supervisor = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(
            ChildSpec::server::<Quitter>("quitter", {
                let log = log.clone();
                move || (log.clone(), None)
            })
            .restart(Restart::Transient),
        ),
    )
    .await
    .unwrap();
    let child = supervisor.child::<Quitter>("quitter").await.unwrap();
    child.quit(Some(ExitReason::Normal)).await.unwrap();
    assert_eq!(child.server_ref().wait().await, ExitReason::Normal);
    let children = supervisor.which_children().await.unwrap();
    assert_eq!(children[0].state, genserver::ChildState::Stopped);
}
