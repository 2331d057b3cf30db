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

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Mutex, OnceLock};
use std::task::Waker;
use std::time::Duration;

use tokio::runtime::Id;
use tokio::time::Instant;

use super::guest::{self, Guest, Lodging};

/// Slots in the table. Each covers one task at a time, and a guest
/// (`guest.rs`); a third task that finds its slot taken arms a timer for
/// each of its waits instead, which costs it about what tokio's `timeout`
/// does. With 10,000 tasks calling one server at once, 4,096 slots made
/// a call 555 to 601 ns, these 462 to 486. The table is 1.2 MB of address
/// space (72 bytes a slot), of which only the pages of the slots in use
/// become resident.
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
    /// A call of another task relying on the slot's wake-up. Its lock
    /// also orders the recording of a wake-up and its runtime against
    /// the lodging of a guest.
    guest: Mutex<Guest>,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            sequence: AtomicU64::new(0),
            task: AtomicUsize::new(0),
            due: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            guest: Mutex::new(Guest::new()),
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

    /// Remembers `scheduled`, kept by the timer of `runtime`, in its
    /// task's slot, unless another thread is writing that slot (or `due`
    /// is too far to write down): the task then only schedules again at
    /// its next call.
    pub(super) fn record(&self, scheduled: Scheduled, runtime: Option<Id>) {
        let Some(due) = encode(scheduled.due) else {
            return;
        };
        let slot = self.slot_of(scheduled.task);
        // A guest reads the entry and its runtime under this lock: it sees
        // both or neither.
        let mut guest = guest::lock(&slot.guest);
        let sequence = slot.sequence.load(Ordering::Relaxed);
        let written = slot.write_at(sequence, |slot| {
            slot.task.store(scheduled.task, Ordering::Relaxed);
            slot.due.store(due, Ordering::Relaxed);
            slot.abandoned.store(scheduled.abandoned, Ordering::Relaxed);
        });
        if written {
            guest.runtime = runtime;
        }
    }

    /// Lodges a wait of `task` (behind `waker`) as the guest of its slot,
    /// if `relies_on` holds of the wake-up the slot remembers and the
    /// runtime that keeps it, and no other task is the guest. Both are
    /// read under the guest's lock, which the wake-up takes to wake its
    /// guest after it has taken itself out of the table: a guest lodged
    /// is one it wakes.
    pub(super) fn lodge(
        &'static self,
        task: usize,
        waker: &Waker,
        lodging: &mut Option<Lodging>,
        relies_on: impl FnOnce(Scheduled, Option<Id>) -> bool,
    ) -> bool {
        let slot = self.slot_of(task);
        let (lodged, replaced) = {
            let mut guest = guest::lock(&slot.guest);
            match self.lookup(task) {
                Some(host) if relies_on(host, guest.runtime) => {
                    guest::lodge(&slot.guest, &mut guest, waker, lodging)
                }
                _ => (false, None),
            }
        };
        drop(replaced);
        lodged
    }

    /// Wakes the guest of `task`'s slot, if there is one: a wake-up of the
    /// slot has fired (or was lost).
    pub(super) fn wake_guest(&self, task: usize) {
        let slot = self.slot_of(task);
        let evicted = guest::evict(&mut guest::lock(&slot.guest));
        if let Some(waker) = evicted {
            waker.wake();
        }
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
        table.record(scheduled, None);
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
        std::thread::spawn(move || table.record(scheduled, None))
            .join()
            .expect("the recording thread");
        assert_eq!(table.lookup(scheduled.task), Some(scheduled));
    }

    #[test]
    fn a_slot_being_written_reads_as_a_miss_and_is_left_to_its_writer() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let scheduled = entry(0x5eed_0030, Duration::from_secs(1), 0);
        table.record(scheduled, None);
        let slot = table.slot_of(scheduled.task);
        let at_rest = slot.sequence.fetch_add(1, Ordering::AcqRel);
        assert_eq!(table.lookup(scheduled.task), None);
        table.record(entry(scheduled.task, Duration::from_secs(2), 0), None);
        slot.sequence.store(at_rest, Ordering::Release);
        assert_eq!(table.lookup(scheduled.task), Some(scheduled));
    }

    #[test]
    fn a_task_that_takes_a_slot_displaces_the_one_before() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let first = entry(0x5eed_0040, Duration::from_secs(1), 0);
        let second = entry(table.neighbour_of(first.task), Duration::from_secs(1), 0);
        table.record(first, None);
        table.record(second, None);
        assert_eq!(table.lookup(first.task), Some(second));
    }

    #[test]
    fn a_fired_wake_up_is_forgotten_and_a_later_one_of_its_task_is_not() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let fired = entry(0x5eed_0060, Duration::from_secs(1), 0);
        table.record(fired, None);
        table.forget(fired.task, fired.due);
        assert_eq!(table.lookup(fired.task), None);

        let later = entry(fired.task, Duration::from_secs(2), 0);
        table.record(later, None);
        table.forget(fired.task, fired.due);
        assert_eq!(table.lookup(later.task), Some(later));
    }

    #[test]
    fn an_instant_before_the_floor_is_not_remembered() {
        static TABLE: Table = Table::new();
        let table = &TABLE;
        let task = 0x5eed_0050;
        table.record(
            Scheduled {
                task,
                due: Instant::from_std(floor()) - Duration::from_secs(1),
                abandoned: 0,
            },
            None,
        );
        assert_eq!(table.lookup(task), None);
    }

    mod guests {
        use std::sync::Arc;

        use super::super::super::tests::Wakes;
        use super::*;

        fn runtime_id() -> Id {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime")
                .handle()
                .id()
        }

        /// A host's wake-up kept by `runtime`, in `guest`'s slot.
        fn host_of(table: &Table, guest: usize, runtime: Id) -> Scheduled {
            let host = entry(table.neighbour_of(guest), Duration::from_secs(1), 0);
            table.record(host, Some(runtime));
            host
        }

        #[test]
        fn a_guest_is_lodged_only_where_the_slot_holds_a_wake_up_it_relies_on() {
            static TABLE: Table = Table::new();
            let (counter, waker) = Wakes::counted();
            let task = waker.data() as usize;
            let mut lodging = None;
            // An empty slot: nothing to rely on.
            assert!(!TABLE.lodge(task, &waker, &mut lodging, |_, _| true));
            let runtime = runtime_id();
            let host = host_of(&TABLE, task, runtime);
            // The wake-up and its runtime, as recorded, are what it judges.
            assert!(!TABLE.lodge(task, &waker, &mut lodging, |_, _| false));
            assert!(lodging.is_none());
            assert!(TABLE.lodge(task, &waker, &mut lodging, |seen, kept_by| {
                seen == host && kept_by == Some(runtime)
            }));
            assert_eq!(Arc::strong_count(&counter), 3, "the slot holds a waker");
            drop(lodging);
            assert_eq!(
                Arc::strong_count(&counter),
                2,
                "and lets it go with the wait"
            );
        }

        #[test]
        fn a_slot_has_one_guest_task_whose_waits_are_counted() {
            static TABLE: Table = Table::new();
            let (first, first_waker) = Wakes::counted();
            let task = first_waker.data() as usize;
            host_of(&TABLE, task, runtime_id());
            let (mut one, mut two) = (None, None);
            assert!(TABLE.lodge(task, &first_waker, &mut one, |_, _| true));
            // Lodged again by the same wait: still one count.
            assert!(TABLE.lodge(task, &first_waker, &mut one, |_, _| true));
            assert!(TABLE.lodge(task, &first_waker, &mut two, |_, _| true));

            // Another task of the slot is refused while the first is there.
            let (other, other_waker) = Wakes::counted();
            let mut refused = None;
            assert!(!TABLE.lodge(task, &other_waker, &mut refused, |_, _| true));
            assert_eq!(Arc::strong_count(&other), 2);

            // The first task's waker stays until its last wait ends.
            drop(one);
            assert_eq!(Arc::strong_count(&first), 3);
            drop(two);
            assert_eq!(Arc::strong_count(&first), 2);
            assert!(TABLE.lodge(task, &other_waker, &mut refused, |_, _| true));
            TABLE.wake_guest(task);
        }

        #[test]
        fn a_wake_up_wakes_its_guest_and_ends_the_waits_counted_so_far() {
            static TABLE: Table = Table::new();
            let (counter, waker) = Wakes::counted();
            let task = waker.data() as usize;
            host_of(&TABLE, task, runtime_id());
            let (mut before, mut after) = (None, None);
            assert!(TABLE.lodge(task, &waker, &mut before, |_, _| true));
            TABLE.wake_guest(task);
            assert_eq!(counter.count(), 1);
            assert_eq!(Arc::strong_count(&counter), 2, "the slot let the waker go");

            // A wait that goes on waiting lodges anew; the end of one
            // counted before the wake-up does not undo it.
            assert!(TABLE.lodge(task, &waker, &mut after, |_, _| true));
            drop(before);
            assert_eq!(Arc::strong_count(&counter), 3);
            assert!(TABLE.lodge(task, &waker, &mut after, |_, _| true));
            drop(after);
            assert_eq!(Arc::strong_count(&counter), 2);
            // Nothing lodged: nothing to wake.
            TABLE.wake_guest(task);
            assert_eq!(counter.count(), 1);
        }
    }
}
