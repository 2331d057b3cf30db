//! Timers: a message sent after a delay, or at every period (OTP's
//! `Process.send_after/3` and `:timer.send_interval/3`), cancelled by
//! dropping their guard.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::alarm::{self, Alarm};
use crate::envelope::{CancelToken, Envelope, TokenState};
use crate::info::FromInfo;
use crate::instance::Instance;
use crate::server_ref::Inner;
use crate::{AsServerRef, Context, GenServer, ServerRef, TrySendError};

/// A pending timer message, or a running interval: cancelled when dropped.
///
/// Keep it (in the server's state, typically) for as long as the timer
/// should run. [`cancel`](Timer::cancel) and dropping the guard guarantee
/// that no message of the timer is handled afterwards, even one already in
/// the mailbox; [`detach`](Timer::detach) lets it run without a guard.
///
/// Timers run on tokio's clock: `#[tokio::test(start_paused = true)]` and
/// `tokio::time::advance` drive them.
#[must_use = "dropping a `Timer` cancels it; keep it, or call `detach()` to let it run"]
pub struct Timer {
    token: CancelToken,
    task: AbortHandle,
    target: Arc<dyn Shared>,
    /// `None` for a timer too far ahead for tokio's clock: it never fires.
    first: Option<Instant>,
    period: Option<Duration>,
    detached: bool,
}

impl Timer {
    /// Cancels the timer: from now on none of its messages is handled,
    /// including one already queued (OTP's `Process.cancel_timer/1`, made
    /// reliable). A message the server had already taken from its mailbox
    /// (its handler about to start, or running) is still handled.
    ///
    /// Returns the time that was left, as [`remaining`](Self::remaining)
    /// read just before: `None`, as OTP's `false`, when the timer had
    /// already sent its message (a one-shot timer; the message, if still
    /// queued, is dropped all the same), was cancelled before, or its
    /// target has ended. Cancelling twice, or a timer that has fired, does
    /// nothing else.
    #[allow(
        clippy::must_use_candidate,
        reason = "most callers cancel for the effect, not for the time left"
    )]
    pub fn cancel(&self) -> Option<Duration> {
        let left = self.time_left();
        // Whether the server took the message is decided by this one step,
        // not by the read above: had it taken it in between, a `Some`
        // would promise a message that is then handled.
        let before = self.token.cancel();
        self.task.abort();
        if self.is_over(before) {
            return None;
        }
        left
    }

    /// Whether what the token tells ends the timer: cancelled, or a
    /// one-shot timer's message sent.
    fn is_over(&self, token: TokenState) -> bool {
        token.cancelled() || (self.period.is_none() && token.sent())
    }

    fn stop(&self) {
        self.token.cancel();
        self.task.abort();
    }

    /// The time left until the timer's next message is sent, `None` once
    /// it is cancelled, has fired (a one-shot timer: in the handler of its
    /// message too), or its target has ended (OTP's
    /// `Process.read_timer/1`). For an interval, the time to
    /// its next tick: `Duration::ZERO` while a tick that is due has not
    /// been sent yet (its task has not run since). `Duration::MAX` for a
    /// timer set further ahead than tokio's clock reaches, which never
    /// fires, and for an interval whose next tick would be past it, which
    /// sends no more.
    #[must_use]
    pub fn remaining(&self) -> Option<Duration> {
        if self.is_over(self.token.state()) {
            return None;
        }
        self.time_left()
    }

    /// [`remaining`](Self::remaining), but for what the token tells.
    fn time_left(&self) -> Option<Duration> {
        if self.task.is_finished() || self.target.is_gone() {
            return None;
        }
        let Some(first) = self.first else {
            return Some(Duration::MAX);
        };
        let next = match self.period {
            // Its message sent, the timer's task (on another worker) may not
            // have finished yet: the token tells, in `remaining` and `cancel`.
            None => Some(first),
            // Where the interval's task is on its grid: a tick that is due
            // but not sent yet is still the next one. Recorded before the
            // tick is queued, so that the tick's handler reads the next.
            Some(_) => self.target.next_tick(first),
        };
        Some(next.map_or(Duration::MAX, |next| {
            next.saturating_duration_since(Instant::now())
        }))
    }

    /// `true` until the timer is cancelled or done: [`remaining`](Self::remaining)
    /// is `Some`.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.remaining().is_some()
    }

    /// Lets the timer run without a guard: it can no longer be cancelled.
    /// A timer set through a [`Context`] still ends with its server.
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if !self.detached {
            self.stop();
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("remaining", &self.remaining())
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// Who a timer's messages go to. `owner`, when set, is the instance that
/// set the timer for itself: the timer stops when it exits, and does not
/// reach an instance restarted behind the same address.
struct Target<S: GenServer> {
    address: Arc<Inner<S>>,
    owner: Option<Arc<Instance>>,
    /// An interval's next tick, in nanoseconds after its first
    /// ([`NO_TICK`]: none), kept by its task for [`Timer::remaining`].
    next_tick: AtomicU64,
}

/// The `next_tick` of an interval that sends no more ticks.
const NO_TICK: u64 = u64::MAX;

/// What a timer's guard reads of what its task shares, its type erased
/// for [`Timer`].
trait Shared: Send + Sync {
    /// `true` once no message of the timer can be handled: the instance
    /// that set it is exiting, or the address is closed.
    fn is_gone(&self) -> bool;

    /// When an interval whose first tick is at `first` sends its next one;
    /// `None` when it sends no more.
    fn next_tick(&self, first: Instant) -> Option<Instant>;
}

impl<S: GenServer> Shared for Target<S> {
    fn is_gone(&self) -> bool {
        self.owner
            .as_ref()
            .is_some_and(|owner| owner.exit.is_exiting())
            || self.address.mailbox.is_closed()
    }

    fn next_tick(&self, first: Instant) -> Option<Instant> {
        match self.next_tick.load(Ordering::Relaxed) {
            NO_TICK => None,
            offset => first.checked_add(Duration::from_nanos(offset)),
        }
    }
}

impl<S: GenServer> Target<S> {
    fn new(address: Arc<Inner<S>>, owner: Option<Arc<Instance>>) -> Self {
        Target {
            address,
            owner,
            next_tick: AtomicU64::new(0),
        }
    }

    /// Records `next`, the interval's next tick, for its guard.
    fn set_next_tick(&self, first: Instant, next: Option<Instant>) {
        let offset = next.map_or(NO_TICK, |next| {
            u64::try_from((next - first).as_nanos()).map_or(NO_TICK, |n| n.min(NO_TICK - 1))
        });
        self.next_tick.store(offset, Ordering::Relaxed);
    }

    /// Runs a timer's `work` until it is done or its target is gone for
    /// good: for a timer an instance set for itself, until that instance
    /// has ended (18.6); for one sent to an address, until its mailbox
    /// closes: the server there ended and no supervisor keeps the mailbox
    /// for a restart, or its supervisor let it go (18.3). Its task and the
    /// message it holds do not outlive the server, even when it would fire
    /// far ahead or never; checking only when it fires would keep both
    /// until then.
    async fn until_gone(&self, work: impl Future<Output = ()>) {
        let gone = async {
            if let Some(owner) = &self.owner {
                owner.exit.ended().await;
            } else {
                // A mailbox handed to a supervisor stays open, for the
                // instance it restarts: the timer is still for it. It
                // closes when no server will run behind the address again.
                self.address.mailbox.closed().await;
            }
        };
        tokio::select! {
            biased;
            () = gone => {}
            () = work => {}
        }
    }

    /// Queues one message, waiting for room in a full bounded mailbox;
    /// `false` when the timer should stop.
    async fn send(&self, message: S::Message, token: &CancelToken) -> bool {
        match self.envelope(message, token) {
            Some(envelope) => self.address.mailbox.send(envelope).await.is_ok(),
            None => false,
        }
    }

    /// Queues one tick of an interval if there is room now, and skips it
    /// otherwise: waiting would send it late, and the next one right
    /// after it. `false` when the timer should stop.
    fn send_tick(&self, message: S::Message, token: &CancelToken) -> bool {
        match self.envelope(message, token) {
            Some(envelope) => !matches!(
                self.address.mailbox.try_send(envelope),
                Err(TrySendError::NoProc(_))
            ),
            None => false,
        }
    }

    /// The envelope of a timer message, or `None` when the timer should
    /// stop.
    fn envelope(&self, message: S::Message, token: &CancelToken) -> Option<Envelope<S>> {
        if token.is_cancelled() || self.is_gone() {
            return None;
        }
        Some(match &self.owner {
            Some(owner) => Envelope::owned(message, token.clone(), Arc::clone(owner)),
            None => Envelope::cancellable(message, token.clone()),
        })
    }
}

/// When a timer set now with `delay` first fires; `None` for never.
fn first_at(delay: Duration) -> Option<Instant> {
    alarm::after(Instant::now(), delay)
}

/// `first + n·period`, or `None` past what tokio's timer can wait for.
fn grid_point(first: Instant, period: Duration, n: u128) -> Option<Instant> {
    const NANOS: u128 = 1_000_000_000;
    let offset = period.as_nanos().checked_mul(n)?;
    let secs = u64::try_from(offset / NANOS).ok()?;
    let nanos = u32::try_from(offset % NANOS).ok()?;
    alarm::after(first, Duration::new(secs, nanos))
}

/// The tick of an interval after the one at `last`, sent at `now`: the
/// next point of the grid `first + n·period`, or, when this task took
/// `last` so late that the next point is not after `now` (a busy runtime,
/// a clock advanced by several periods at once), the first point after
/// `now`, so that missed ticks are skipped rather than sent in a burst.
/// `None` past what tokio's timer can wait for: there is no next tick.
fn next_tick(first: Instant, period: Duration, last: Instant, now: Instant) -> Option<Instant> {
    let next = alarm::after(last, period)?;
    if next > now {
        return Some(next);
    }
    let n = (now - first).as_nanos() / period.as_nanos() + 1;
    grid_point(first, period, n)
}

/// Sleeps until `at`, for ever when there is no such instant.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => Alarm::at(at).await,
        None => std::future::pending().await,
    }
}

fn once<S: GenServer>(target: Target<S>, delay: Duration, message: S::Message) -> Timer {
    let token = CancelToken::default();
    let first = first_at(delay);
    let target = Arc::new(target);
    let task = {
        let (token, target) = (token.clone(), Arc::clone(&target));
        tokio::spawn(async move {
            let send = async {
                sleep_until(first).await;
                if target.send(message, &token).await {
                    token.mark_sent();
                }
            };
            target.until_gone(send).await;
        })
    };
    Timer {
        token,
        task: task.abort_handle(),
        target,
        first,
        period: None,
        detached: false,
    }
}

fn every<S, M>(target: Target<S>, period: Duration, message: M) -> Timer
where
    S: GenServer,
    M: Into<S::Message> + Clone + Send + 'static,
{
    let token = CancelToken::default();
    // A zero period would flood the mailbox; tokio's interval refuses it.
    let period = period.max(Duration::from_nanos(1));
    let first = first_at(period);
    let target = Arc::new(target);
    let task = {
        let (token, target) = (token.clone(), Arc::clone(&target));
        // Not tokio's `interval`, which overflows the clock, and panics,
        // when it computes a tick past its end.
        tokio::spawn(async move {
            let to = &*target;
            // Owns the message, which need not be `Sync`.
            let ticks = async move {
                let Some(first) = first else {
                    return std::future::pending().await;
                };
                let sleep = Alarm::at(first);
                tokio::pin!(sleep);
                loop {
                    sleep.as_mut().await;
                    // A tick that finds the mailbox full is skipped
                    // (`send_tick`); one that this task could not take on
                    // time is sent once, late, and the next is back on the
                    // grid. The next is recorded first, for the tick's
                    // handler to read.
                    let next = next_tick(first, period, sleep.deadline(), Instant::now());
                    to.set_next_tick(first, next);
                    if !to.send_tick(message.clone().into(), &token) {
                        return;
                    }
                    match next {
                        Some(next) => sleep.as_mut().reset(next),
                        None => return std::future::pending().await,
                    }
                }
            };
            target.until_gone(ticks).await;
        })
    };
    Timer {
        token,
        task: task.abort_handle(),
        target,
        first,
        period: Some(period),
        detached: false,
    }
}

impl<S: GenServer> Context<S> {
    /// Sends `message` to this server after `delay`, as an info message
    /// (OTP's `Process.send_after(self(), msg, delay)`).
    ///
    /// Keep the returned [`Timer`]: dropping it cancels the message. The
    /// timer also ends with this server instance. Elixir code that ignores
    /// the reference `Process.send_after` returns translates to
    /// `ctx.send_after(delay, message).detach()`: a `let _ =` drops the
    /// timer at once, and with it the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    /// use genserver::Timer;
    ///
    /// struct Reminder { timer: Option<Timer>, rang: bool }
    /// struct Ring;
    ///
    /// #[genserver]
    /// impl Reminder {
    ///     #[call]
    ///     fn set(&mut self, after: Duration, ctx: &mut Context<Self>) {
    ///         self.timer = Some(ctx.send_after(after, Ring));
    ///     }
    ///
    ///     #[call]
    ///     fn rang(&self) -> bool { self.rang }
    ///
    ///     #[info]
    ///     fn ring(&mut self, _: Ring) { self.rang = true }
    /// }
    ///
    /// // A paused clock: tokio moves it on whenever every task waits, so
    /// // the sleeps below take no real time.
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let reminder = Reminder::start(Reminder { timer: None, rang: false }).await.unwrap();
    ///     reminder.set(Duration::from_secs(60)).await.unwrap();
    ///     tokio::time::sleep(Duration::from_secs(61)).await;
    ///     assert!(reminder.rang().await.unwrap());
    /// }
    /// ```
    pub fn send_after<M>(&self, delay: Duration, message: M) -> Timer
    where
        S::Message: FromInfo<M>,
    {
        once(self.own_target(), delay, message.into())
    }

    /// Sends a clone of `message` to this server every `period`, the first
    /// after one period, until the returned [`Timer`] is dropped or
    /// cancelled, or this server instance ends (OTP's
    /// `:timer.send_interval/2`).
    ///
    /// Ticks keep their schedule: a tick that finds a bounded mailbox full
    /// is skipped, not queued late; the next goes out on the grid
    /// `start + n·period`. A tick never waits for room.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    ///
    /// struct Heart { beat: Option<Timer>, beats: u32 }
    /// #[derive(Clone)]
    /// struct Beat;
    ///
    /// #[genserver]
    /// impl Heart {
    ///     #[init]
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, std::convert::Infallible> {
    ///         let beat = ctx.send_interval(Duration::from_secs(1), Beat);
    ///         Ok(Heart { beat: Some(beat), beats: 0 })
    ///     }
    ///
    ///     #[call]
    ///     fn beats(&self) -> u32 { self.beats }
    ///
    ///     #[info]
    ///     fn beat(&mut self, _: Beat) {
    ///         self.beats += 1;
    ///         if self.beats == 3 {
    ///             self.beat = None; // dropping the timer stops the beats
    ///         }
    ///     }
    /// }
    ///
    /// // A paused clock: tokio moves it on whenever every task waits, so
    /// // the sleeps below take no real time.
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let heart = Heart::start(()).await.unwrap();
    ///     tokio::time::sleep(Duration::from_secs(10)).await;
    ///     assert_eq!(heart.beats().await.unwrap(), 3);
    /// }
    /// ```
    pub fn send_interval<M>(&self, period: Duration, message: M) -> Timer
    where
        M: Clone + Send + 'static,
        S::Message: FromInfo<M>,
    {
        every(self.own_target(), period, message)
    }

    fn own_target(&self) -> Target<S> {
        Target::new(
            Arc::clone(self.server_ref().inner()),
            Some(Arc::clone(self.instance())),
        )
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Sends `message` to this server after `delay`, as an info message
    /// (OTP's `Process.send_after/3`). The message goes to the address: if
    /// a supervisor has restarted the server meanwhile, the new instance
    /// receives it. Once no server can run behind the address any more
    /// (its mailbox closed), the timer ends and drops the message.
    ///
    /// Keep the returned [`Timer`]: dropping it cancels the message.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn send_after<M>(&self, delay: Duration, message: M) -> Timer
    where
        S::Message: FromInfo<M>,
    {
        once(self.address_target(), delay, message.into())
    }

    /// Sends a clone of `message` to this server every `period`, the first
    /// after one period, until the returned [`Timer`] is dropped or
    /// cancelled, or no server can run behind the address any more (a
    /// server a supervisor restarts there keeps receiving it). As with
    /// [`Context::send_interval`], a tick that finds a bounded mailbox
    /// full is skipped.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn send_interval<M>(&self, period: Duration, message: M) -> Timer
    where
        M: Clone + Send + 'static,
        S::Message: FromInfo<M>,
    {
        every(self.address_target(), period, message)
    }

    fn address_target(&self) -> Target<S> {
        Target::new(Arc::clone(self.inner()), None)
    }
}

/// Sends `message` to `target` (a [`ServerRef`] or a client) after
/// `delay`: [`ServerRef::send_after`] for any address.
///
/// # Panics
///
/// Outside a tokio runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::send_after;
///
/// struct Inbox { got: u32 }
/// struct Note;
///
/// #[genserver]
/// impl Inbox {
///     #[call]
///     fn got(&self) -> u32 { self.got }
///
///     #[info]
///     fn note(&mut self, _: Note) { self.got += 1 }
/// }
///
/// // A paused clock: tokio moves it on whenever every task waits, so
/// // the sleeps below take no real time.
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let inbox = Inbox::start(Inbox { got: 0 }).await.unwrap();
///     let timer = send_after(&inbox, Duration::from_millis(10), Note);
///     assert_eq!(timer.remaining(), Some(Duration::from_millis(10)));
///     tokio::time::sleep(Duration::from_millis(20)).await;
///     assert_eq!(inbox.got().await.unwrap(), 1);
///     assert_eq!(timer.remaining(), None);
/// }
/// ```
pub fn send_after<T, M>(target: &T, delay: Duration, message: M) -> Timer
where
    T: AsServerRef,
    <T::Server as GenServer>::Message: FromInfo<M>,
{
    target.as_server_ref().send_after(delay, message)
}

/// Sends a clone of `message` to `target` (a [`ServerRef`] or a client)
/// every `period`: [`ServerRef::send_interval`] for any address.
///
/// # Panics
///
/// Outside a tokio runtime.
pub fn send_interval<T, M>(target: &T, period: Duration, message: M) -> Timer
where
    T: AsServerRef,
    M: Clone + Send + 'static,
    <T::Server as GenServer>::Message: FromInfo<M>,
{
    target.as_server_ref().send_interval(period, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

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

    /// An interval whose first tick the clock holds but not its second:
    /// tokio's `interval` panics computing the second; here there is none.
    #[test]
    fn an_interval_has_no_tick_past_the_end_of_the_clock() {
        let now = Instant::now();
        let period = to_the_end_of_the_clock(now) / 2 + Duration::from_secs(1);
        let first = alarm::after(now, period).expect("the first tick is on the clock");
        assert_eq!(next_tick(first, period, first, first), None);
        assert_eq!(next_tick(first, period, first, first + period / 2), None);
        assert_eq!(grid_point(first, period, 1), None);
        assert_eq!(grid_point(first, period, u128::MAX), None);
    }

    #[test]
    fn a_tick_taken_late_skips_to_the_grid() {
        let first = Instant::now();
        let period = 10 * MS;
        assert_eq!(
            next_tick(first, period, first, first + MS),
            Some(first + period)
        );
        assert_eq!(
            next_tick(first, period, first, first + 25 * MS),
            Some(first + 30 * MS),
            "the tick at 20 ms has passed"
        );
        assert_eq!(
            next_tick(first, period, first, first + 20 * MS),
            Some(first + 30 * MS),
            "the tick sent at 20 ms stands for the one due then"
        );
        assert_eq!(
            next_tick(first, period, first, first + period),
            Some(first + 2 * period),
            "a tick sent one period late is not followed by another at once"
        );
    }

    /// A target that is never gone, for a guard read on its own.
    struct Always;

    impl Shared for Always {
        fn is_gone(&self) -> bool {
            false
        }

        fn next_tick(&self, first: Instant) -> Option<Instant> {
            Some(first)
        }
    }

    /// The handler of a one-shot timer's message may run, on another
    /// worker, before the timer's task has finished: the guard reads the
    /// message's delivery, not the task, to know that the timer fired.
    #[tokio::test(start_paused = true)]
    async fn a_one_shot_timer_whose_message_was_taken_has_fired_though_its_task_runs() {
        let token = CancelToken::default();
        let task = tokio::spawn(std::future::pending::<()>());
        let timer = Timer {
            token: token.clone(),
            task: task.abort_handle(),
            target: Arc::new(Always),
            first: Some(Instant::now() + MS),
            period: None,
            detached: false,
        };
        assert_eq!(timer.remaining(), Some(MS));
        // What the server does as it takes the message to handle.
        assert!(token.take());
        assert!(!task.is_finished());
        assert_eq!(timer.remaining(), None);
        assert!(!timer.is_active());
        assert_eq!(timer.cancel(), None);
    }
}
