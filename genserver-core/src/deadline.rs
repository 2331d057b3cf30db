//! Call deadlines.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    pub(crate) fn after(timeout: Option<Duration>) -> Self {
        Deadline(timeout.and_then(|d| Instant::now().checked_add(d)))
    }
}

/// Runs `future` until it completes (`Some`) or the deadline passes (`None`).
pub(crate) async fn with_deadline<F: Future>(deadline: &Deadline, future: F) -> Option<F::Output> {
    match deadline.0 {
        None => Some(future.await),
        Some(at) => tokio::time::timeout_at(at, future).await.ok(),
    }
}
