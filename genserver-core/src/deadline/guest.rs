//! A call that relies on another task's wake-up: its slot's guest.
//!
//! A task that calls once and ends (a request handler, say) finds its
//! slot holding the wake-up of some earlier task, still to come. Arming a
//! timer of its own costs it what tokio's `timeout` does, registering in
//! the timer wheel and leaving it; taking the slot and scheduling a
//! wake-up of its own would hold its memory for up to a second after it
//! ended. Instead its call lodges its waker beside that wake-up, which
//! wakes it too when it fires, and takes the waker back when the call
//! ends: nothing of the task is held once its call is over.
//!
//! One task at a time is a slot's guest; a third task in the slot arms a
//! timer of its own. A guest relies only on a wake-up of its own runtime,
//! whose clock it shares: another runtime's paused clock may stand still
//! while the guest's moves.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use tokio::runtime::Id;

/// The guest of one slot of the table.
pub(super) struct Guest {
    /// The runtime whose timer keeps the slot's wake-up, as recorded with
    /// it; `None` outside a runtime.
    pub(super) runtime: Option<Id>,
    /// The guest task's waker, while at least one of its waits counts on it.
    waker: Option<Waker>,
    /// The guest's waits that count on the wake-up.
    waits: u32,
    /// Moves each time the guest is woken: waits lodged before it are no
    /// longer counted, and lodge again if they go on waiting.
    round: u32,
}

impl Guest {
    pub(super) const fn new() -> Self {
        Guest {
            runtime: None,
            waker: None,
            waits: 0,
            round: 0,
        }
    }
}

/// Locks a slot's guest. Wakers are cloned under this lock, never dropped
/// or woken there; a clone that panics leaves the guest as it was, so a
/// poisoned lock still guards a sound guest.
pub(super) fn lock(guest: &Mutex<Guest>) -> MutexGuard<'_, Guest> {
    guest.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A wait counted among its slot's guest's waits: dropped, it takes
/// itself out, and the last one takes the waker back.
pub(crate) struct Lodging {
    guest: &'static Mutex<Guest>,
    round: u32,
}

/// Lodges a wait of the task behind `waker` as the guest of `cell`, whose
/// lock the caller holds: whether it is lodged (not if another task is
/// the guest), and the lodging it replaced, which the caller drops once
/// the lock is released (its drop takes a guest's lock). A wait already
/// counted in the current round is not counted twice.
pub(super) fn lodge(
    cell: &'static Mutex<Guest>,
    guest: &mut Guest,
    waker: &Waker,
    lodging: &mut Option<Lodging>,
) -> (bool, Option<Lodging>) {
    let counted = lodging
        .as_ref()
        .is_some_and(|it| std::ptr::eq(it.guest, cell) && it.round == guest.round);
    match &guest.waker {
        Some(lodged) if lodged.data() != waker.data() => return (false, None),
        Some(_) if counted => return (true, None),
        Some(_) => {}
        None => guest.waker = Some(waker.clone()),
    }
    guest.waits += 1;
    let replaced = lodging.replace(Lodging {
        guest: cell,
        round: guest.round,
    });
    (true, replaced)
}

/// Takes the guest's waker, to be woken by the caller once the lock is
/// released: its waits are no longer counted.
pub(super) fn evict(guest: &mut Guest) -> Option<Waker> {
    guest.waits = 0;
    guest.round = guest.round.wrapping_add(1);
    guest.waker.take()
}

impl Drop for Lodging {
    fn drop(&mut self) {
        let released = {
            let mut guest = lock(self.guest);
            if guest.round != self.round || guest.waits == 0 {
                return;
            }
            guest.waits -= 1;
            if guest.waits > 0 {
                return;
            }
            guest.waker.take()
        };
        // Maybe the last reference to the task: dropped after the lock.
        drop(released);
    }
}
