//! One run of a server, from `init` to the end of its task.
//!
//! An address ([`ServerRef`](crate::ServerRef)) outlives its instances: a
//! supervisor that restarts a server starts a new instance behind the same
//! address and mailbox, so clients keep working and queued messages are
//! kept. What belongs to one run (its id, how it ended, its counters, a
//! stop request) lives here.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::task::AbortHandle;

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
    /// A kill was asked for; read and written under the lock of `task`.
    killed: AtomicBool,
    /// Instances put behind the same address before this one.
    restarts: AtomicU32,
    /// The instance's task, for [`kill`](Self::kill): `None` until it is
    /// spawned, and once it has ended, so that an ended server's clients
    /// do not keep its task's memory.
    task: Mutex<Option<AbortHandle>>,
}

impl Instance {
    pub(crate) fn new() -> Self {
        Instance {
            id: ServerId::next(),
            exit: ExitSignal::new(),
            stats: StatsCell::new(),
            links: LinkSlot::default(),
            stop_requested: AtomicBool::new(false),
            killed: AtomicBool::new(false),
            restarts: AtomicU32::new(0),
            task: Mutex::new(None),
        }
    }

    /// Records the instance's task once it is spawned. A kill asked for
    /// before (a client found the server by its name in between) takes
    /// effect now.
    pub(crate) fn set_task(&self, task: AbortHandle) {
        let mut slot = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if self.killed.load(Ordering::Relaxed) {
            task.abort();
        } else {
            *slot = Some(task);
        }
    }

    /// Aborts the instance's task, now or as soon as it is spawned: it
    /// ends as `Killed` without running anything more of the server's
    /// code (the guards of the server loop decide the reason).
    pub(crate) fn kill(&self) {
        let slot = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        self.killed.store(true, Ordering::Relaxed);
        if let Some(task) = &*slot {
            task.abort();
        }
    }

    /// Lets go of the task at its end.
    pub(crate) fn forget_task(&self) {
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(task);
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
        self.exit.with_stop_request(|slot| {
            if !self.stop_requested.load(Ordering::Acquire) {
                *slot = Some(reason);
                self.stop_requested.store(true, Ordering::Release);
            }
        });
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
        self.exit.with_stop_request(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use super::Instance;

    /// Every server holds one instance from its start to its end, most of
    /// it unused until the server is watched, awaited, stopped or killed.
    /// With the reference counts, 120 bytes are 136, one 144-byte block of
    /// the allocator; a few bytes more take the next size. Raise the bound
    /// only knowingly, and re-measure the benchmarks' idle-memory row.
    /// A kill asked for before the task is recorded (a client found the
    /// server by its name in between) aborts the task once it is.
    #[tokio::test(start_paused = true)]
    async fn a_kill_before_the_task_is_recorded_aborts_it_then() {
        let instance = Instance::new();
        instance.kill();
        let task = tokio::spawn(std::future::pending::<()>());
        instance.set_task(task.abort_handle());
        let ended = tokio::time::timeout(std::time::Duration::from_secs(1), task).await;
        assert!(
            ended
                .expect("the task was aborted")
                .unwrap_err()
                .is_cancelled()
        );
    }

    #[test]
    fn an_instance_stays_small() {
        let size = std::mem::size_of::<Instance>();
        assert!(size <= 120, "an instance grew to {size} bytes");
    }
}
