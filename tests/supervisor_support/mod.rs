//! A worker for the supervision tests that writes what happens to it in a
//! shared log: starts, failed starts, and the reason `terminate` was given.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildSpec, ChildState, SupervisorClient};
use tokio::time::Instant;

/// Events in the order they happened; with `timed`, each is prefixed by
/// the milliseconds since the log was made (under the paused clock).
#[derive(Clone)]
pub(crate) struct Log {
    entries: Arc<Mutex<Vec<String>>>,
    began: Option<Instant>,
}

impl Log {
    pub(crate) fn new() -> Self {
        Log {
            entries: Arc::default(),
            began: None,
        }
    }

    pub(crate) fn timed() -> Self {
        Log {
            entries: Arc::default(),
            began: Some(Instant::now()),
        }
    }

    pub(crate) fn push(&self, entry: String) {
        let entry = match self.began {
            Some(began) => format!("{} {entry}", began.elapsed().as_millis()),
            None => entry,
        };
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    /// The entries so far, emptying the log.
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Clone)]
pub(crate) struct ProbeArgs {
    pub(crate) name: &'static str,
    pub(crate) log: Log,
    /// How many of the next starts fail.
    pub(crate) failing_starts: Arc<AtomicUsize>,
    /// How many of the next starts panic, after logging "panic NAME".
    pub(crate) panicking_starts: Arc<AtomicUsize>,
    /// How long `terminate` takes.
    pub(crate) terminate_takes: Duration,
    /// How long `init` takes, after logging "initializing NAME".
    pub(crate) init_takes: Duration,
    /// Whether `terminate` panics once it has logged and taken its time.
    pub(crate) terminate_panics: bool,
}

impl ProbeArgs {
    pub(crate) fn new(name: &'static str, log: &Log) -> Self {
        ProbeArgs {
            name,
            log: log.clone(),
            failing_starts: Arc::default(),
            panicking_starts: Arc::default(),
            terminate_takes: Duration::ZERO,
            init_takes: Duration::ZERO,
            terminate_panics: false,
        }
    }
}

/// A worker that records the numbers it is sent.
pub(crate) struct Probe {
    name: &'static str,
    log: Log,
    seen: Vec<u64>,
    terminate_takes: Duration,
    terminate_panics: bool,
}

impl Probe {
    /// What this instance has recorded, for `inspect_state`.
    pub(crate) fn recorded(&self) -> &[u64] {
        &self.seen
    }
}

#[genserver]
impl Probe {
    #[init]
    async fn init(args: ProbeArgs) -> Result<Self, String> {
        if !args.init_takes.is_zero() {
            args.log.push(format!("initializing {}", args.name));
            tokio::time::sleep(args.init_takes).await;
        }
        if take_one(&args.panicking_starts) {
            args.log.push(format!("panic {}", args.name));
            panic!("{} panics in init", args.name);
        }
        if take_one(&args.failing_starts) {
            args.log.push(format!("fail {}", args.name));
            return Err(format!("{} cannot start", args.name));
        }
        args.log.push(format!("start {}", args.name));
        Ok(Probe {
            name: args.name,
            log: args.log,
            seen: Vec::new(),
            terminate_takes: args.terminate_takes,
            terminate_panics: args.terminate_panics,
        })
    }

    /// The worker's name.
    #[call]
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Records `n` and returns it.
    #[call]
    pub(crate) fn echo(&mut self, n: u64) -> u64 {
        self.seen.push(n);
        n
    }

    /// Records `n`.
    #[cast]
    pub(crate) fn note(&mut self, n: u64) {
        self.seen.push(n);
    }

    /// What this instance has recorded.
    #[call]
    pub(crate) fn seen(&self) -> Vec<u64> {
        self.seen.clone()
    }

    /// Replies after `d`.
    #[call]
    pub(crate) async fn sleep(&self, d: Duration) -> u64 {
        tokio::time::sleep(d).await;
        0
    }

    /// Panics with "boom NAME".
    #[call]
    pub(crate) fn boom(&self) -> u64 {
        panic!("boom {}", self.name)
    }

    /// Records `n`, panicking instead when `n` is a multiple of `every`.
    #[call]
    pub(crate) fn echo_or_panic(&mut self, n: u64, every: u64) -> u64 {
        assert!(!n.is_multiple_of(every), "unlucky {n}");
        self.seen.push(n);
        n
    }

    /// Links this instance with the one behind `other`.
    #[call]
    pub(crate) fn link(&mut self, other: ProbeClient, ctx: &mut Context<Self>) {
        ctx.link(&other);
    }

    /// Stops with `reason`.
    #[cast]
    pub(crate) fn exit(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        self.log.push(format!("exit {} {reason:?}", self.name));
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate {} {reason:?}", self.name));
        if !self.terminate_takes.is_zero() {
            tokio::time::sleep(self.terminate_takes).await;
            self.log.push(format!("terminated {}", self.name));
        }
        assert!(!self.terminate_panics, "terminate of {} panics", self.name);
    }
}

/// Takes one from `n` unless it is zero; whether it did.
fn take_one(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// A permanent probe child with default shutdown.
pub(crate) fn probe(name: &'static str, log: &Log) -> ChildSpec {
    let args = ProbeArgs::new(name, log);
    ChildSpec::server::<Probe>(name, move || args.clone())
}

/// A probe child built from `args`.
pub(crate) fn probe_with(args: ProbeArgs) -> ChildSpec {
    ChildSpec::server::<Probe>(args.name, move || args.clone())
}

/// The states of the supervisor's children, by id.
pub(crate) async fn states(sup: &SupervisorClient) -> Vec<(String, ChildState)> {
    sup.which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id.to_string(), c.state))
        .collect()
}

/// The probe client of a child.
pub(crate) async fn client(sup: &SupervisorClient, id: &str) -> ProbeClient {
    sup.child::<Probe>(id).await.unwrap()
}

/// Crashes the probe with a panic and waits until its supervisor has
/// restarted it: the call after the crash is queued in the same mailbox
/// and answered by the new instance.
pub(crate) async fn crash_and_await_restart(probe: &ProbeClient) {
    assert!(matches!(
        probe.boom().await,
        Err(CallError::Exited(ExitReason::Panicked { .. }))
    ));
    probe.name().await.unwrap();
}

/// Crashes the probe named `name` once more than its supervisor's
/// restart intensity allows: its caller hears the panic, and the
/// supervisor gives up with `Shutdown`.
pub(crate) async fn crash_past_the_intensity(
    sup: &SupervisorClient,
    probe: &ProbeClient,
    name: &str,
) {
    assert_eq!(
        probe.boom().await,
        Err(CallError::Exited(panicked(&format!("boom {name}"))))
    );
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

pub(crate) fn panicked(message: &str) -> ExitReason {
    ExitReason::Panicked {
        message: Arc::from(message),
    }
}

/// Waits until the supervisor no longer reports child `id` as running the
/// instance `old`, and returns what it reports then (`None`: forgotten).
/// Exit notices reach the supervisor through its mailbox, after the
/// child's task has ended; this polls until one has been handled.
pub(crate) async fn settle(
    sup: &SupervisorClient,
    id: &str,
    old: genserver::ServerId,
) -> Option<ChildState> {
    for _ in 0..10_000 {
        let now = states(sup).await.into_iter().find(|(c, _)| c == id);
        match now {
            Some((_, ChildState::Running(running))) if running == old => {}
            other => return other.map(|(_, state)| state),
        }
        tokio::task::yield_now().await;
    }
    panic!("child {id} still runs {old:?}");
}

/// Milliseconds since `began`.
pub(crate) fn ms(began: Instant) -> u128 {
    began.elapsed().as_millis()
}
