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
