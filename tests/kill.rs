//! Kill: a server's task aborted from a client, OTP's
//! `Process.exit(pid, :kill)` (docs/semantics.md, 6.9).

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

mod runtime_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use genserver::prelude::*;
use genserver::{StopError, whereis};
use runtime_support::poll_once;
use tokio::sync::Notify;

type Log = Arc<Mutex<Vec<String>>>;

/// Sets its flag when dropped, to prove the state is gone.
struct Canary(Arc<AtomicBool>);

impl Drop for Canary {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Where a [`Victim`] waits for ever, once it has said so on `entered`.
#[derive(Clone, Default)]
struct Gates {
    init: Option<Arc<Notify>>,
    terminate: Option<Arc<Notify>>,
}

struct Victim {
    log: Log,
    gates: Gates,
    _canary: Canary,
}

#[genserver]
impl Victim {
    #[init]
    async fn init(log: Log, gates: Gates, dropped: Arc<AtomicBool>) -> Self {
        if let Some(entered) = &gates.init {
            entered.notify_one();
            std::future::pending::<()>().await;
        }
        Victim {
            log,
            gates,
            _canary: Canary(dropped),
        }
    }

    /// Tells `entered`, then never returns.
    #[call]
    async fn hang(&self, entered: Arc<Notify>) {
        entered.notify_one();
        std::future::pending::<()>().await;
    }

    #[call]
    fn ping(&self) -> u32 {
        7
    }

    #[cast]
    fn note(&mut self, n: u32) {
        self.log.lock().unwrap().push(format!("note {n}"));
    }

    /// What killing itself from its own handler gives.
    #[call]
    async fn kill_itself(&self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.server_ref().kill().await
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        self.log.lock().unwrap().push(format!("terminate {reason}"));
        if let Some(entered) = &self.gates.terminate {
            entered.notify_one();
            std::future::pending::<()>().await;
        }
        self.log.lock().unwrap().push("terminate ended".into());
    }
}

struct Started {
    victim: VictimClient,
    log: Log,
    dropped: Arc<AtomicBool>,
}

async fn victim(gates: Gates) -> Started {
    let log = Log::default();
    let dropped = Arc::new(AtomicBool::new(false));
    let victim = Victim::start(Arc::clone(&log), gates, Arc::clone(&dropped))
        .await
        .unwrap();
    Started {
        victim: victim.without_timeout(),
        log,
        dropped,
    }
}

/// Starts `victim.hang()` in a task and returns once the handler runs.
async fn hang(victim: &VictimClient) -> tokio::task::JoinHandle<Result<(), CallError>> {
    let entered = Arc::new(Notify::new());
    let caller = tokio::spawn({
        let (victim, entered) = (victim.clone(), Arc::clone(&entered));
        async move { victim.hang(entered).await }
    });
    entered.notified().await;
    caller
}

/// 6.9: a server stuck in a handler, which `stop` would wait for, is
/// killed: the handler goes no further, `terminate` does not run, the
/// state is dropped, and the caller in hand and those queued hear
/// `Killed`.
#[tokio::test(start_paused = true)]
async fn kill_ends_a_server_stuck_in_a_handler_without_terminate() {
    let Started {
        victim,
        log,
        dropped,
    } = victim(Gates::default()).await;
    let in_hand = hang(&victim).await;
    let queued = victim.ping();
    tokio::pin!(queued);
    assert!(poll_once(queued.as_mut()).await.is_none());

    victim.kill().await.unwrap();

    assert!(dropped.load(Ordering::SeqCst), "the state is dropped");
    assert!(!victim.is_alive());
    assert_eq!(victim.wait().await, ExitReason::Killed);
    assert_eq!(
        in_hand.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(queued.await, Err(CallError::Exited(ExitReason::Killed)));
    assert!(log.lock().unwrap().is_empty(), "terminate did not run");
}

/// 6.9: `NoProc` once the server has ended; `CallingSelf` from its own
/// handler, which does not kill it.
#[tokio::test(start_paused = true)]
async fn kill_refuses_an_ended_server_and_its_own_handler() {
    let Started { victim, .. } = victim(Gates::default()).await;
    assert_eq!(victim.kill_itself().await, Ok(Err(StopError::CallingSelf)));
    assert_eq!(victim.ping().await, Ok(7));

    victim.stop().await.unwrap();
    assert_eq!(victim.kill().await, Err(StopError::NoProc));
    assert_eq!(victim.wait().await, ExitReason::Normal);
}

/// 6.9, 16, 17: monitors hear `Killed`; a link carries it to a server
/// that does not trap exits, which ends with it, and to one that traps
/// them as an `Exit`, before `kill` returns.
#[tokio::test(start_paused = true)]
async fn a_kill_reaches_monitors_and_links_as_killed() {
    let Started { victim, .. } = victim(Gates::default()).await;
    let plain = Peer::start(Peer::default()).await.unwrap();
    let trapping = Peer::start(Peer::default()).await.unwrap();
    plain.link_to(victim.clone(), false).await.unwrap();
    trapping.link_to(victim.clone(), true).await.unwrap();
    let down = victim.server_ref().monitor();

    victim.kill().await.unwrap();

    assert_eq!(down.await.reason, ExitReason::Killed);
    assert_eq!(plain.wait().await, ExitReason::Killed);
    assert_eq!(
        trapping.exits().await.unwrap(),
        vec![(victim.id(), ExitReason::Killed)]
    );
    trapping.stop().await.unwrap();
}

/// Links itself to a server and records the exits it traps.
#[derive(Default)]
struct Peer {
    exits: Vec<(ServerId, ExitReason)>,
}

#[genserver]
impl Peer {
    #[call]
    fn link_to(&mut self, other: VictimClient, trap: bool, ctx: &mut Context<Self>) {
        ctx.trap_exits(trap);
        ctx.link(&other);
    }

    #[call]
    fn exits(&self) -> Vec<(ServerId, ExitReason)> {
        self.exits.clone()
    }

    #[info]
    fn exited(&mut self, exit: Exit) {
        self.exits.push((exit.from, exit.reason));
    }
}

/// 6.9, 15.11: a killed permanent child is restarted behind the same
/// address, and the message queued behind the handler the kill cut short
/// is handled by the new instance.
#[tokio::test(start_paused = true)]
async fn a_killed_child_is_restarted_with_its_queue() {
    let log = Log::default();
    let spec =
        SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::server::<Victim>("victim", {
            let log = Arc::clone(&log);
            move || (Arc::clone(&log), Gates::default(), Arc::default())
        }));
    let sup = Supervisor::start(spec).await.unwrap();
    let victim = sup.child::<Victim>("victim").await.unwrap();
    let first = victim.id();
    let in_hand = hang(&victim).await;
    victim.note(1).await.unwrap();

    victim.kill().await.unwrap();

    assert_eq!(
        in_hand.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(victim.ping().await, Ok(7), "restarted behind the address");
    assert_ne!(victim.id(), first);
    assert_eq!(*log.lock().unwrap(), ["note 1"], "the queue was kept");
    assert_eq!(victim.stats().await.unwrap().restarts, 1);
    sup.stop().await.unwrap();
}

/// 6.5, 6.9: a kill while `terminate` runs cuts it short; the server
/// keeps the reason it was stopping with, and the `stop` that was
/// waiting returns.
#[tokio::test(start_paused = true)]
async fn a_kill_during_terminate_keeps_the_reason_and_ends_it() {
    let entered = Arc::new(Notify::new());
    let Started { victim, log, .. } = victim(Gates {
        terminate: Some(Arc::clone(&entered)),
        ..Gates::default()
    })
    .await;
    let stopping = tokio::spawn({
        let victim = victim.clone();
        async move { victim.stop_with(ExitReason::Shutdown).await }
    });
    entered.notified().await;

    victim.kill().await.unwrap();

    assert_eq!(stopping.await.unwrap(), Ok(()));
    assert_eq!(victim.wait().await, ExitReason::Shutdown);
    assert_eq!(*log.lock().unwrap(), ["terminate shutdown"]);
}

/// 1, 6.9: a server killed in its `init`, found by its name meanwhile,
/// fails its start with `Killed`, and its name is free again.
#[tokio::test(start_paused = true)]
async fn a_kill_during_init_fails_the_start() {
    let entered = Arc::new(Notify::new());
    let gates = Gates {
        init: Some(Arc::clone(&entered)),
        ..Gates::default()
    };
    let starting = tokio::spawn(Victim::start_with(
        Log::default(),
        gates,
        Arc::default(),
        StartOptions::named("victim"),
    ));
    entered.notified().await;

    let found = whereis::<Victim>("victim").expect("named before init");
    found.kill().await.unwrap();

    assert_eq!(
        starting.await.unwrap().err(),
        Some(StartError::Init(ExitReason::Killed))
    );
    assert!(whereis::<Victim>("victim").is_none());
}

/// 6.9, 15.7: a killed supervisor takes its children with it, each
/// aborted as by `BrutalKill`.
#[tokio::test(start_paused = true)]
async fn killing_a_supervisor_kills_its_children() {
    let log = Log::default();
    let spec =
        SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::server::<Victim>("victim", {
            let log = Arc::clone(&log);
            move || (Arc::clone(&log), Gates::default(), Arc::default())
        }));
    let sup = Supervisor::start(spec).await.unwrap();
    let victim = sup.child::<Victim>("victim").await.unwrap();

    sup.kill().await.unwrap();

    assert_eq!(sup.wait().await, ExitReason::Killed);
    assert_eq!(victim.wait().await, ExitReason::Killed);
    assert!(log.lock().unwrap().is_empty(), "no terminate ran");
}

/// 6.4, 6.9: OTP's stop with a timeout: a `stop` given up on after its
/// time still stands, and a kill then ends the server, stuck in its
/// handler, with `Killed`.
#[tokio::test(start_paused = true)]
async fn a_stop_that_timed_out_is_followed_by_a_kill() {
    let Started { victim, log, .. } = victim(Gates::default()).await;
    let in_hand = hang(&victim).await;

    let stop = tokio::time::timeout(std::time::Duration::from_secs(1), victim.stop()).await;
    assert!(stop.is_err(), "the handler holds the server");
    victim.kill().await.unwrap();

    assert_eq!(victim.wait().await, ExitReason::Killed);
    assert_eq!(
        in_hand.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert!(log.lock().unwrap().is_empty(), "terminate did not run");
}

/// 6.4, 6.9 on two workers: a kill racing a stop, a call and a cast
/// always ends the server once, with one of the two reasons, and every
/// request gets its outcome (`NoProc` for a call made once it had
/// ended).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_racing_a_stop_ends_the_server_once() {
    for _ in 0..500 {
        let Started { victim, .. } = victim(Gates::default()).await;
        let killer = tokio::spawn({
            let victim = victim.clone();
            async move { victim.kill().await }
        });
        let stopper = tokio::spawn({
            let victim = victim.clone();
            async move { victim.stop().await }
        });
        let call = victim.ping().await;
        let cast = victim.note(1).await;

        let kill = killer.await.unwrap();
        let stop = stopper.await.unwrap();
        let reason = victim.wait().await;
        assert!(
            matches!(reason, ExitReason::Killed | ExitReason::Normal),
            "{reason:?}"
        );
        for outcome in [kill, stop] {
            assert!(
                matches!(outcome, Ok(()) | Err(StopError::NoProc)),
                "{outcome:?}"
            );
        }
        assert!(
            call == Ok(7)
                || call == Err(CallError::Exited(reason.clone()))
                || call == Err(CallError::NoProc),
            "{call:?} with {reason:?}"
        );
        drop(cast);
    }
}
