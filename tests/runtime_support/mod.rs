//! Running a test body where a wait that never ends cannot hang the test
//! run, and on a runtime built without tokio's timer; polling a request
//! once, so that it is made before what the test does next.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// Runs `body` on a thread of its own and returns what it returns, or
/// `None` if it has not returned within a minute: a wait that never ends
/// shows as a failure instead of a hung test run.
pub(crate) fn on_a_thread_of_its_own<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(Duration::from_secs(60)).ok()
}

/// Runs the future `make` returns on a current-thread runtime built
/// without tokio's timer, on a thread of its own
/// ([`on_a_thread_of_its_own`]).
pub(crate) fn without_a_timer<F>(make: impl FnOnce() -> F + Send + 'static) -> Option<F::Output>
where
    F: Future,
    F::Output: Send + 'static,
{
    on_a_thread_of_its_own(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime without the time driver");
        runtime.block_on(make())
    })
}

/// Polls `future` once: `Some(output)` if it completed. A call or stop
/// polled so has made its request; the test can await it later.
pub(crate) async fn poll_once<F: Future + ?Sized>(
    mut future: std::pin::Pin<&mut F>,
) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match future.as_mut().poll(cx) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        })
    })
    .await
}
