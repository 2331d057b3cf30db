//! The wake-ups already scheduled, one table for every thread.
//!
//! A multi-thread runtime moves tasks between its workers, so a table per
//! thread would forget a task's wake-up whenever the task moved, and the
//! task would schedule another: with a hundred tasks calling one server on
//! two workers, up to one call in twenty did. One table for the process
//! keeps it wherever the task runs.
//!
//! Each slot is a sequence lock that never waits: a reader that finds the
//! slot being written, or written while it read, takes it as a miss (an
//! extra wake-up, no more), and a writer that finds another one writing
//! leaves the slot to it. No read mixes two entries.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::time::Duration;

use tokio::time::Instant;

/// Slots in the table. Each covers one task at a time; a task that finds
/// its slot holding another task's wake-up arms a timer for each of its
/// waits instead, which costs it about what tokio's `timeout` does. With
/// 10,000 tasks calling one server at once, 4,096 slots made a call 555
/// to 601 ns, these 462 to 486. The table is 512 KB of address space, of
/// which only the pages of the slots in use become resident.
const SLOTS: usize = 16384;

/// A wake-up scheduled for `task` (its waker's data address), due at
/// `due`, when the process had abandoned `abandoned` wake-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Scheduled {
    pub(super) task: usize,
    pub(super) due: Instant,
    pub(super) abandoned: u64,
}

struct Slot {
    /// Even at rest, odd while the slot is written.
    sequence: AtomicU64,
    task: AtomicUsize,
    /// Nanoseconds from [`floor`] to the wake-up's due time.
    due: AtomicU64,
    abandoned: AtomicU64,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            sequence: AtomicU64::new(0),
            task: AtomicUsize::new(0),
            due: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
        }
    }

    /// Runs `write` as the slot's one writer, if the slot is still at rest
    /// at `sequence`; `false`, writing nothing, if it is being written or
    /// was written since.
    fn write_at(&self, sequence: u64, write: impl FnOnce(&Slot)) -> bool {
        if sequence % 2 == 1
            || self
                .sequence
                .compare_exchange(sequence, sequence + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        // Orders the odd sequence before the writer's stores, for the
        // readers' fence in `lookup`.
        fence(Ordering::Release);
        write(self);
        self.sequence.store(sequence + 2, Ordering::Release);
        true
    }
}

/// The wake-ups of the process's tasks.
pub(super) static WAKE_UPS: Table = Table::new();

/// A table of scheduled wake-ups: [`WAKE_UPS`], or one of a test's own.
pub(super) struct Table {
    slots: [Slot; SLOTS],
}

impl Table {
    // Only ever evaluated at compile time, into a static: the array is
    // never on a stack.
    #[expect(clippy::large_stack_arrays)]
    pub(super) const fn new() -> Self {
        Table {
            slots: [const { Slot::new() }; SLOTS],
        }
    }

    /// The slot of a task. Fibonacci hashing of its address spreads
    /// neighbouring allocations over the table; the top bits of the
    /// product are the well-mixed ones.
    fn slot_of(&self, task: usize) -> &Slot {
        let mixed = (task as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50;
        &self.slots[usize::try_from(mixed).unwrap_or_default() % SLOTS]
    }

    /// Another task address that falls in `task`'s slot.
    #[cfg(test)]
    pub(super) fn neighbour_of(&self, task: usize) -> usize {
        (task + 8..)
            .step_by(8)
            .find(|&other| std::ptr::eq(self.slot_of(other), self.slot_of(task)))
            .expect("another address of the same slot")
    }

    /// What the table remembers in `task`'s slot, whichever task's it is,
    /// unless the slot is empty or was being written.
    pub(super) fn lookup(&self, task: usize) -> Option<Scheduled> {
        let slot = self.slot_of(task);
        let before = slot.sequence.load(Ordering::Acquire);
        if before % 2 == 1 {
            return None;
        }
        let entry_task = slot.task.load(Ordering::Relaxed);
        let due = slot.due.load(Ordering::Relaxed);
        let abandoned = slot.abandoned.load(Ordering::Relaxed);
        // Orders the loads above before the second read of the sequence: if
        // any of them saw a writer's store, that read sees its odd sequence.
        fence(Ordering::Acquire);
        if slot.sequence.load(Ordering::Relaxed) != before || entry_task == 0 {
            return None;
        }
        Some(Scheduled {
            task: entry_task,
            due: decode(due)?,
            abandoned,
        })
    }

    /// Remembers `scheduled` in its task's slot, unless another thread is
    /// writing that slot (or `due` is too far to write down): the task then
    /// only schedules again at its next call.
    pub(super) fn record(&self, scheduled: Scheduled) {
        let Some(due) = encode(scheduled.due) else {
            return;
        };
        let slot = self.slot_of(scheduled.task);
        let sequence = slot.sequence.load(Ordering::Relaxed);
        slot.write_at(sequence, |slot| {
            slot.task.store(scheduled.task, Ordering::Relaxed);
            slot.due.store(due, Ordering::Relaxed);
            slot.abandoned.store(scheduled.abandoned, Ordering::Relaxed);
        });
    }

    /// Takes `task`'s wake-up due at `due` out of its slot, once it has
    /// fired. A slot that holds another entry, or that a writer is
    /// replacing, is left as it is: that entry is not this one.
    pub(super) fn forget(&self, task: usize, due: Instant) {
        let Some(due) = encode(due) else {
            return;
        };
        let slot = self.slot_of(task);
        loop {
            let sequence = slot.sequence.load(Ordering::Acquire);
            if sequence % 2 == 1
                || slot.task.load(Ordering::Relaxed) != task
                || slot.due.load(Ordering::Relaxed) != due
            {
                return;
            }
            // Fails only if a writer came in since the sequence was read:
            // then look again.
            if slot.write_at(sequence, |slot| slot.task.store(0, Ordering::Relaxed)) {
                return;
            }
        }
    }
}

/// The instant due times are counted from: a day before the table was
/// first used, so that the paused clock of a runtime built before then
/// (which starts at its build) is covered too. An instant before it is
/// not remembered, which only costs wake-ups.
fn floor() -> std::time::Instant {
    static FLOOR: OnceLock<std::time::Instant> = OnceLock::new();
    *FLOOR.get_or_init(|| {
        let now = std::time::Instant::now();
        now.checked_sub(Duration::from_secs(86_400)).unwrap_or(now)
    })
}

fn encode(due: Instant) -> Option<u64> {
    let since = due.into_std().checked_duration_since(floor())?;
    u64::try_from(since.as_nanos()).ok()
}

fn decode(nanos: u64) -> Option<Instant> {
    floor()
        .checked_add(Duration::from_nanos(nanos))
        .map(Instant::from_std)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(task: usize, due_in: Duration, abandoned: u64) -> Scheduled {
        Scheduled {
            task,
            due: Instant::now() + due_in,
            abandoned,
        }
    }

    #[test]
    fn a_recorded_wake_up_is_found_in_its_slot_and_an_empty_slot_is_none() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let scheduled = entry(0x5eed_0010, Duration::from_millis(1500), 7);
        table.record(scheduled);
        assert_eq!(table.lookup(scheduled.task), Some(scheduled));
        let elsewhere = (scheduled.task + 8..)
            .step_by(8)
            .find(|&task| !std::ptr::eq(table.slot_of(task), table.slot_of(scheduled.task)))
            .expect("an address of another slot");
        assert_eq!(table.lookup(elsewhere), None);
    }

    #[test]
    fn a_wake_up_recorded_on_one_thread_is_found_on_another() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let scheduled = entry(0x5eed_0020, Duration::from_secs(1), 0);
        std::thread::spawn(move || table.record(scheduled))
            .join()
            .expect("the recording thread");
        assert_eq!(table.lookup(scheduled.task), Some(scheduled));
    }

    #[test]
    fn a_slot_being_written_reads_as_a_miss_and_is_left_to_its_writer() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let scheduled = entry(0x5eed_0030, Duration::from_secs(1), 0);
        table.record(scheduled);
        let slot = table.slot_of(scheduled.task);
        let at_rest = slot.sequence.fetch_add(1, Ordering::AcqRel);
        assert_eq!(table.lookup(scheduled.task), None);
        table.record(entry(scheduled.task, Duration::from_secs(2), 0));
        slot.sequence.store(at_rest, Ordering::Release);
        assert_eq!(table.lookup(scheduled.task), Some(scheduled));
    }

    #[test]
    fn a_task_that_takes_a_slot_displaces_the_one_before() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let first = entry(0x5eed_0040, Duration::from_secs(1), 0);
        let second = entry(table.neighbour_of(first.task), Duration::from_secs(1), 0);
        table.record(first);
        table.record(second);
        assert_eq!(table.lookup(first.task), Some(second));
    }

    #[test]
    fn a_fired_wake_up_is_forgotten_and_a_later_one_of_its_task_is_not() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let fired = entry(0x5eed_0060, Duration::from_secs(1), 0);
        table.record(fired);
        table.forget(fired.task, fired.due);
        assert_eq!(table.lookup(fired.task), None);

        let later = entry(fired.task, Duration::from_secs(2), 0);
        table.record(later);
        table.forget(fired.task, fired.due);
        assert_eq!(table.lookup(later.task), Some(later));
    }

    #[test]
    fn an_instant_before_the_floor_is_not_remembered() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let task = 0x5eed_0050;
        table.record(Scheduled {
            task,
            due: Instant::from_std(floor()) - Duration::from_secs(1),
            abandoned: 0,
        });
        assert_eq!(table.lookup(task), None);
    }
}
