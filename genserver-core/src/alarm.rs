//! A wait until an instant that works on any tokio runtime.
//!
//! tokio's `sleep` panics on a runtime built without its timer
//! (`enable_time`). Call deadlines already keep their promise there
//! (semantics 3.4); the start timeout, the idle timeout and timers use
//! this, so that they do too instead of panicking: tokio's timer where the
//! runtime has one, a thread that sleeps otherwise.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

/// How far tokio's timer may push a deadline when it registers it: it
/// rounds up to its next millisecond, and panics when that overflows the
/// clock.
const TIMER_ROUNDING: Duration = Duration::from_millis(1);

/// `from + after`, or `None` past what tokio's timer can wait for, its
/// last millisecond included: such a deadline is never reached (a
/// `Duration::MAX` meaning "never"). Every deadline an [`Alarm`] or a
/// call's wake-up waits for goes through this.
pub(crate) fn after(from: Instant, after: Duration) -> Option<Instant> {
    from.checked_add(after).filter(|&at| is_reachable(at))
}

/// Whether tokio's timer can wait until `at` (see [`after`]).
pub(crate) fn is_reachable(at: Instant) -> bool {
    at.checked_add(TIMER_ROUNDING).is_some()
}

pin_project_lite::pin_project! {
    /// Completes at its deadline; [`reset`](Alarm::reset) moves it.
    #[project = AlarmProj]
    pub(crate) enum Alarm {
        Timer {
            #[pin]
            sleep: Sleep,
        },
        // A runtime without tokio's timer: a thread sleeps until `at` and
        // then says so on `fired`. Moving the deadline later keeps that
        // thread, and one more is made when it fires early, so a deadline
        // reset at every wait (the idle timeout) costs a thread per
        // period, not one per reset.
        Thread {
            at: Instant,
            fired: Option<ThreadWait>,
        },
    }
}

impl Alarm {
    /// An alarm at `at`, which must be reachable ([`after`]).
    pub(crate) fn at(at: Instant) -> Self {
        match timer_sleep(at) {
            Some(sleep) => Alarm::Timer { sleep },
            None => Alarm::Thread {
                at,
                fired: Some(thread_until(at)),
            },
        }
    }

    /// When it completes.
    pub(crate) fn deadline(&self) -> Instant {
        match self {
            Alarm::Timer { sleep } => sleep.deadline(),
            Alarm::Thread { at, .. } => *at,
        }
    }

    pub(crate) fn reset(self: Pin<&mut Self>, new: Instant) {
        match self.project() {
            AlarmProj::Timer { sleep } => sleep.reset(new),
            AlarmProj::Thread { at, fired } => {
                if new < *at {
                    *fired = Some(thread_until(new));
                }
                *at = new;
            }
        }
    }
}

impl Future for Alarm {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let AlarmProj::Timer { sleep } = self.as_mut().project() {
            let at = sleep.deadline();
            // tokio panics when a sleep is polled on a runtime that has
            // shut down (a `block_on` through the handle of one): a thread
            // keeps time instead, as on a runtime without a timer.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sleep.poll(cx))) {
                Ok(polled) => return polled,
                Err(_) => self.set(Alarm::Thread {
                    at,
                    fired: Some(thread_until(at)),
                }),
            }
        }
        match self.project() {
            AlarmProj::Timer { .. } => unreachable!("replaced above"),
            AlarmProj::Thread { at, fired } => loop {
                if let Some(word) = fired.as_mut() {
                    let _ = ready!(Pin::new(&mut word.fired).poll(cx));
                    *fired = None;
                }
                if Instant::now() >= *at {
                    return Poll::Ready(());
                }
                // The thread slept for an earlier deadline, since moved.
                *fired = Some(thread_until(*at));
            },
        }
    }
}

/// `future`'s output, or `None` if `limit` passes first: tokio's
/// `timeout`, on any runtime (see [`Alarm`]), and with no limit at all
/// for one past what tokio's timer can wait for (see [`after`]), where
/// tokio's would panic.
pub(crate) async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let Some(at) = after(Instant::now(), limit) else {
        return Some(future.await);
    };
    tokio::select! {
        biased;
        output = future => Some(output),
        () = Alarm::at(at) => None,
    }
}

/// tokio's sleep until `at`; `None` outside a runtime or in one built
/// without the timer, where making the sleep panics (tokio reports it
/// through the panic hook, once per sleep asked for).
pub(crate) fn timer_sleep(at: Instant) -> Option<Sleep> {
    tokio::runtime::Handle::try_current().ok()?;
    std::panic::catch_unwind(|| tokio::time::sleep_until(at)).ok()
}

/// Runs `then` at `at` on a new thread: what keeps time where tokio's
/// timer cannot. Rare: a runtime without a timer is a deliberate choice.
pub(crate) fn on_a_thread_at(at: Instant, then: impl FnOnce() + Send + 'static) {
    let at = at.into_std();
    std::thread::spawn(move || {
        std::thread::sleep(at.saturating_duration_since(std::time::Instant::now()));
        then();
    });
}

/// A wait on a thread of its own, which closes `fired` at its deadline.
/// Dropped before then (a cancelled timer, an alarm reset earlier or
/// dropped), it ends the thread at once instead of leaving it asleep until
/// a deadline that no longer matters, an hour ahead perhaps.
struct ThreadWait {
    fired: oneshot::Receiver<()>,
    /// Its drop is what wakes the thread early.
    _keep: std::sync::mpsc::Sender<()>,
}

/// A channel that a new thread closes at `at`.
fn thread_until(at: Instant) -> ThreadWait {
    thread_until_joined(at).0
}

fn thread_until_joined(at: Instant) -> (ThreadWait, std::thread::JoinHandle<()>) {
    let (tx, fired) = oneshot::channel::<()>();
    let (keep, kept) = std::sync::mpsc::channel::<()>();
    let at = at.into_std();
    let thread = std::thread::spawn(move || {
        // Returns at `at`, or as soon as the wait is dropped.
        let _ = kept.recv_timeout(at.saturating_duration_since(std::time::Instant::now()));
        drop(tx);
    });
    (ThreadWait { fired, _keep: keep }, thread)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A thread that waits for an alarm dropped long before its deadline
    /// ends with the drop: a timer cancelled on a runtime without tokio's
    /// timer leaves no thread asleep behind it.
    #[test]
    fn the_thread_of_a_dropped_wait_ends_at_once() {
        let (wait, thread) = thread_until_joined(Instant::now() + Duration::from_secs(3600));
        drop(wait);
        let given_up = std::time::Instant::now() + Duration::from_secs(10);
        while !thread.is_finished() {
            assert!(
                std::time::Instant::now() < given_up,
                "the thread still sleeps"
            );
            std::thread::yield_now();
        }
    }

    /// Not dropped, the wait ends at its deadline.
    #[tokio::test]
    async fn a_wait_kept_ends_at_its_deadline() {
        let at = Instant::now() + Duration::from_millis(20);
        let (wait, _) = thread_until_joined(at);
        let _ = wait.fired.await;
        assert!(Instant::now() >= at);
    }
}
