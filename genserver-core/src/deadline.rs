//! Call deadlines that cost one clock read per call.
//!
//! Registering a tokio timer for every call (`tokio::time::timeout`) more
//! than doubles the cost of a call round trip: each registration and each
//! cancellation goes through the timer wheel. Yet a call almost never times
//! out, so what a waiting call needs is only the guarantee that its task is
//! woken at or shortly after its deadline.
//!
//! A task that makes many calls gets that guarantee from one wake-up
//! scheduled for its first call: a wake-up due at `at` covers every later
//! call of the same task whose deadline is at or after `at`. When it fires
//! while such a call is still waiting, the call checks the clock, finds its
//! deadline not yet reached and schedules a wake-up for its own deadline,
//! or for the [`HORIZON`] if that comes first. So a task schedules about
//! one wake-up per horizon instead of one per call, and a spurious
//! wake-up reaches a task at most that often. A call that has waited a
//! whole horizon, a rare one, arms a timer of its own for its deadline
//! instead, which goes with it.
//!
//! Wake-ups are remembered in one table for the process, keyed by the
//! task's waker, so a task that a multi-thread runtime moves to another
//! worker still finds its own; a wake-up that fires takes itself out. A
//! slot being written only costs an extra wake-up. A task whose slot holds
//! another task's wake-up, still to come, does not take the slot, so that
//! thousands of tasks calling at once do not each schedule a wake-up at
//! every call: its wait lodges as the guest of that wake-up (`guest.rs`),
//! or, when the slot has a guest already, arms a timer of its own
//! (tokio's `timeout`, in effect). Precision is that of tokio's timer: a
//! call times out at its deadline or up to about a millisecond after it,
//! and the paused clock of `tokio::test(start_paused = true)` is
//! honoured.
//!
//! A remembered wake-up can be lost before it fires: its runtime shut down
//! and dropped the task that kept it. A later runtime can hand out wakers
//! at the same address (a `block_on` wakes through the runtime's handle,
//! or a multi-thread runtime's through the thread, not a task), so the
//! table would take that lost wake-up for a live one and the call would
//! never time out. Every
//! wake-up dropped unfired therefore counts itself in [`ABANDONED`], and a
//! remembered wake-up counts only while that count has not moved since it
//! was scheduled.

mod guest;
mod table;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::Instant;

use self::guest::Lodging;
use self::table::{Scheduled, Table, WAKE_UPS};
use crate::alarm::{self, Alarm};

/// When a call gives up: `None` for never.
#[derive(Clone, Copy)]
pub(crate) struct Deadline {
    /// When the deadline was set, and when it passes.
    at: Option<(Instant, Instant)>,
    used: bool,
}

impl Deadline {
    #[inline]
    pub(crate) fn after(timeout: Option<Duration>) -> Self {
        Deadline {
            at: timeout.and_then(|d| {
                let now = Instant::now();
                now.checked_add(d).map(|at| (now, at))
            }),
            // A zero timeout has passed by the time the request is out, as
            // `after 0` in Elixir: the first wait reads the clock and finds
            // it so, unless the reply is already there.
            used: timeout == Some(Duration::ZERO),
        }
    }
}

/// Runs `future` until it completes (`Some`) or the deadline passes (`None`).
///
/// Only the first wait under a deadline may skip the clock read on its
/// first poll; later waits under the same deadline read the clock.
pub(crate) fn with_deadline<F: Future>(deadline: &mut Deadline, future: F) -> WithDeadline<F> {
    let polled = deadline.used;
    deadline.used = true;
    WithDeadline {
        future,
        deadline: *deadline,
        polled,
        own_timer: None,
        lodging: None,
    }
}

pin_project_lite::pin_project! {
    pub(crate) struct WithDeadline<F> {
        #[pin]
        future: F,
        deadline: Deadline,
        polled: bool,
        // The wait's own timer, when another task's wake-up holds this
        // task's place in the table (see `wake_by`).
        own_timer: Option<Pin<Box<Alarm>>>,
        // The wait as the guest of another task's wake-up, until it ends.
        lodging: Option<Lodging>,
    }
}

impl<F> WithDeadline<F> {
    /// The deadline, for a later wait under the same one.
    pub(crate) fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// What is waited for, once the wait is over (an unpinned future).
    pub(crate) fn inner_mut(&mut self) -> &mut F
    where
        F: Unpin,
    {
        &mut self.future
    }
}

impl<F: Future> Future for WithDeadline<F> {
    type Output = Option<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(value) = this.future.poll(cx) {
            return Poll::Ready(Some(value));
        }
        let Some((set_at, at)) = this.deadline.at else {
            return Poll::Pending;
        };
        // The first poll follows the clock read that set the deadline, so
        // it needs no second one.
        let now = if *this.polled {
            let now = Instant::now();
            if now >= at {
                return Poll::Ready(None);
            }
            if this.own_timer.is_none() && now.saturating_duration_since(set_at) >= HORIZON {
                return if waited_long(at, this.own_timer, this.lodging, cx) {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                };
            }
            now
        } else {
            *this.polled = true;
            set_at
        };
        if this.own_timer.is_none() && wake_by(at, now, cx.waker(), this.lodging) {
            return Poll::Pending;
        }
        if own_timer_fired(this.own_timer, at, cx) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

/// The wait of a call that has waited a [`HORIZON`] already, `true` once
/// its deadline has passed. A wait that long is rare, and one timer of
/// its own, due at its deadline and gone with it, costs less than a
/// wake-up every horizon; the paused clock of a test then moves to the
/// deadline at once, as for `tokio::time::timeout`, instead of a horizon
/// at a time. Not generic: an instance per call's output type made the
/// code around the server's stop path slower (benches/README.md).
#[cold]
fn waited_long(
    at: Instant,
    own_timer: &mut Option<Pin<Box<Alarm>>>,
    lodging: &mut Option<Lodging>,
    cx: &mut Context<'_>,
) -> bool {
    *lodging = None;
    // Never reached: nothing to wake the call for.
    alarm::is_reachable(at) && own_timer_fired(own_timer, at, cx)
}

/// Arms the wait's own timer if it has none yet, and polls it. tokio's
/// timer never fires before the deadline it was given.
#[cold]
fn own_timer_fired(timer: &mut Option<Pin<Box<Alarm>>>, at: Instant, cx: &mut Context<'_>) -> bool {
    timer
        .get_or_insert_with(|| Box::pin(Alarm::at(at)))
        .as_mut()
        .poll(cx)
        .is_ready()
}

/// How many scheduled wake-ups were dropped before they fired, in the
/// whole process: written when a runtime shuts down with wake-ups pending,
/// read by every call that waits.
static ABANDONED: Abandoned = Abandoned(AtomicU64::new(0));

/// The count, on cache lines of its own: every waiting call reads it, and
/// a neighbour written often would make each of those reads a miss.
#[repr(align(128))]
struct Abandoned(AtomicU64);

impl std::ops::Deref for Abandoned {
    type Target = AtomicU64;

    fn deref(&self) -> &AtomicU64 {
        &self.0
    }
}

/// Makes sure the task behind `waker` is woken at or before `at` by a
/// wake-up in the table, scheduled now or earlier (`true`), or says that
/// the wait must arm a timer of its own (`false`).
///
/// A wake-up already scheduled for the same task covers `at` when it is
/// due at or before `at` and has not fired by `now` (tokio never fires a
/// timer before it is due, so `now < due` means it is still to come).
///
/// When the task's slot holds the wake-up of another task, still to come,
/// the wait does not schedule a wake-up and take the slot: with more
/// tasks calling at once than the table has slots, two tasks of one slot
/// would otherwise each schedule a wake-up at every call, and each would
/// hold its task's memory for up to the [`HORIZON`]. It lodges as that
/// wake-up's guest if it is due by `at` and kept by this runtime's timer,
/// and the slot has no other guest; otherwise it arms a timer of its own.
/// Either goes with the wait.
///
/// The task is known by its waker's data pointer alone: `Waker::will_wake`
/// also compares vtable addresses, which differ between copies of one
/// vtable made in different codegen units (rust-lang/rust#121622), so the
/// same task would look new at every call. The address cannot have been
/// reused by another task while the wake-up is in the table and no
/// wake-up was abandoned: the scheduled wake-up holds a clone of the
/// waker, which keeps the task's allocation alive until it fires (and
/// takes itself out of the table) or is dropped.
fn wake_by(at: Instant, now: Instant, waker: &Waker, lodging: &mut Option<Lodging>) -> bool {
    let task = waker.data() as usize;
    match decide(&WAKE_UPS, task, at, now) {
        Decision::Covered => true,
        Decision::OwnTimer => false,
        Decision::Lodge => lodge(&WAKE_UPS, task, at, now, waker, lodging),
        Decision::Schedule => {
            schedule_for(task, at, now, waker);
            true
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Covered,
    OwnTimer,
    Lodge,
    Schedule,
}

/// What [`wake_by`] does for `task`, from what `table` holds.
fn decide(table: &Table, task: usize, at: Instant, now: Instant) -> Decision {
    // A waker with no data (a no-op one, as `now_or_never` polls with) has
    // no address to be known by: it would find no entry at every poll.
    if task == 0 {
        return if alarm::is_reachable(at) {
            Decision::OwnTimer
        } else {
            Decision::Covered
        };
    }
    let Some(scheduled) = table.lookup(task) else {
        return Decision::Schedule;
    };
    if !is_pending(&scheduled, now) {
        Decision::Schedule
    } else if scheduled.task != task {
        if !alarm::is_reachable(at) {
            // Never reached: nothing to wake the task for.
            Decision::Covered
        } else if scheduled.due <= at {
            Decision::Lodge
        } else {
            Decision::OwnTimer
        }
    } else if scheduled.due <= at {
        Decision::Covered
    } else {
        Decision::Schedule
    }
}

/// Whether `scheduled` is still to come: tokio never fires a timer
/// before it is due, and no wake-up was lost since it was scheduled.
fn is_pending(scheduled: &Scheduled, now: Instant) -> bool {
    now < scheduled.due && scheduled.abandoned == ABANDONED.load(Ordering::Acquire)
}

/// Lodges the wait as the guest of the wake-up in `task`'s slot, if that
/// one still wakes it by `at` on this runtime's clock: `false` if the
/// wait must arm a timer of its own.
fn lodge(
    table: &'static Table,
    task: usize,
    at: Instant,
    now: Instant,
    waker: &Waker,
    lodging: &mut Option<Lodging>,
) -> bool {
    let Some(runtime) = current_runtime() else {
        return false;
    };
    table.lodge(task, waker, lodging, |host, host_runtime| {
        host_runtime == Some(runtime)
            && host.task != task
            && host.due <= at
            && is_pending(&host, now)
    })
}

/// The runtime the caller runs in, whose timer keeps the wake-ups it
/// schedules; `None` outside one.
fn current_runtime() -> Option<tokio::runtime::Id> {
    tokio::runtime::Handle::try_current()
        .ok()
        .map(|handle| handle.id())
}

/// How far ahead of the clock a wake-up is due at most. A wake-up holds
/// its task's waker, and with it the task's allocation in tokio, until it
/// fires: a task that made one call and ended is freed at most this long
/// after, whatever the call's timeout, and a caller that comes and goes
/// leaves at most this many seconds' worth of wake-ups behind. A call that
/// waits longer is woken once, finds its deadline ahead and arms a timer
/// of its own for it (`waited_long`); a task that calls without pause
/// schedules one wake-up per horizon.
const HORIZON: Duration = Duration::from_secs(1);

/// The wake-up of a task that has none covering `at` yet: about one per
/// task and [`HORIZON`].
#[cold]
fn schedule_for(task: usize, at: Instant, now: Instant, waker: &Waker) {
    // A deadline in the clock's last millisecond is never reached, and
    // tokio's timer would overflow rounding it up: nothing to schedule.
    if !alarm::is_reachable(at) {
        return;
    }
    // Read before the wake-up exists, so that its own abandonment, however
    // soon, is seen as a change.
    let abandoned = ABANDONED.load(Ordering::Acquire);
    let due = now
        .checked_add(HORIZON)
        .map_or(at, |horizon| horizon.min(at));
    // Recorded before the wake-up exists, so that its firing, however
    // soon and on whichever thread, finds the entry to forget.
    WAKE_UPS.record(
        Scheduled {
            task,
            due,
            abandoned,
        },
        current_runtime(),
    );
    schedule(task, due, waker);
}

/// Schedules the wake-up of `task` (its slot's guest too) at `at`,
/// through `waker`.
fn schedule(task: usize, at: Instant, waker: &Waker) {
    // Outside a runtime, or in one built without `enable_time`, a thread
    // keeps the promise instead of the call hanging.
    let Some(sleep) = alarm::timer_sleep(at) else {
        schedule_on_a_thread(task, at, waker);
        return;
    };
    let mut wake = PendingWake::new(task, waker.clone(), at);
    let waiting = tokio::spawn(async move {
        wake.running = true;
        sleep.await;
        wake.fire();
    });
    if waiting.is_finished() {
        // Refused: the runtime has shut down (a `block_on` through the
        // handle of one that has), and no timer of its runs any more. A
        // thread keeps the promise. (A wake-up that was due at once and
        // already ran makes this one a spare.)
        schedule_on_a_thread(task, at, waker);
    }
}

/// The wake-up where no timer of tokio's can keep it.
fn schedule_on_a_thread(task: usize, at: Instant, waker: &Waker) {
    let wake = PendingWake::new(task, waker.clone(), at);
    alarm::on_a_thread_at(at, move || wake.fire());
}

/// A scheduled wake-up. When it fires, it takes itself out of the table
/// before it wakes the task: a task is known there by its waker's address
/// alone, and a later runtime can hand out a waker at the same address (a
/// `block_on`'s, through its runtime's handle or, on a multi-thread
/// runtime, through the thread) under another clock. A paused clock
/// starts where the real one was when its runtime was built, and moves as
/// its test advances it, so a fired wake-up's due time can be ahead of the
/// next runtime's clock, and would pass there for one still to come.
///
/// Dropped unfired (its runtime shut down), it
/// counts itself in [`ABANDONED`] before it lets go of the waker, so that
/// no task can reuse the waker's address while the table still trusts it.
///
/// If it had begun to wait, it also wakes the task. That task may be one
/// of another runtime that found it in the table and relies on it: a
/// multi-thread runtime's `block_on` wakes its thread, whatever the
/// runtime, with the same waker. Woken, the task finds its deadline still
/// ahead, and the table no longer trusted, and schedules its own wake-up.
/// One dropped before it began (refused by a runtime that shut down) does
/// not wake the task, or a task on such a runtime would be woken, schedule
/// again and be refused again, forever.
///
/// Whatever wakes the task wakes its slot's guest too, and takes it out
/// after the wake-up is out of the table: a guest lodged after that finds
/// no wake-up to rely on.
struct PendingWake {
    /// The task's key in the table.
    task: usize,
    waker: Option<Waker>,
    due: Instant,
    running: bool,
}

impl PendingWake {
    fn new(task: usize, waker: Waker, due: Instant) -> Self {
        PendingWake {
            task,
            waker: Some(waker),
            due,
            running: false,
        }
    }

    fn fire(mut self) {
        if let Some(waker) = self.waker.take() {
            WAKE_UPS.forget(self.task, self.due);
            waker.wake();
            WAKE_UPS.wake_guest(self.task);
        }
    }
}

impl Drop for PendingWake {
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            ABANDONED.fetch_add(1, Ordering::Release);
            if self.running {
                waker.wake();
                WAKE_UPS.wake_guest(self.task);
            }
        }
    }
}
