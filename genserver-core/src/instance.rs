//! One run of a server, from `init` to the end of its task.
//!
//! An address ([`ServerRef`](crate::ServerRef)) outlives its instances: a
//! supervisor that restarts a server starts a new instance behind the same
//! address and mailbox, so clients keep working and queued messages are
//! kept. What belongs to one run (its id, how it ended, its counters, a
//! stop request) lives here.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::exit_signal::ExitSignal;
use crate::link::LinkSlot;
use crate::stats::StatsCell;
use crate::{ExitReason, ServerId};

pub(crate) struct Instance {
    pub(crate) id: ServerId,
    pub(crate) exit: ExitSignal,
    pub(crate) stats: StatsCell,
    /// The servers linked to this one, and whether it traps exits.
    pub(crate) links: LinkSlot,
    stop_requested: AtomicBool,
    /// Instances put behind the same address before this one.
    restarts: AtomicU32,
    /// Boxed: every server carries this word, few are ever asked to stop
    /// before they end.
    stop_reason: Mutex<Option<Box<ExitReason>>>,
}

impl Instance {
    pub(crate) fn new() -> Self {
        Instance {
            id: ServerId::next(),
            exit: ExitSignal::new(),
            stats: StatsCell::new(),
            links: LinkSlot::default(),
            stop_requested: AtomicBool::new(false),
            restarts: AtomicU32::new(0),
            stop_reason: Mutex::new(None),
        }
    }

    /// What stays behind an address that closed after `last`, its last
    /// instance, had ended: `last`'s id and count of restarts, ended with
    /// `reason`, the reason the address closed with. A supervisor closes a
    /// child's address with a reason of its own (`Shutdown` for a child
    /// waiting for a restart, whose last instance crashed), and whoever
    /// asks the address afterwards (a sender that waited for room,
    /// `wait`) must hear the reason the queued callers were given.
    pub(crate) fn closed_after(last: &Instance, reason: ExitReason) -> Self {
        let closed = Instance {
            id: last.id,
            restarts: AtomicU32::new(last.restarts.load(Ordering::Relaxed)),
            ..Instance::new()
        };
        closed.exit.decide(reason);
        closed.exit.finish();
        closed
    }

    /// Makes this instance, about to run behind the address of `previous`,
    /// count one restart more than it.
    pub(crate) fn count_restart_after(&self, previous: &Instance) {
        let restarts = previous.restarts.load(Ordering::Relaxed).saturating_add(1);
        self.restarts.store(restarts, Ordering::Relaxed);
    }

    /// Takes back the restart counted for this instance, whose start
    /// failed: `restarts` counts the instances that started.
    pub(crate) fn uncount_restart(&self) {
        let restarts = self.restarts.load(Ordering::Relaxed).saturating_sub(1);
        self.restarts.store(restarts, Ordering::Relaxed);
    }

    /// How many instances started behind the same address before this
    /// one.
    pub(crate) fn restarts(&self) -> u64 {
        u64::from(self.restarts.load(Ordering::Relaxed))
    }

    /// Records a stop request; the first reason wins.
    pub(crate) fn request_stop(&self, reason: ExitReason) {
        let mut slot = self
            .stop_reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !self.stop_requested.load(Ordering::Acquire) {
            *slot = Some(Box::new(reason));
            self.stop_requested.store(true, Ordering::Release);
        }
    }

    /// The reason of a pending stop request, taken once. One atomic load
    /// when there is none: this runs before every message.
    #[inline]
    pub(crate) fn take_stop_request(&self) -> Option<ExitReason> {
        if !self.stop_requested.load(Ordering::Acquire) {
            return None;
        }
        self.take_stop_reason()
    }

    #[cold]
    fn take_stop_reason(&self) -> Option<ExitReason> {
        self.stop_reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(|reason| *reason)
    }
}

#[cfg(test)]
mod tests {
    use super::Instance;

    /// Every server holds one instance from its start to its end, most of
    /// it unused until the server is watched, awaited or stopped. With the
    /// reference counts, 104 bytes are 120, one 128-byte block of the
    /// allocator; a few bytes more take the next size. Raise the bound
    /// only knowingly, and re-measure the benchmarks' idle-memory row.
    #[test]
    fn an_instance_stays_small() {
        let size = std::mem::size_of::<Instance>();
        assert!(size <= 104, "an instance grew to {size} bytes");
    }
}
