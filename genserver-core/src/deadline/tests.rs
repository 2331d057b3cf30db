use std::future::{Future, pending};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use super::{Deadline, with_deadline};

/// Counts its wakes. All the wakers made from one `Arc` of it share its
/// address, as a multi-thread runtime's `block_on` wakes its thread with
/// the same waker whatever the runtime.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a paused runtime")
}

/// Polls, once, a call's wait for a reply that never comes, under a
/// deadline `timeout` from now.
fn poll_a_waiting_call(timeout: Duration, waker: &Waker) {
    let mut deadline = Deadline::after(Some(timeout));
    let wait = pin!(with_deadline(&mut deadline, pending::<()>()));
    assert!(
        wait.poll(&mut Context::from_waker(waker)).is_pending(),
        "the deadline is ahead"
    );
}

/// Two runtimes' paused clocks start where the real clock was when each
/// was built, then move as their tests advance them. A wake-up that fired
/// in one runtime, due at a time ahead of the other's clock, must not be
/// taken there for one still to come: the call would never be woken.
#[test]
fn a_wake_up_that_fired_under_another_paused_clock_does_not_cover_a_call() {
    let counter = Arc::new(Wakes::default());
    let waker = Waker::from(Arc::clone(&counter));

    let first = paused_runtime();
    first.block_on(async {
        poll_a_waiting_call(Duration::from_secs(5), &waker);
        // The wake-up is due a second ahead (the horizon): let it fire.
        tokio::time::sleep(Duration::from_secs(3)).await;
    });
    assert_eq!(counter.count(), 1, "the first wake-up fired");
    drop(first);

    // Built well within the second, so the fired wake-up's due time is
    // still ahead of this clock.
    let second = paused_runtime();
    second.block_on(async {
        poll_a_waiting_call(Duration::from_secs(5), &waker);
        tokio::time::sleep(Duration::from_secs(6)).await;
    });
    assert!(
        counter.count() >= 2,
        "the second call's task was woken in its own runtime"
    );
}

mod deciding {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::super::table::{Scheduled, Table};
    use super::super::{ABANDONED, Decision, decide};

    const TASK: usize = 0x5eed_1000;

    fn scheduled(task: usize, due: Instant) -> Scheduled {
        Scheduled {
            task,
            due,
            abandoned: ABANDONED.load(std::sync::atomic::Ordering::Acquire),
        }
    }

    #[test]
    fn a_waker_with_no_data_arms_a_timer_of_its_own() {
        static TABLE: Table = Table::new();
        let now = Instant::now();
        let at = now + Duration::from_secs(5);
        assert_eq!(decide(&TABLE, 0, at, now), Decision::OwnTimer);
    }

    #[test]
    fn a_task_with_no_wake_up_schedules_one() {
        static TABLE: Table = Table::new();
        let now = Instant::now();
        let at = now + Duration::from_secs(5);
        assert_eq!(decide(&TABLE, TASK, at, now), Decision::Schedule);
    }

    #[test]
    fn a_task_is_covered_by_its_own_wake_up_due_by_its_deadline() {
        static TABLE: Table = Table::new();
        let now = Instant::now();
        TABLE.record(scheduled(TASK, now + Duration::from_secs(1)));
        assert_eq!(
            decide(&TABLE, TASK, now + Duration::from_secs(5), now),
            Decision::Covered
        );
        // One due after the deadline does not cover it.
        assert_eq!(
            decide(&TABLE, TASK, now + Duration::from_millis(500), now),
            Decision::Schedule
        );
        // Nor one whose time has come.
        assert_eq!(
            decide(
                &TABLE,
                TASK,
                now + Duration::from_secs(6),
                now + Duration::from_secs(1)
            ),
            Decision::Schedule
        );
    }

    /// With more tasks calling than the table has slots, a task whose
    /// slot another task's wake-up holds arms a timer for its wait rather
    /// than scheduling a wake-up and taking the slot: two tasks of one
    /// slot would otherwise each schedule one at every call.
    #[test]
    fn a_task_whose_slot_holds_another_tasks_wake_up_arms_its_own_timer() {
        static TABLE: Table = Table::new();
        let now = Instant::now();
        let other = TABLE.neighbour_of(TASK);
        TABLE.record(scheduled(other, now + Duration::from_secs(1)));
        let at = now + Duration::from_secs(5);
        assert_eq!(decide(&TABLE, TASK, at, now), Decision::OwnTimer);
        // Once that wake-up's time has come, the slot is taken over.
        let later = now + Duration::from_secs(1);
        assert_eq!(
            decide(&TABLE, TASK, later + Duration::from_secs(5), later),
            Decision::Schedule
        );
    }
}

/// The wait that arms its own timer (another task's wake-up holds its
/// slot) times out at its deadline, not before, and is woken for it.
#[test]
fn a_wait_with_its_own_timer_times_out_at_its_deadline() {
    use super::table::{Scheduled, WAKE_UPS};

    let counter = Arc::new(Wakes::default());
    let waker = Waker::from(Arc::clone(&counter));
    let task = waker.data() as usize;
    let runtime = paused_runtime();
    runtime.block_on(async {
        let began = tokio::time::Instant::now();
        WAKE_UPS.record(Scheduled {
            task: WAKE_UPS.neighbour_of(task),
            due: began + Duration::from_secs(60),
            abandoned: super::ABANDONED.load(Ordering::Acquire),
        });
        let mut deadline = Deadline::after(Some(Duration::from_secs(2)));
        let mut wait = pin!(with_deadline(&mut deadline, pending::<()>()));
        let mut cx = Context::from_waker(&waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());

        // Not timed out a millisecond before the deadline.
        tokio::time::sleep(Duration::from_millis(1999)).await;
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        // Woken for it, and timed out at it. (Should another test's task
        // take the slot meanwhile, a wake-up of the table's does it.)
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(counter.count() >= 1, "woken by the deadline");
        assert_eq!(wait.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
        assert_eq!(began.elapsed(), Duration::from_secs(2));
    });
}
