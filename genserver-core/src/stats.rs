use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Counters of one server, written only by its own task.
pub(crate) struct StatsCell {
    handled: AtomicU64,
    started: Instant,
}

impl StatsCell {
    pub(crate) fn new() -> Self {
        StatsCell {
            handled: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// One writer: a load and a store, no read-modify-write, on the hot path.
    pub(crate) fn count_handled(&self) {
        let n = self.handled.load(Ordering::Relaxed);
        self.handled.store(n + 1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, queue_len: usize, restarts: u64) -> ServerStats {
        ServerStats {
            messages_handled: self.handled.load(Ordering::Relaxed),
            queue_len,
            uptime: self.started.elapsed(),
            restarts,
        }
    }
}

/// A server's statistics, read in its own task by
/// [`ServerRef::stats`](crate::ServerRef::stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Messages handled so far by the running instance: calls, casts and
    /// info messages. Runtime requests such as this one are not counted.
    pub messages_handled: u64,
    /// Messages waiting in the mailbox behind this request to be handled,
    /// trapped exit signals included: not runtime requests such as this
    /// one, nor the messages of cancelled timers and tasks, nor the exit
    /// signals meant for an earlier instance behind the address, all of
    /// which will be dropped unhandled.
    pub queue_len: usize,
    /// Time since the running instance was started.
    pub uptime: Duration,
    /// How many times a supervisor restarted the server behind this
    /// address (0 for a server that was never restarted).
    pub restarts: u64,
}
