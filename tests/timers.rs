//! Timers on tokio's paused clock: a message at the right virtual time,
//! intervals, cancellation that holds even for a queued message, and the
//! time left (docs/semantics.md, section "Timers").

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

mod runtime_support;

use std::time::Duration;

use genserver::prelude::*;
use genserver::{SupervisorClient, send_after, send_interval};
use runtime_support::without_a_timer;
use tokio::sync::mpsc;
use tokio::time::Instant;

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Timer>();
};

const MS: Duration = Duration::from_millis(1);

/// Reports every tick it handles, with the virtual time.
struct Clock {
    ticks: mpsc::UnboundedSender<(u32, Instant)>,
    timer: Option<Timer>,
    handled: u32,
}

/// A timer message, labelled.
#[derive(Clone)]
struct Tick(u32);

#[genserver]
impl Clock {
    #[call]
    fn after(&mut self, delay: Duration, label: u32, ctx: &mut Context<Self>) {
        self.timer = Some(ctx.send_after(delay, Tick(label)));
    }

    #[call]
    fn every(&mut self, period: Duration, label: u32, ctx: &mut Context<Self>) {
        self.timer = Some(ctx.send_interval(period, Tick(label)));
    }

    #[call]
    fn after_detached(&mut self, delay: Duration, label: u32, ctx: &mut Context<Self>) {
        ctx.send_after(delay, Tick(label)).detach();
    }

    /// Drops the current timer.
    #[call]
    fn drop_timer(&mut self) {
        self.timer = None;
    }

    #[call]
    fn remaining(&self) -> Option<Duration> {
        self.timer.as_ref().and_then(Timer::remaining)
    }

    /// Sets a timer, waits in this handler until it has fired (its message
    /// is then in the mailbox, behind this handler), and cancels it:
    /// what `cancel` answered.
    #[call]
    async fn fire_then_cancel(
        &mut self,
        delay: Duration,
        ctx: &mut Context<Self>,
    ) -> Option<Duration> {
        let timer = ctx.send_after(delay, Tick(0));
        while timer.is_active() {
            tokio::time::sleep(MS).await;
        }
        timer.cancel()
    }

    /// Sets a detached timer, lets it fire into the mailbox behind this
    /// handler, then crashes.
    #[call]
    async fn detach_then_crash(&mut self, ctx: &mut Context<Self>) {
        ctx.send_after(Duration::ZERO, Tick(7)).detach();
        tokio::time::sleep(MS).await;
        panic!("crashed after its timer fired")
    }

    #[call]
    fn handled(&self) -> u32 {
        self.handled
    }

    /// Holds the server until `gate` is notified.
    #[cast]
    async fn hold(&mut self, gate: std::sync::Arc<tokio::sync::Notify>) {
        gate.notified().await;
    }

    #[cast]
    fn nothing(&mut self) {}

    #[info]
    fn tick(&mut self, Tick(label): Tick) {
        self.handled += 1;
        let _ = self.ticks.send((label, Instant::now()));
    }

    #[info]
    fn brittle(&mut self, _: Brittle) {
        self.handled += 1;
    }
}

/// A timer message whose clones panic once `limit` clones have been made.
struct Brittle {
    clones: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    limit: usize,
}

impl Clone for Brittle {
    fn clone(&self) -> Self {
        let made = self
            .clones
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        assert!(made < self.limit, "clone {made} panics");
        Brittle {
            clones: std::sync::Arc::clone(&self.clones),
            limit: self.limit,
        }
    }
}

async fn clock() -> (ClockClient, mpsc::UnboundedReceiver<(u32, Instant)>) {
    clock_with(StartOptions::new()).await
}

/// A clock started with `options`, and the receiver of its ticks.
async fn clock_with(
    options: StartOptions,
) -> (ClockClient, mpsc::UnboundedReceiver<(u32, Instant)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let clock = Clock::start_with(
        Clock {
            ticks: tx,
            timer: None,
            handled: 0,
        },
        options,
    )
    .await
    .unwrap();
    (clock, rx)
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_at_the_right_virtual_time() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.after(250 * MS, 1).await.unwrap();

    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!(label, 1);
    assert_eq!(at - began, 250 * MS);
}

/// 18.7: on a current-thread runtime, timers due at the same moment are
/// handled in the order they were set, and one due earlier before one
/// set before it, as OTP's timers of one process.
#[tokio::test(start_paused = true)]
async fn timers_due_together_on_a_current_thread_runtime_come_in_the_order_set() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    for label in 0..40 {
        clock.after_detached(10 * MS, label).await.unwrap();
    }
    clock.after_detached(5 * MS, 100).await.unwrap();
    assert_eq!(Instant::now(), began, "the timers were set at one instant");

    let (first, at) = ticks.recv().await.unwrap();
    assert_eq!((first, at - began), (100, 5 * MS));
    for expected in 0..40 {
        let (label, at) = ticks.recv().await.unwrap();
        assert_eq!((label, at - began), (expected, 10 * MS));
    }
}

/// 18.4: `cancel` returns the time that was left, as OTP's
/// `cancel_timer`; `None` (OTP's `false`) once the timer has sent its
/// message or was cancelled before.
#[tokio::test(start_paused = true)]
async fn cancel_returns_the_time_that_was_left() {
    let (clock, mut ticks) = clock().await;
    let pending = send_after(&clock, 40 * MS, Tick(1));
    tokio::time::advance(15 * MS).await;
    assert_eq!(pending.cancel(), Some(25 * MS));
    assert_eq!(pending.cancel(), None, "cancelled before");

    let fired = send_after(&clock, 10 * MS, Tick(2));
    let (label, _) = ticks.recv().await.unwrap();
    assert_eq!(label, 2);
    assert_eq!(fired.cancel(), None, "it had sent its message");

    let interval = send_interval(&clock, 30 * MS, Tick(3));
    let (label, _) = ticks.recv().await.unwrap();
    assert_eq!(label, 3);
    assert_eq!(interval.cancel(), Some(30 * MS), "to its next tick");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(ticks.try_recv().is_err(), "no tick after the cancel");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_sends_nothing() {
    let (clock, _ticks) = clock().await;
    clock.after(100 * MS, 1).await.unwrap();
    clock.drop_timer().await.unwrap();

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(clock.handled().await.unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn cancel_drops_a_timer_message_already_queued() {
    let (clock, _ticks) = clock().await;
    // `None`: the timer had sent its message, which was queued behind
    // `fire_then_cancel`, and is now skipped all the same (18.4).
    assert_eq!(clock.fire_then_cancel(10 * MS).await.unwrap(), None);
    assert_eq!(clock.handled().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(clock.handled().await.unwrap(), 0);
}

/// 18.4: cancelling an interval drops every tick of it already queued,
/// and answers the time to its next tick.
#[tokio::test(start_paused = true)]
async fn cancelling_an_interval_drops_the_ticks_already_queued() {
    let (clock, _ticks) = clock().await;
    let interval = send_interval(&clock, 10 * MS, Tick(1));
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    clock.hold(gate.clone()).await.unwrap();
    // The ticks of 10, 20 and 30 ms are queued behind `hold`.
    tokio::time::sleep(35 * MS).await;
    assert_eq!(interval.cancel(), Some(5 * MS));

    gate.notify_one();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(clock.handled().await.unwrap(), 0);
    let stats = clock.stats().await.unwrap();
    assert_eq!(stats.messages_handled, 2, "`hold` and `handled` only");
}

#[tokio::test(start_paused = true)]
async fn an_interval_ticks_every_period_and_stops_when_dropped() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.every(100 * MS, 7).await.unwrap();

    for n in 1..=3u32 {
        let (label, at) = ticks.recv().await.unwrap();
        assert_eq!(label, 7);
        assert_eq!(at - began, n * 100 * MS);
    }
    clock.drop_timer().await.unwrap();
    let handled = clock.handled().await.unwrap();
    assert_eq!(handled, 3);

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(clock.handled().await.unwrap(), 3);
}

// Semantics 18.2: a tick that finds the mailbox full is skipped; none is
// sent late, and the first sent after the jam is on the grid.
#[tokio::test(start_paused = true)]
async fn interval_ticks_that_find_a_full_mailbox_are_skipped_not_sent_late() {
    let (clock, mut ticks) =
        clock_with(StartOptions::new().mailbox(MailboxCapacity::Bounded(1))).await;
    let began = Instant::now();
    clock.every(100 * MS, 7).await.unwrap();
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    clock.hold(gate.clone()).await.unwrap();
    // `hold` is being handled once the mailbox has room again; this fills it.
    clock.nothing().await.unwrap();
    tokio::time::sleep(1050 * MS).await;
    gate.notify_one();

    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (7, 1100 * MS));
    let (_, at) = ticks.recv().await.unwrap();
    assert_eq!(at - began, 1200 * MS);
}

// Semantics 18.2: a tick the timer's task takes late, here because the
// clock jumps by whole periods at once, is sent once, and the next is the
// first point of the grid after it: ticks never come in a burst.
#[tokio::test(start_paused = true)]
async fn a_tick_taken_periods_late_is_sent_once_and_the_next_is_a_period_on() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.every(Duration::from_secs(1), 7).await.unwrap();
    tokio::time::advance(Duration::from_secs(5)).await;

    let (_, at) = ticks.recv().await.unwrap();
    assert_eq!(at - began, Duration::from_secs(5));
    assert_eq!(
        clock.remaining().await.unwrap(),
        Some(Duration::from_secs(1))
    );
    let (_, at) = ticks.recv().await.unwrap();
    assert_eq!(
        at - began,
        Duration::from_secs(6),
        "one tick at 5 s, not two"
    );
    clock.drop_timer().await.unwrap();
}

// Semantics 18.2: the tick after a late one is the first point of the
// grid after it, not a period after it: taken two and a half periods
// late, a tick is followed by the next half a period on.
#[tokio::test(start_paused = true)]
async fn a_tick_taken_late_is_followed_by_the_next_point_of_the_grid() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.every(100 * MS, 7).await.unwrap();
    tokio::time::advance(250 * MS).await;

    let (_, at) = ticks.recv().await.unwrap();
    assert_eq!(at - began, 250 * MS);
    assert_eq!(clock.remaining().await.unwrap(), Some(50 * MS));
    let (_, at) = ticks.recv().await.unwrap();
    assert_eq!(at - began, 300 * MS, "on the grid, not at 350 ms");
    clock.drop_timer().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn remaining_reports_the_time_left() {
    let (clock, mut ticks) = clock().await;
    clock.after(Duration::from_secs(10), 1).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        clock.remaining().await.unwrap(),
        Some(Duration::from_secs(7))
    );

    ticks.recv().await.unwrap();
    assert_eq!(clock.remaining().await.unwrap(), None, "fired");

    clock.every(100 * MS, 2).await.unwrap();
    tokio::time::sleep(250 * MS).await;
    assert_eq!(clock.remaining().await.unwrap(), Some(50 * MS));
    clock.drop_timer().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_timer_guard_outside_a_server() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();

    let timer = send_after(&clock, 40 * MS, Tick(3));
    assert_eq!(timer.remaining(), Some(40 * MS));
    assert!(timer.is_active());
    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (3, 40 * MS));
    assert_eq!(timer.remaining(), None);

    let cancelled = send_after(clock.server_ref(), 40 * MS, Tick(4));
    cancelled.cancel();
    assert_eq!(cancelled.remaining(), None);

    let interval = send_interval(&clock, 30 * MS, Tick(5));
    let (label, _) = ticks.recv().await.unwrap();
    assert_eq!(label, 5);
    drop(interval);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(clock.handled().await.unwrap(), 2);
}

// Semantics 18.5: an interval's tick that is due but not sent yet (its
// task has not run: this test holds the only thread while the clock moves)
// is still its next message, not the one a period later.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_interval_tick_that_is_due_but_not_sent_is_its_next_message() {
    let (clock, mut ticks) = clock().await;
    let interval = send_interval(&clock, 20 * MS, Tick(6));
    assert_eq!(interval.remaining(), Some(20 * MS));
    // Real time moves the clock without yielding to the timer's task.
    tokio::time::resume();
    std::thread::sleep(30 * MS);
    tokio::time::pause();
    assert_eq!(interval.remaining(), Some(Duration::ZERO), "due, not sent");
    let (label, _) = ticks.recv().await.unwrap();
    assert_eq!(label, 6);
    let next = interval.remaining().expect("the interval runs");
    assert!(next > Duration::ZERO && next <= 20 * MS, "{next:?}");
}

// Semantics 18.1: a delay past what tokio's clock holds (`Duration::MAX`
// as "never") sets a timer that never fires, instead of overflowing the
// clock in the server's handler.
#[tokio::test(start_paused = true)]
async fn a_timer_set_further_ahead_than_the_clock_reaches_never_fires() {
    let (clock, _ticks) = clock().await;
    clock.after(Duration::MAX, 1).await.unwrap();
    assert_eq!(clock.remaining().await.unwrap(), Some(Duration::MAX));
    clock.every(Duration::MAX, 2).await.unwrap();
    assert_eq!(clock.remaining().await.unwrap(), Some(Duration::MAX));
    let by_address = send_after(&clock, Duration::MAX, Tick(3));
    let interval_by_address = send_interval(clock.server_ref(), Duration::MAX, Tick(4));
    assert_eq!(by_address.remaining(), Some(Duration::MAX));
    assert_eq!(interval_by_address.remaining(), Some(Duration::MAX));

    // Thirty years later (tokio's `sleep` waits no longer than that),
    // nothing has fired and the server runs.
    tokio::time::sleep(Duration::from_secs(100 * 365 * 24 * 3600)).await;
    assert_eq!(clock.handled().await.unwrap(), 0);
    assert_eq!(clock.remaining().await.unwrap(), Some(Duration::MAX));

    // Cancelling works as for any timer.
    clock.drop_timer().await.unwrap();
    assert_eq!(clock.remaining().await.unwrap(), None);
    by_address.cancel();
    assert_eq!(by_address.remaining(), None);
    drop(interval_by_address);
    assert!(clock.is_alive());
}

/// The longest delay from `from` that an `Instant` holds.
fn to_the_end_of_the_clock(from: Instant) -> Duration {
    let (mut holds, mut overflows) = (0_u128, Duration::MAX.as_nanos() + 1);
    while overflows - holds > 1 {
        let mid = holds + (overflows - holds) / 2;
        if from.checked_add(nanos(mid)).is_some() {
            holds = mid;
        } else {
            overflows = mid;
        }
    }
    nanos(holds)
}

fn nanos(n: u128) -> Duration {
    let secs = u64::try_from(n / 1_000_000_000).unwrap();
    Duration::new(secs, u32::try_from(n % 1_000_000_000).unwrap())
}

// Semantics 18.1: a delay or period that ends in the last millisecond
// the clock holds, past which tokio's timer would round it up, is past
// the clock too. Such a timer never fires; its task does not panic on the
// clock's end, and the timer stays active until cancelled.
#[tokio::test(start_paused = true)]
async fn a_timer_set_for_the_last_millisecond_of_the_clock_never_fires() {
    let (clock, _ticks) = clock().await;
    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let once = send_after(&clock, delay, Tick(1));
    let interval = send_interval(&clock, delay, Tick(2));
    assert_eq!(once.remaining(), Some(Duration::MAX));
    assert_eq!(interval.remaining(), Some(Duration::MAX));

    // The timers' tasks have run.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(once.remaining(), Some(Duration::MAX));
    assert_eq!(interval.remaining(), Some(Duration::MAX));
    assert_eq!(clock.handled().await.unwrap(), 0);
    interval.cancel();
    assert_eq!(interval.remaining(), None);
}

#[tokio::test(start_paused = true)]
async fn a_detached_timer_fires_without_its_guard() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.after_detached(60 * MS, 9).await.unwrap();
    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (9, 60 * MS));
}

#[tokio::test(start_paused = true)]
async fn a_timer_set_by_a_server_ends_with_it() {
    let (clock, mut ticks) = clock().await;
    clock.after_detached(60 * MS, 9).await.unwrap();
    clock.stop().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        ticks.recv().await.is_none(),
        "no tick, and the clock is gone"
    );
}

/// A clock under a one-for-one supervisor, which restarts it when it
/// crashes, with the receiver of its ticks.
async fn supervised_clock() -> (
    SupervisorClient,
    ClockClient,
    mpsc::UnboundedReceiver<(u32, Instant)>,
) {
    let (tx, ticks) = mpsc::unbounded_channel();
    let supervisor = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<Clock>("clock", move || Clock {
            ticks: tx.clone(),
            timer: None,
            handled: 0,
        }),
    ))
    .await
    .unwrap();
    let clock = supervisor.child::<Clock>("clock").await.unwrap();
    (supervisor, clock, ticks)
}

/// 18.6: a detached timer a server set for itself ends with that instance:
/// its message, queued when the instance crashed, does not reach the
/// instance a supervisor restarts behind the same address.
#[tokio::test(start_paused = true)]
async fn a_detached_timer_of_a_crashed_instance_does_not_reach_its_restart() {
    let (_supervisor, clock, mut ticks) = supervised_clock().await;
    assert!(matches!(
        clock.detach_then_crash().await,
        Err(CallError::Exited(ExitReason::Panicked { .. }))
    ));
    // Queued behind the tick, so answered once the tick was dealt with.
    assert_eq!(clock.handled().await, Ok(0));
    assert!(ticks.try_recv().is_err());
}

// Semantics 18.1, 18.2: on a runtime built without tokio's timer, timers
// still fire (a thread keeps their time, as for call deadlines, 3.4).
#[test]
fn timers_fire_on_a_runtime_without_a_timer() {
    let labels = without_a_timer(|| async {
        let (clock, mut ticks) = clock().await;
        clock.after(10 * MS, 1).await.unwrap();
        let once = ticks.recv().await.unwrap().0;
        clock.every(10 * MS, 2).await.unwrap();
        let first = ticks.recv().await.unwrap().0;
        let second = ticks.recv().await.unwrap().0;
        clock.drop_timer().await.unwrap();
        [once, first, second]
    });
    assert_eq!(labels, Some([1, 2, 2]), "the timers fired");
}

// `ServerRef::send_after`, `ServerRef::send_interval` and the free
// `send_after` and `send_interval`, `# Panics`: outside a tokio runtime,
// even when the target runs on one, since the timer is a task of the
// runtime that sets it (18.3).
#[test]
fn setting_a_timer_to_an_address_outside_a_runtime_panics() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (clock, _ticks) = runtime.block_on(clock());
    let hour = Duration::from_secs(3600);
    let panic_of = |set: &dyn Fn() -> Timer| {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(set)).err()?;
        Some(
            payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default(),
        )
    };
    let sets: [(&str, &dyn Fn() -> Timer); 4] = [
        ("ServerRef::send_after", &|| {
            clock.server_ref().send_after(hour, Tick(1))
        }),
        ("ServerRef::send_interval", &|| {
            clock.server_ref().send_interval(hour, Tick(2))
        }),
        ("send_after", &|| send_after(&clock, hour, Tick(3))),
        ("send_interval", &|| send_interval(&clock, hour, Tick(4))),
    ];
    for (what, set) in sets {
        let message = panic_of(set).unwrap_or_else(|| panic!("{what} did not panic"));
        assert!(message.contains("Tokio 1.x runtime"), "{what}: {message}");
    }
}

/// A timer message that counts its drops: it is dropped by the timer's
/// task when that ends without sending it.
#[derive(Clone)]
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Sets three detached timers far ahead in `init`, then starts or fails.
struct FarAhead;

#[genserver]
impl FarAhead {
    #[init]
    async fn init(
        (drops, fail): (std::sync::Arc<std::sync::atomic::AtomicUsize>, bool),
        ctx: &mut Context<Self>,
    ) -> Result<Self, String> {
        let hour = Duration::from_secs(3600);
        ctx.send_after(Duration::MAX, Counted(drops.clone()))
            .detach();
        ctx.send_after(hour, Counted(drops.clone())).detach();
        ctx.send_interval(hour, Counted(drops)).detach();
        if fail {
            return Err("failed after setting its timers".to_owned());
        }
        Ok(FarAhead)
    }

    #[info]
    fn counted(&mut self, _: Counted) {}
}

/// 18.6 (and 1.2 for a failed start): the timers an instance set for
/// itself end with it, far ahead or never as they would fire: their tasks
/// end and drop the messages they hold once the instance has ended, not
/// when they would have fired.
#[tokio::test(start_paused = true)]
async fn the_tasks_of_a_servers_timers_end_with_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let drops = Arc::new(AtomicUsize::new(0));
    let server = FarAhead::start((Arc::clone(&drops), false)).await.unwrap();
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the timers run");
    server.stop().await.unwrap();
    // Every task woken by the end runs before the paused clock moves.
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 3);

    let drops = Arc::new(AtomicUsize::new(0));
    let failed = FarAhead::start((Arc::clone(&drops), true)).await;
    assert!(matches!(failed, Err(StartError::Init(_))));
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

/// Asks for an idle timeout of the length it is given.
struct Idler;

#[genserver]
impl Idler {
    #[init]
    async fn init((): ()) -> Result<Self, String> {
        Ok(Idler)
    }

    #[call]
    fn idle_after(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(after);
    }

    #[call]
    async fn answer_after(&mut self, delay: Duration) -> u32 {
        tokio::time::sleep(delay).await;
        7
    }

    #[info]
    fn idle(&mut self, _: IdleTimeout) {
        panic!("an idle timeout past the clock fired");
    }
}

/// 3.4, as 18.1 for timers: a call's deadline in the last millisecond of
/// the clock, which tokio's timer would round up past it, never passes:
/// the call waits for its answer, however late.
#[tokio::test(start_paused = true)]
async fn a_call_deadline_in_the_last_millisecond_of_the_clock_never_passes() {
    let idler = Idler::start(()).await.unwrap();
    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let began = Instant::now();
    let answer = idler
        .with_timeout(delay)
        .answer_after(Duration::from_secs(3600))
        .await;
    assert_eq!(answer, Ok(7));
    assert_eq!(began.elapsed(), Duration::from_secs(3600));
    idler.stop().await.unwrap();
}

/// 8.2 and 1.3, as 18.1 for timers: an idle timeout or a start timeout in
/// the last millisecond of the clock, which tokio's timer would round up
/// past it, never fires; the server runs on, and the start does not fail.
#[tokio::test(start_paused = true)]
async fn an_idle_or_start_timeout_in_the_last_millisecond_of_the_clock_never_fires() {
    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let idler = Idler::start(()).await.unwrap();
    idler.idle_after(delay).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(idler.is_alive());
    idler.stop().await.unwrap();

    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let started = Idler::start_with((), StartOptions::new().init_timeout(delay)).await;
    assert!(started.is_ok());
}

/// 18.3: a timer to the address of a server that has ended for good sends
/// nothing, and its task ends with the message it holds once the server
/// has ended, however far ahead it would have fired.
#[tokio::test(start_paused = true)]
async fn a_timer_to_the_address_of_an_ended_server_ends_with_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let server = FarAhead::start((Arc::new(AtomicUsize::new(0)), false))
        .await
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let once = send_after(&server, Duration::MAX, Counted(Arc::clone(&drops)));
    let every = send_interval(
        &server,
        Duration::from_secs(3600),
        Counted(Arc::clone(&drops)),
    );
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the timers run");
    server.stop().await.unwrap();
    assert_eq!(once.remaining(), None, "its target is gone");
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    once.detach();
    every.detach();
}

/// 18.3: a timer to an address reaches the server a supervisor restarted
/// behind it, the end of the instance it was set under notwithstanding.
#[tokio::test(start_paused = true)]
async fn a_timer_to_an_address_reaches_the_server_restarted_behind_it() {
    let (_supervisor, clock, mut ticks) = supervised_clock().await;
    let began = Instant::now();
    let timer = send_after(&clock, 100 * MS, Tick(5));
    assert!(matches!(
        clock.detach_then_crash().await,
        Err(CallError::Exited(ExitReason::Panicked { .. }))
    ));
    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (5, 100 * MS));
    assert_eq!(clock.handled().await, Ok(1), "handled by the new instance");
    drop(timer);
}

/// 18.3: a timer to the address of a supervised server ends once the
/// supervisor lets the address go (here `terminate_child`, after a
/// restart), not when it would fire: its task drops the message it holds.
#[tokio::test(start_paused = true)]
async fn a_timer_to_a_supervised_address_ends_when_the_supervisor_lets_it_go() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let own_timers = Arc::new(AtomicUsize::new(0));
    let supervisor = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<FarAhead>("far", move || (Arc::clone(&own_timers), false)),
    ))
    .await
    .unwrap();
    let server = supervisor.child::<FarAhead>("far").await.unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let never = send_after(&server, Duration::MAX, Counted(Arc::clone(&drops)));
    let hourly = send_interval(
        &server,
        Duration::from_secs(3600),
        Counted(Arc::clone(&drops)),
    );
    // A restart keeps the address, and the timers with it.
    let first = server.id();
    server.stop_with(ExitReason::error("once")).await.unwrap();
    server.stats().await.unwrap();
    assert_ne!(server.id(), first);
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the timers run on");
    assert!(never.is_active());

    supervisor.terminate_child("far").await.unwrap();
    assert_eq!(never.remaining(), None, "its target is gone");
    // Every task woken by the close runs before the paused clock moves.
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    never.detach();
    hourly.detach();
    supervisor.stop().await.unwrap();
}

/// 1.3, 15.7 and 19: a supervised child's start timeout, its shutdown
/// timeout and `Task::await_timeout`, in the last millisecond of the clock,
/// are no limit, as for a plain start (1.3).
#[tokio::test(start_paused = true)]
async fn supervisor_and_task_timeouts_in_the_last_millisecond_of_the_clock_are_no_limit() {
    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let child = ChildSpec::server::<Idler>("idler", || ())
        .options(StartOptions::new().init_timeout(delay))
        .shutdown(Shutdown::Timeout(delay));
    let supervisor = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(child))
        .await
        .unwrap();
    supervisor.stop().await.unwrap();

    let delay = to_the_end_of_the_clock(Instant::now()).saturating_sub(MS / 2);
    let task = genserver::Task::spawn(async { 7 });
    assert_eq!(task.await_timeout(delay).await, Ok(7));
}

/// 15.7 on a runtime built without tokio's timer: a child's shutdown
/// timeout and its start timeout are kept by a thread, as call deadlines
/// are (3.4), instead of panicking in the supervisor.
#[test]
fn a_supervisor_runs_on_a_runtime_without_a_timer() {
    let stopped = without_a_timer(|| async {
        let child = ChildSpec::server::<Idler>("idler", || ())
            .options(StartOptions::new().init_timeout(Duration::from_secs(5)));
        let supervisor = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(child))
            .await
            .unwrap();
        supervisor.stop().await
    });
    assert_eq!(stopped, Some(Ok(())));
}

/// Takes `busy` over each tick it handles; reports when it starts one.
struct Slow {
    ticks: mpsc::UnboundedSender<Instant>,
    busy: Duration,
    timer: Option<Timer>,
}

#[genserver]
impl Slow {
    #[call]
    fn every(&mut self, period: Duration, ctx: &mut Context<Self>) {
        self.timer = Some(ctx.send_interval(period, Tick(0)));
    }

    #[info]
    async fn tick(&mut self, _: Tick) {
        let _ = self.ticks.send(Instant::now());
        tokio::time::sleep(self.busy).await;
    }
}

// Semantics 18.2: in an unbounded mailbox, ticks that a handler slower
// than the period cannot keep up with queue up (every point of the grid
// sends one), and are handled one after another.
#[tokio::test(start_paused = true)]
async fn ticks_a_slow_handler_cannot_keep_up_with_queue_up_in_an_unbounded_mailbox() {
    // 255 ms is no multiple of the 100 ms period, so that no tick is sent
    // at the moment a handler ends or a request is made.
    let busy = 255 * MS;
    let (tx, mut ticks) = mpsc::unbounded_channel();
    let slow = Slow::start(Slow {
        ticks: tx,
        busy,
        timer: None,
    })
    .await
    .unwrap();
    let began = Instant::now();
    slow.every(100 * MS).await.unwrap();

    // The second tick starts at 355 ms; the third is queued at 300 ms.
    ticks.recv().await.unwrap();
    let second = ticks.recv().await.unwrap();
    assert_eq!(second - began, 355 * MS);
    // Answered after the third tick, at 865 ms: the ticks of 400 to 800
    // ms are behind it.
    let stats = slow.stats().await.unwrap();
    assert_eq!(Instant::now() - began, 865 * MS);
    assert_eq!(stats.queue_len, 5);
    // Answered after the eighth tick, at 2,140 ms: those of 900 to 2,100
    // ms are behind it.
    let stats = slow.stats().await.unwrap();
    assert_eq!(Instant::now() - began, 2140 * MS);
    assert_eq!(stats.queue_len, 13);
    assert_eq!(stats.messages_handled, 9, "`every` and eight ticks");

    // Each of the eight was handled as soon as the one before had been.
    let mut started = vec![100 * MS, 355 * MS];
    for _ in 2..8 {
        started.push(ticks.recv().await.unwrap() - began);
    }
    let expected: Vec<_> = (0..8).map(|n| 100 * MS + n * busy).collect();
    assert_eq!(started, expected);
}

// Semantics 18.2: a zero period is below tokio's timer resolution: the
// interval ticks at that resolution, a millisecond apart on the paused
// clock, instead of flooding the mailbox.
#[tokio::test(start_paused = true)]
async fn a_zero_period_ticks_at_the_timers_resolution() {
    let (clock, mut ticks) = clock().await;
    let began = Instant::now();
    clock.every(Duration::ZERO, 3).await.unwrap();

    let mut at = Vec::new();
    for _ in 0..4 {
        let (label, when) = ticks.recv().await.unwrap();
        assert_eq!(label, 3);
        at.push(when - began);
    }
    assert_eq!(at, [MS, 2 * MS, 3 * MS, 4 * MS]);
    clock.drop_timer().await.unwrap();
    assert_eq!(clock.handled().await.unwrap(), 4);
}

// Semantics 18.5: a one-shot timer whose time has come, and whose message
// waits for room in a full bounded mailbox, has no time left and is still
// active; its message is delivered once there is room.
#[tokio::test(start_paused = true)]
async fn a_timer_waiting_for_room_has_no_time_left_and_is_still_active() {
    let (clock, mut ticks) =
        clock_with(StartOptions::new().mailbox(MailboxCapacity::Bounded(1))).await;
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    clock.hold(gate.clone()).await.unwrap();
    // `hold` is being handled once the mailbox has room again; this fills it.
    clock.nothing().await.unwrap();
    let began = Instant::now();
    let timer = send_after(&clock, 10 * MS, Tick(1));

    tokio::time::sleep(50 * MS).await;
    assert_eq!(timer.remaining(), Some(Duration::ZERO));
    assert!(timer.is_active());
    assert!(ticks.try_recv().is_err());

    gate.notify_one();
    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (1, 50 * MS));
    assert_eq!(timer.remaining(), None, "fired");
    assert!(!timer.is_active());
}

/// 18.3: an interval set with `server_ref.send_interval` keeps ticking to
/// the address across a restart: the next tick on the grid is handled by
/// the restarted instance.
#[tokio::test(start_paused = true)]
async fn an_interval_to_an_address_ticks_on_to_the_server_restarted_behind_it() {
    let (_supervisor, clock, mut ticks) = supervised_clock().await;
    let began = Instant::now();
    let timer = clock.server_ref().send_interval(100 * MS, Tick(5));
    let (label, at) = ticks.recv().await.unwrap();
    assert_eq!((label, at - began), (5, 100 * MS));

    assert!(matches!(
        clock.detach_then_crash().await,
        Err(CallError::Exited(ExitReason::Panicked { .. }))
    ));
    let (label, at) = tokio::time::timeout(Duration::from_secs(1), ticks.recv())
        .await
        .expect("a tick after the restart")
        .unwrap();
    assert_eq!((label, at - began), (5, 200 * MS));
    assert_eq!(clock.handled().await, Ok(1), "handled by the new instance");
    drop(timer);
}

/// 18.4, 18.7: cancelling a timer aborts its task, which drops the
/// message it holds then, not when the timer would have fired.
#[tokio::test(start_paused = true)]
async fn cancelling_a_timer_drops_the_message_it_holds() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let server = FarAhead::start((Arc::new(AtomicUsize::new(0)), false))
        .await
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let once = send_after(
        &server,
        Duration::from_secs(3600),
        Counted(Arc::clone(&drops)),
    );
    let every = server
        .server_ref()
        .send_interval(Duration::from_secs(3600), Counted(Arc::clone(&drops)));
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the timers run");

    once.cancel();
    drop(every);
    // The aborted tasks are dropped before the paused clock moves.
    tokio::time::sleep(MS).await;
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(server.is_alive());
}

/// Sets a one-shot timer to itself, and records what the timer's guard
/// says in the handler of the timer's own message.
struct SelfTimed {
    timer: Option<Timer>,
    seen: Option<(Option<Duration>, bool, Option<Duration>)>,
}

/// The message of [`SelfTimed`]'s timer.
struct Ring;

#[genserver]
impl SelfTimed {
    #[call]
    fn arm(&mut self, delay: Duration, ctx: &mut Context<Self>) {
        self.timer = Some(ctx.send_after(delay, Ring));
    }

    /// What the last handled `Ring` saw, once.
    #[call]
    fn seen(&mut self) -> Option<(Option<Duration>, bool, Option<Duration>)> {
        self.seen.take()
    }

    #[info]
    fn ring(&mut self, _: Ring) {
        let timer = self.timer.as_ref().expect("armed before it rings");
        self.seen = Some((timer.remaining(), timer.is_active(), timer.cancel()));
    }
}

/// 18.4: in the handler of its own message, a one-shot timer has fired:
/// `remaining` and `cancel` are `None`, though the timer's task, on
/// another worker, may not have finished yet. Repeated, as that task
/// races the server; the pauses only vary where each task runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_handler_of_its_own_message_a_one_shot_timer_has_fired() {
    let server = SelfTimed::start(SelfTimed {
        timer: None,
        seen: None,
    })
    .await
    .unwrap();
    for round in 0..1000 {
        let delay = if round % 2 == 0 {
            Duration::ZERO
        } else {
            Duration::from_micros(100)
        };
        server.arm(delay).await.unwrap();
        let seen = loop {
            if let Some(seen) = server.seen().await.unwrap() {
                break seen;
            }
            tokio::time::sleep(Duration::from_micros(50)).await;
        };
        assert_eq!(seen, (None, false, None), "round {round}");
    }
    server.stop().await.unwrap();
}

/// 18.4: `cancel` racing the server as it takes the timer's message from
/// its mailbox. A `Some` from `cancel` promises the message is never
/// handled; a message that is handled had been taken before `cancel`, which
/// then says `None`. Repeated on two workers, the spin before `cancel`
/// tuned round by round towards the moment the server takes the message;
/// each round's outcome is read after a call queued behind the message.
/// The window it guards is a few instructions wide: when `cancel` and the
/// take were separate reads and writes, an optimised build showed it in
/// about one round of 5,000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_racing_the_server_taking_the_message_tells_whether_it_is_handled() {
    let (clock, _ticks) = clock().await;
    let mut spins = 2_000_u32;
    let mut handled = 0;
    for round in 0..2_000 {
        let timer = clock.server_ref().send_after(Duration::ZERO, Tick(round));
        for _ in 0..spins {
            std::hint::spin_loop();
        }
        let left = timer.cancel();
        let now_handled = clock.handled().await.unwrap();
        let was_handled = now_handled > handled;
        handled = now_handled;
        assert!(
            !(was_handled && left.is_some()),
            "round {round}: cancel said {left:?}, and the message was handled"
        );
        // Earlier when the cancel came first, later when it was too late.
        spins = if left.is_some() {
            spins + spins / 64 + 1
        } else {
            spins - spins / 64
        };
    }
    clock.stop().await.unwrap();
}

/// 18.2: the clones of an interval's message are made in the timer's own
/// task, so a `Clone` that panics ends the interval there: no more ticks,
/// `remaining()` is `None` from then on, and the server runs on.
#[tokio::test(start_paused = true)]
async fn a_panicking_clone_ends_the_interval_and_leaves_the_server_running() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (clock, _ticks) = clock().await;
    let clones = Arc::new(AtomicUsize::new(0));
    let interval = send_interval(
        &clock,
        10 * MS,
        Brittle {
            clones: Arc::clone(&clones),
            limit: 2,
        },
    );
    tokio::time::sleep(15 * MS).await;
    assert_eq!(clock.handled().await, Ok(1));

    // The second tick's clone panics.
    tokio::time::sleep(10 * MS).await;
    assert_eq!(interval.remaining(), None);
    assert!(!interval.is_active());
    tokio::time::sleep(100 * MS).await;
    assert_eq!(clock.handled().await, Ok(1));
    assert_eq!(clones.load(Ordering::SeqCst), 2);
    assert!(clock.is_alive());
}

/// 18.3: a timer is a task of the runtime that sets it: one set from
/// another runtime ends with that runtime when it shuts down first. It
/// sends nothing, its task drops the message it holds, and `remaining()`
/// and `cancel()` answer `None`, as for a timer that is over.
#[test]
fn a_timer_set_from_another_runtime_ends_with_that_runtime() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let home = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = home
        .block_on(FarAhead::start((Arc::new(AtomicUsize::new(0)), false)))
        .unwrap();
    let other = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let hour = Duration::from_secs(3600);
    let (once, every) = other.block_on(async {
        let once = send_after(&server, hour, Counted(Arc::clone(&drops)));
        let every = send_interval(&server, hour, Counted(Arc::clone(&drops)));
        tokio::task::yield_now().await;
        (once, every)
    });
    assert!(once.remaining().is_some());

    drop(other);
    assert_eq!(once.remaining(), None);
    assert_eq!(every.remaining(), None);
    assert_eq!(once.cancel(), None);
    assert_eq!(every.cancel(), None);
    // One each: the interval's original, no clone having been sent.
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    let stats = home.block_on(server.stats()).unwrap();
    assert_eq!(stats.messages_handled, 0);
}
