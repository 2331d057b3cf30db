//! Continues run before anything queued; the idle timeout fires once when
//! no message arrives, and only messages cancel it (docs/semantics.md,
//! section 8).

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

mod runtime_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::IdleTimeout;
use genserver::prelude::*;
use runtime_support::without_a_timer;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

type Log = Arc<Mutex<Vec<String>>>;

/// Logs what it handles; asks for continues and idle timeouts on request.
struct Idler {
    log: Log,
    timeouts: mpsc::UnboundedSender<Instant>,
}

struct IdlerArgs {
    log: Log,
    timeouts: mpsc::UnboundedSender<Instant>,
    /// A continue asked for by `init`.
    continue_from_init: bool,
    /// An idle timeout asked for by `init`.
    idle_from_init: Option<Duration>,
}

/// A continue: logs `name`, then asks for `then`, if any.
struct Step {
    name: &'static str,
    then: Option<&'static str>,
}

/// A continue that asks for an idle timeout of `.0`.
struct IdleFromContinue(Duration);

/// A timer's message, cancelled once queued.
struct Stale;

/// Holds the server in a handler: notifies `.0` on entering, waits for `.1`.
struct Hold(Arc<Notify>, Arc<Notify>);

/// A continue that stops the server.
struct StopHere;

#[genserver]
impl Idler {
    #[init]
    async fn init(
        args: IdlerArgs,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        if let Some(after) = args.idle_from_init {
            ctx.set_idle_timeout(after);
        }
        if args.continue_from_init {
            ctx.continue_with(Step {
                name: "from init",
                then: None,
            });
        }
        Ok(Idler {
            log: args.log,
            timeouts: args.timeouts,
        })
    }

    #[call]
    fn idle_after(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(after);
    }

    /// Asks for an idle timeout, then goes on working for `busy`.
    #[call]
    async fn idle_after_working(
        &mut self,
        after: Duration,
        busy: Duration,
        ctx: &mut Context<Self>,
    ) {
        ctx.set_idle_timeout(after);
        tokio::time::sleep(busy).await;
    }

    /// Lets a timer's message arrive while it works, cancels that timer,
    /// and asks for an idle timeout: the message waits in the mailbox, to
    /// be dropped unhandled.
    #[call]
    async fn idle_after_a_cancelled_timer(&mut self, after: Duration, ctx: &mut Context<Self>) {
        let timer = ctx.send_after(MS, Stale);
        tokio::time::sleep(10 * MS).await;
        timer.cancel();
        ctx.set_idle_timeout(after);
    }

    #[info]
    fn stale(&mut self, _: Stale) {
        self.log.lock().unwrap().push("stale".to_string());
    }

    /// Asks for an idle timeout, then withdraws it.
    #[call]
    fn idle_after_then_cancel(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(after);
        ctx.cancel_idle_timeout();
    }

    /// Asks for an idle timeout of `first`, then of `second`.
    #[call]
    fn idle_after_twice(&mut self, first: Duration, second: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(first);
        ctx.set_idle_timeout(second);
    }

    /// Asks for a continue that stops the server, then for another one.
    #[call]
    fn continue_to_stop(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(StopHere);
        ctx.continue_with(Step {
            name: "after the stop",
            then: None,
        });
    }

    #[info]
    fn stop_here(&mut self, _: StopHere, ctx: &mut Context<Self>) {
        self.log.lock().unwrap().push("stopping".to_string());
        ctx.stop(ExitReason::Normal);
    }

    /// Asks for an idle timeout and for a continue.
    #[call]
    fn idle_after_and_continue(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(after);
        ctx.continue_with(Step {
            name: "continued",
            then: None,
        });
    }

    /// Asks for a continue that asks for the idle timeout.
    #[call]
    fn continue_then_idle_after(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.continue_with(IdleFromContinue(after));
    }

    #[info]
    fn idle_from_continue(
        &mut self,
        IdleFromContinue(after): IdleFromContinue,
        ctx: &mut Context<Self>,
    ) {
        self.log.lock().unwrap().push("continued".to_string());
        ctx.set_idle_timeout(after);
    }

    #[cast]
    fn note(&mut self, text: &'static str) {
        self.log.lock().unwrap().push(text.to_string());
    }

    /// Holds, then asks for a continue chain `first` -> `second`.
    #[info]
    async fn hold(&mut self, Hold(entered, gate): Hold, ctx: &mut Context<Self>) {
        entered.notify_one();
        gate.notified().await;
        ctx.continue_with(Step {
            name: "first",
            then: Some("second"),
        });
    }

    #[info]
    fn step(&mut self, step: Step, ctx: &mut Context<Self>) {
        self.log.lock().unwrap().push(step.name.to_string());
        if let Some(next) = step.then {
            ctx.continue_with(Step {
                name: next,
                then: None,
            });
        }
    }

    #[info]
    fn idle(&mut self, _: IdleTimeout) {
        self.log.lock().unwrap().push("idle".to_string());
        let _ = self.timeouts.send(Instant::now());
    }

    /// Asks for two continues; the first asks for a third.
    #[call]
    fn two_continues(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(Step {
            name: "first",
            then: Some("third"),
        });
        ctx.continue_with(Step {
            name: "second",
            then: None,
        });
    }

    #[call]
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

async fn idler(continue_from_init: bool) -> (IdlerClient, mpsc::UnboundedReceiver<Instant>) {
    idler_with(continue_from_init, None).await
}

async fn idler_with(
    continue_from_init: bool,
    idle_from_init: Option<Duration>,
) -> (IdlerClient, mpsc::UnboundedReceiver<Instant>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let idler = Idler::start(IdlerArgs {
        log: Log::default(),
        timeouts: tx,
        continue_from_init,
        idle_from_init,
    })
    .await
    .unwrap();
    (idler, rx)
}

/// Holds `idler` in a handler that asks for the continues `first` and
/// `second` once the returned gate is opened, so that what is sent next
/// waits in its mailbox.
async fn hold(idler: &IdlerClient) -> Arc<Notify> {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    idler
        .info(Hold(entered.clone(), gate.clone()))
        .await
        .unwrap();
    entered.notified().await;
    gate
}

fn count(log: &[String], what: &str) -> usize {
    log.iter().filter(|l| *l == what).count()
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_fires_once_after_the_duration() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after(100 * MS).await.unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 100 * MS);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(count(&idler.log().await.unwrap(), "idle"), 1);
}

// As OTP's `{:noreply, state, timeout}`, the time counts from when the
// server waits again, not from when the handler asked.
#[tokio::test(start_paused = true)]
async fn the_idle_timeout_counts_from_the_end_of_the_handler_that_asked() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after_working(100 * MS, 150 * MS).await.unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 250 * MS);
}

#[tokio::test(start_paused = true)]
async fn a_message_cancels_the_idle_timeout() {
    let (idler, _timeouts) = idler(false).await;
    idler.idle_after(100 * MS).await.unwrap();
    tokio::time::sleep(50 * MS).await;
    idler.note("busy").await.unwrap();

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(count(&idler.log().await.unwrap(), "idle"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_stats_request_does_not_cancel_the_idle_timeout() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after(100 * MS).await.unwrap();
    tokio::time::sleep(50 * MS).await;
    let handled = idler.stats().await.unwrap().messages_handled;

    assert_eq!(timeouts.recv().await.unwrap() - began, 100 * MS);
    // The request was not counted as a handled message either.
    assert_eq!(handled, 1);
}

#[tokio::test(start_paused = true)]
async fn continues_run_before_messages_already_queued_and_chain() {
    let (idler, _timeouts) = idler(false).await;
    let gate = hold(&idler).await;

    // Queued while the server holds.
    idler.note("queued 1").await.unwrap();
    idler.note("queued 2").await.unwrap();
    gate.notify_one();

    assert_eq!(
        idler.log().await.unwrap(),
        vec!["first", "second", "queued 1", "queued 2"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_continue_from_init_runs_before_the_first_message() {
    let (idler, _timeouts) = idler(true).await;
    idler.note("after start").await.unwrap();
    assert_eq!(idler.log().await.unwrap(), vec!["from init", "after start"]);
}

/// 8.2: a continue asked for by the handler that set the idle timeout
/// cancels it before it starts counting: no `IdleTimeout` ever arrives.
#[tokio::test(start_paused = true)]
async fn a_continue_from_the_handler_that_set_the_idle_timeout_cancels_it() {
    let (idler, mut timeouts) = idler(false).await;
    idler.idle_after_and_continue(100 * MS).await.unwrap();

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(idler.log().await.unwrap(), vec!["continued"]);
    assert!(timeouts.try_recv().is_err());
}

/// 8.2: the same from `init`: a continue asked for by `init` cancels the
/// idle timeout `init` set.
#[tokio::test(start_paused = true)]
async fn a_continue_from_init_cancels_the_idle_timeout_init_set() {
    let (idler, mut timeouts) = idler_with(true, Some(100 * MS)).await;

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(idler.log().await.unwrap(), vec!["from init"]);
    assert!(timeouts.try_recv().is_err());
}

/// 8.2: an idle timeout set from the continue's handler counts from the
/// end of that continue and fires.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_set_from_a_continue_fires() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.continue_then_idle_after(100 * MS).await.unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 100 * MS);
    assert_eq!(idler.log().await.unwrap(), vec!["continued", "idle"]);
}

// Semantics 8.2: on a runtime built without tokio's timer the idle timeout
// still arrives (a thread keeps it, as for call deadlines, 3.4) instead of
// the server's loop panicking.
#[test]
fn the_idle_timeout_arrives_on_a_runtime_without_a_timer() {
    let log = without_a_timer(|| async {
        let (idler, mut timeouts) = idler(false).await;
        idler.idle_after(Duration::from_millis(20)).await.unwrap();
        timeouts.recv().await.expect("an idle timeout");
        idler.note("after").await.unwrap();
        idler.log().await.unwrap()
    });
    assert_eq!(log, Some(vec!["idle".to_string(), "after".to_string()]));
}

/// 8.1: continues run first in, first out: two asked for by one handler
/// run in the order given, and one asked for by the first runs after the
/// second, already pending.
#[tokio::test(start_paused = true)]
async fn continues_run_first_in_first_out() {
    let (idler, _timeouts) = idler(false).await;
    idler.two_continues().await.unwrap();
    assert_eq!(idler.log().await.unwrap(), ["first", "second", "third"]);
}

/// 2.4: a pending stop comes before a pending continue: a stop requested
/// while the handler that asks for a continue runs ends the server before
/// the continue is handled.
#[tokio::test(start_paused = true)]
async fn a_pending_stop_comes_before_a_pending_continue() {
    let (log, (tx, _timeouts)) = (Log::default(), mpsc::unbounded_channel());
    let idler = Idler::start(IdlerArgs {
        log: log.clone(),
        timeouts: tx,
        continue_from_init: false,
        idle_from_init: None,
    })
    .await
    .unwrap();
    let gate = hold(&idler).await;
    let mut stopping = Box::pin(idler.stop_with(ExitReason::Shutdown));
    assert!(
        runtime_support::poll_once(stopping.as_mut())
            .await
            .is_none()
    );
    // `hold` now asks for its continue, and returns.
    gate.notify_one();
    stopping.await.unwrap();
    assert_eq!(idler.wait().await, ExitReason::Shutdown);
    assert!(log.lock().unwrap().is_empty(), "{:?}", log.lock().unwrap());
}

/// 8.1 and 2.4: a continue that calls `ctx.stop` ends the server before
/// the continues queued behind it, as a stop comes before any continue.
#[tokio::test(start_paused = true)]
async fn a_continue_that_stops_the_server_ends_it_before_the_continues_behind_it() {
    let (log, (tx, _timeouts)) = (Log::default(), mpsc::unbounded_channel());
    let idler = Idler::start(IdlerArgs {
        log: log.clone(),
        timeouts: tx,
        continue_from_init: false,
        idle_from_init: None,
    })
    .await
    .unwrap();
    idler.continue_to_stop().await.unwrap();
    assert_eq!(idler.wait().await, ExitReason::Normal);
    assert_eq!(*log.lock().unwrap(), ["stopping"]);
}

/// 8.2: `ctx.cancel_idle_timeout()` withdraws the idle timeout the same
/// handler asked for: none ever arrives.
#[tokio::test(start_paused = true)]
async fn a_cancelled_idle_timeout_never_fires() {
    let (idler, mut timeouts) = idler(false).await;
    idler.idle_after_then_cancel(100 * MS).await.unwrap();

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(timeouts.try_recv().is_err());
    assert_eq!(idler.log().await.unwrap(), Vec::<String>::new());
}

/// 8.2: asking again replaces the pending idle timeout: only the second
/// fires, at its own time, and once.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_asked_for_again_replaces_the_first() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after_twice(10 * MS, 500 * MS).await.unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 500 * MS);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(count(&idler.log().await.unwrap(), "idle"), 1);
}

/// 8.2 and 9.2: a `stats` request waiting when the handler that asked for
/// an idle timeout of zero returns is not a message: the timeout still
/// fires, once, as that handler returns.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_of_zero_fires_though_a_stats_request_is_waiting() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    let mut asking = Box::pin(idler.idle_after_working(Duration::ZERO, 10 * MS));
    assert!(runtime_support::poll_once(asking.as_mut()).await.is_none());
    let mut stats = Box::pin(idler.stats());
    assert!(runtime_support::poll_once(stats.as_mut()).await.is_none());
    asking.await.unwrap();
    stats.await.unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 10 * MS);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(idler.log().await.unwrap(), ["idle"]);
}

/// 8.2: `inspect_state` and `replace_state` neither cancel the idle
/// timeout nor restart its count.
#[tokio::test(start_paused = true)]
async fn state_requests_neither_cancel_nor_restart_the_idle_timeout() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after(100 * MS).await.unwrap();
    tokio::time::sleep(40 * MS).await;
    idler.inspect_state(|_| ()).await.unwrap();
    tokio::time::sleep(40 * MS).await;
    idler
        .replace_state(|old| Idler {
            log: old.log.clone(),
            timeouts: old.timeouts.clone(),
        })
        .await
        .unwrap();

    assert_eq!(timeouts.recv().await.unwrap() - began, 100 * MS);
}

/// 8.2: an idle timeout past what tokio's clock can hold never fires, and
/// the server runs on instead of overflowing the clock.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_past_the_end_of_the_clock_never_fires() {
    let (idler, mut timeouts) = idler(false).await;
    idler.idle_after(Duration::MAX).await.unwrap();
    // A hundred years later (tokio's `sleep` waits no longer than thirty).
    tokio::time::sleep(Duration::from_secs(100 * 365 * 24 * 3600)).await;
    assert!(timeouts.try_recv().is_err());
    assert!(idler.is_alive());
    assert_eq!(idler.log().await.unwrap(), Vec::<String>::new());
}

/// 8.2: an idle timeout asked for by `init` counts from the end of `init`
/// and fires.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_set_by_init_fires() {
    let began = Instant::now();
    let (idler, mut timeouts) = idler_with(false, Some(100 * MS)).await;
    assert_eq!(timeouts.recv().await.unwrap() - began, 100 * MS);
    assert_eq!(idler.log().await.unwrap(), ["idle"]);
}

/// Counts down through a chain of continues, or of idle timeouts of zero.
struct Countdown {
    left: u32,
    done: Arc<std::sync::atomic::AtomicU32>,
    finished: Arc<Notify>,
}

/// One step of a countdown.
struct Tick;

#[genserver]
impl Countdown {
    /// Starts a chain of `steps` continues and returns at once.
    #[call]
    fn run_continues(&mut self, steps: u32, ctx: &mut Context<Self>) {
        self.left = steps;
        ctx.continue_with(Tick);
    }

    /// Starts a chain of `steps` idle timeouts of zero and returns at once.
    #[call]
    fn run_idle_timeouts(&mut self, steps: u32, ctx: &mut Context<Self>) {
        self.left = steps;
        ctx.set_idle_timeout(Duration::ZERO);
    }

    #[info]
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        self.step();
        if self.left > 0 {
            ctx.continue_with(Tick);
        }
    }

    #[info]
    fn idle(&mut self, _: IdleTimeout, ctx: &mut Context<Self>) {
        self.step();
        if self.left > 0 {
            ctx.set_idle_timeout(Duration::ZERO);
        }
    }
}

impl Countdown {
    fn step(&mut self) {
        self.left -= 1;
        self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.left == 0 {
            self.finished.notify_one();
        }
    }
}

struct Started {
    server: CountdownClient,
    done: Arc<std::sync::atomic::AtomicU32>,
    finished: Arc<Notify>,
}

async fn countdown() -> Started {
    let done = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let finished = Arc::new(Notify::new());
    let server = Countdown::start(Countdown {
        left: 0,
        done: Arc::clone(&done),
        finished: Arc::clone(&finished),
    })
    .await
    .unwrap();
    Started {
        server,
        done,
        finished,
    }
}

/// 8.1 and 2.5: a chain of continues gives the thread back as a flood of
/// messages does. On one thread, the caller that started the chain gets
/// its reply, and its stop lands, long before the chain would end.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_chain_of_continues_lets_the_other_tasks_run_and_a_stop_land() {
    const STEPS: u32 = 100_000;
    let Started { server, done, .. } = countdown().await;
    server.run_continues(STEPS).await.unwrap();
    let when_answered = done.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        when_answered < STEPS,
        "the caller waited for the whole chain"
    );
    server.stop().await.unwrap();
    let when_stopped = done.load(std::sync::atomic::Ordering::Relaxed);
    assert!(when_stopped < STEPS, "the stop waited for the whole chain");
}

/// 8.2: an idle timeout of zero fires at once when no message is waiting
/// (OTP's `{:noreply, state, 0}`), without waiting for a tick of tokio's
/// timer, and a server that keeps asking for one lets the thread's other
/// tasks run.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_idle_timeout_of_zero_fires_at_once_and_yields() {
    const STEPS: u32 = 10_000;
    let Started {
        server,
        done,
        finished,
    } = countdown().await;
    let began = Instant::now();
    server.run_idle_timeouts(STEPS).await.unwrap();
    let when_answered = done.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        when_answered < STEPS,
        "the caller waited for the whole chain"
    );
    // Not by calls: a message would cancel the pending timeout.
    finished.notified().await;
    assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), STEPS);
    assert_eq!(
        Instant::now() - began,
        Duration::ZERO,
        "no timer tick waited for"
    );
}

/// 8.2 and 18.4: a message dropped unhandled (here a cancelled timer's,
/// already queued) is not handled, so it does not cancel the idle timeout.
#[tokio::test(start_paused = true)]
async fn a_message_dropped_unhandled_does_not_cancel_the_idle_timeout() {
    let (idler, mut timeouts) = idler(false).await;
    let began = Instant::now();
    idler.idle_after_a_cancelled_timer(100 * MS).await.unwrap();
    let fired = tokio::time::timeout(Duration::from_secs(1), timeouts.recv())
        .await
        .expect("the idle timeout fired")
        .unwrap();
    assert_eq!(fired - began, 110 * MS);
    assert_eq!(idler.log().await.unwrap(), ["idle"]);
}

/// 8.2: an idle timeout of zero fires only if no message is waiting when
/// the server would wait: one waiting then is handled and cancels it.
#[tokio::test(start_paused = true)]
async fn an_idle_timeout_of_zero_does_not_fire_when_a_message_is_waiting() {
    let (idler, mut timeouts) = idler(false).await;
    let gate = hold(&idler).await;
    let mut asking = Box::pin(idler.idle_after(Duration::ZERO));
    assert!(runtime_support::poll_once(asking.as_mut()).await.is_none());
    idler.note("waiting").await.unwrap();
    gate.notify_one();
    asking.await.unwrap();

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(idler.log().await.unwrap(), ["first", "second", "waiting"]);
    assert!(timeouts.try_recv().is_err());
}

/// Asks for a continue from an `init` that waits for its gate, so that a
/// client finding it by its name queues a message while `init` runs.
struct GatedInit {
    log: Vec<&'static str>,
}

/// `GatedInit`'s continue.
struct FromInit;

#[genserver]
impl GatedInit {
    #[init]
    async fn init(
        entered: Arc<Notify>,
        gate: Arc<Notify>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        entered.notify_one();
        gate.notified().await;
        ctx.continue_with(FromInit);
        Ok(GatedInit { log: Vec::new() })
    }

    #[info]
    fn continued(&mut self, _: FromInit) {
        self.log.push("from init");
    }

    #[cast]
    fn note(&mut self) {
        self.log.push("queued during init");
    }

    #[call]
    fn log(&self) -> Vec<&'static str> {
        self.log.clone()
    }
}

/// 8.1: a continue from `init` runs before the first queued message, also
/// one queued while `init` ran.
#[tokio::test(start_paused = true)]
async fn a_continue_from_init_runs_before_a_message_queued_during_init() {
    let name = "continue:queued-during-init";
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let starting = tokio::spawn(GatedInit::start_with(
        entered.clone(),
        gate.clone(),
        StartOptions::named(name),
    ));
    entered.notified().await;
    let early = genserver::whereis::<GatedInit>(name).expect("named before init");
    early.note().await.unwrap();
    gate.notify_one();
    let server = starting.await.unwrap().unwrap();
    assert_eq!(
        server.log().await.unwrap(),
        ["from init", "queued during init"]
    );
    server.stop().await.unwrap();
}

// `IdleTimeout` derives the traits of a plain value: a handler may copy,
// compare or print the message, and code of the user's may make one with
// `Default`.
#[test]
fn the_idle_timeout_message_is_a_plain_value() {
    fn by_default<T: Default>() -> T {
        T::default()
    }
    let made: IdleTimeout = by_default();
    let copied = made;
    assert_eq!(made, copied);
    assert_eq!(format!("{copied:?}"), "IdleTimeout");
}
