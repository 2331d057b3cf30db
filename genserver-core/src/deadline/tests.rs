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
pub(super) struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    /// A new count, and a waker that counts in it.
    pub(super) fn counted() -> (Arc<Wakes>, Waker) {
        let counter = Arc::new(Wakes::default());
        (Arc::clone(&counter), Waker::from(counter))
    }

    pub(super) fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Held by each test here that uses the process's table of wake-ups: run
/// at once, another test's task could hold the same slot, or a runtime it
/// drops could count a wake-up abandoned, between two steps of this one.
static THE_TABLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone_with_the_table() -> std::sync::MutexGuard<'static, ()> {
    THE_TABLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Schedules, in the current runtime, the wake-up of another task whose
/// slot is `guest`'s, through `host`: due a second ahead (the horizon),
/// for a call whose deadline is 5 s away.
fn schedule_a_host_beside(guest: &Waker, host: &Waker) {
    let now = tokio::time::Instant::now();
    let host_task = super::table::WAKE_UPS.neighbour_of(guest.data() as usize);
    super::schedule_for(host_task, now + Duration::from_secs(5), now, host);
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
    let _alone = alone_with_the_table();
    let (counter, waker) = Wakes::counted();

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
        TABLE.record(scheduled(TASK, now + Duration::from_secs(1)), None);
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
    /// slot another task's wake-up holds does not schedule a wake-up and
    /// take the slot: two tasks of one slot would otherwise each schedule
    /// one at every call. It lodges as that wake-up's guest when it is due
    /// by its deadline, and arms a timer of its own otherwise.
    #[test]
    fn a_task_whose_slot_holds_another_tasks_wake_up_lodges_or_arms_its_own_timer() {
        static TABLE: Table = Table::new();
        let now = Instant::now();
        let other = TABLE.neighbour_of(TASK);
        TABLE.record(scheduled(other, now + Duration::from_secs(1)), None);
        let at = now + Duration::from_secs(5);
        assert_eq!(decide(&TABLE, TASK, at, now), Decision::Lodge);
        let sooner = now + Duration::from_millis(500);
        assert_eq!(decide(&TABLE, TASK, sooner, now), Decision::OwnTimer);
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

    let _alone = alone_with_the_table();
    let (counter, waker) = Wakes::counted();
    let task = waker.data() as usize;
    let runtime = paused_runtime();
    runtime.block_on(async {
        let began = tokio::time::Instant::now();
        WAKE_UPS.record(
            Scheduled {
                task: WAKE_UPS.neighbour_of(task),
                due: began + Duration::from_secs(60),
                abandoned: super::ABANDONED.load(Ordering::Acquire),
            },
            None,
        );
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

/// A call that has waited a horizon waits for its deadline on a timer of
/// its own: woken once by its task's wake-up, then at its deadline, so a
/// day-long deadline takes two wake-ups where one a second would take
/// 86,400, and the paused clock goes there at once.
#[test]
fn a_call_that_has_waited_a_horizon_is_woken_next_at_its_deadline() {
    let _alone = alone_with_the_table();
    let (counter, waker) = Wakes::counted();
    let runtime = paused_runtime();
    let day = Duration::from_secs(86_400);
    runtime.block_on(async {
        let began = tokio::time::Instant::now();
        let mut deadline = Deadline::after(Some(day));
        let mut wait = pin!(with_deadline(&mut deadline, pending::<()>()));
        let mut cx = Context::from_waker(&waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(wait.own_timer.is_none(), "a wake-up of the table covers it");

        tokio::time::sleep(super::HORIZON).await;
        tokio::task::yield_now().await;
        assert_eq!(counter.count(), 1, "woken by its task's wake-up");
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(wait.own_timer.is_some(), "then a timer of its own");

        let just_before = Duration::from_secs(86_400 - 1) - Duration::from_millis(1);
        assert_eq!(super::HORIZON, Duration::from_secs(1));
        tokio::time::sleep(just_before).await;
        tokio::task::yield_now().await;
        assert_eq!(counter.count(), 1, "not woken before its deadline");
        tokio::time::sleep(Duration::from_millis(1)).await;
        tokio::task::yield_now().await;
        assert_eq!(counter.count(), 2, "woken at its deadline");
        assert_eq!(wait.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
        assert_eq!(began.elapsed(), day);
    });
    assert_eq!(Arc::strong_count(&counter), 2, "nothing else holds it");
}

/// The timer of a call that has waited long goes with the call: once the
/// wait is dropped, nothing holds its task's waker, where a wake-up of
/// the table would for up to another horizon.
#[test]
fn a_long_wait_that_ends_leaves_nothing_of_its_task_behind() {
    let _alone = alone_with_the_table();
    let (counter, waker) = Wakes::counted();
    let runtime = paused_runtime();
    runtime.block_on(async {
        {
            let mut deadline = Deadline::after(Some(Duration::from_secs(60)));
            let mut wait = pin!(with_deadline(&mut deadline, pending::<()>()));
            let mut cx = Context::from_waker(&waker);
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            tokio::time::sleep(super::HORIZON).await;
            tokio::task::yield_now().await;
            assert_eq!(counter.count(), 1);
            assert!(wait.as_mut().poll(&mut cx).is_pending());
            assert_eq!(Arc::strong_count(&counter), 3, "the timer holds it");
        }
        assert_eq!(Arc::strong_count(&counter), 2, "let go with the wait");
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
    assert_eq!(counter.count(), 1, "a wait gone is not woken");
}

/// A task that calls once, in a slot that another task's wake-up holds,
/// lodges its wait beside that wake-up: it is woken when the wake-up
/// fires, goes on to its own, and times out at its deadline. Nothing of
/// the task stays in the table once its wait is over.
#[test]
fn a_guest_is_woken_by_its_hosts_wake_up_and_times_out_at_its_deadline() {
    let _alone = alone_with_the_table();
    let (guest, guest_waker) = Wakes::counted();
    let (host, host_waker) = Wakes::counted();
    let runtime = paused_runtime();
    runtime.block_on(async {
        let began = tokio::time::Instant::now();
        schedule_a_host_beside(&guest_waker, &host_waker);

        let mut deadline = Deadline::after(Some(Duration::from_millis(1500)));
        let mut wait = pin!(with_deadline(&mut deadline, pending::<()>()));
        let mut cx = Context::from_waker(&guest_waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(wait.lodging.is_some(), "lodged beside the host's wake-up");
        assert!(wait.own_timer.is_none());

        // The host's wake-up is due a second ahead (the horizon).
        tokio::time::sleep(Duration::from_millis(999)).await;
        assert_eq!(guest.count(), 0);
        tokio::time::sleep(Duration::from_millis(1)).await;
        // The wake-ups are tasks woken at the same instant: let them run.
        tokio::task::yield_now().await;
        assert_eq!(host.count(), 1);
        assert_eq!(guest.count(), 1, "woken with the host");
        assert!(wait.as_mut().poll(&mut cx).is_pending());

        // Now in a slot of its own: woken at its deadline, not before.
        tokio::time::sleep(Duration::from_millis(499)).await;
        assert_eq!(guest.count(), 1);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        tokio::time::sleep(Duration::from_millis(1)).await;
        tokio::task::yield_now().await;
        assert_eq!(guest.count(), 2);
        assert_eq!(wait.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
        assert_eq!(began.elapsed(), Duration::from_millis(1500));
    });
    // The guest's own wake-up has fired; nothing else holds its waker.
    assert_eq!(Arc::strong_count(&guest), 2);
}

/// A guest that ends before the wake-up fires takes its waker back: a
/// task that called once and ended is not held by the table.
#[test]
fn a_guest_that_ends_leaves_nothing_of_its_task_behind() {
    let _alone = alone_with_the_table();
    let (guest, guest_waker) = Wakes::counted();
    let (_, host_waker) = Wakes::counted();
    let runtime = paused_runtime();
    runtime.block_on(async {
        schedule_a_host_beside(&guest_waker, &host_waker);
        {
            let mut deadline = Deadline::after(Some(Duration::from_secs(5)));
            let wait = pin!(with_deadline(&mut deadline, pending::<()>()));
            assert!(
                wait.poll(&mut Context::from_waker(&guest_waker))
                    .is_pending()
            );
            assert_eq!(Arc::strong_count(&guest), 3, "lodged");
        }
        assert_eq!(Arc::strong_count(&guest), 2, "let go with the wait");
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    assert_eq!(guest.count(), 0, "a guest gone is not woken");
}

/// A wake-up kept by another runtime's timer runs on that runtime's
/// clock, which may stand still: a call never relies on it, and arms a
/// timer of its own instead.
#[test]
fn a_wake_up_kept_by_another_runtime_takes_no_guest() {
    let _alone = alone_with_the_table();
    let (guest, guest_waker) = Wakes::counted();
    let (_, host_waker) = Wakes::counted();
    // Scheduled there, and never driven again.
    let elsewhere = paused_runtime();
    elsewhere.block_on(async { schedule_a_host_beside(&guest_waker, &host_waker) });

    let runtime = paused_runtime();
    runtime.block_on(async {
        let began = tokio::time::Instant::now();
        let mut deadline = Deadline::after(Some(Duration::from_secs(2)));
        let mut wait = pin!(with_deadline(&mut deadline, pending::<()>()));
        let mut cx = Context::from_waker(&guest_waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(
            wait.lodging.is_none(),
            "not lodged beside another runtime's wake-up"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(guest.count() >= 1, "woken by its deadline");
        assert_eq!(wait.as_mut().poll(&mut cx), std::task::Poll::Ready(None));
        assert_eq!(began.elapsed(), Duration::from_secs(2));
    });
    drop(elsewhere);
}
