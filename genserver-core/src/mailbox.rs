//! The queue in front of a server: unbounded by default, bounded on request.
//!
//! Unbounded is the default because two servers that cast to each other
//! through bounded mailboxes can deadlock, each waiting for room in the
//! other's. A bound is a per-server choice, made where backpressure is
//! wanted.
//!
//! The queue is a `VecDeque` behind a lock, with the waiting receiver's
//! waker beside it, rather than a tokio channel: a tokio channel allocates
//! a block of 32 slots and two cache-padded halves up front, well over a
//! kilobyte, which would be most of the memory of an idle server. Here an
//! empty mailbox is a few words inside the server's address, and the queue
//! grows with what is queued.
//!
//! A sender locks once per message, for a push. The receiver takes the
//! whole queue at once and hands messages out from its own copy, so under
//! load it locks once per batch and the two sides rarely meet on the lock.
//!
//! The lock is a spin lock, held for a few instructions and never across
//! a wait. `std`'s mutex costs more exactly where many callers on several
//! workers push at once: its unlock must swap the lock word to learn
//! whether a sleeper is to be woken, which waits for the cache line that
//! the other worker's waiting push is reading, and once a waiter has
//! marked it contended, waiters sleep in the kernel and each unlock wakes
//! one with a system call. A spin lock's unlock is a plain store. With
//! 100 callers on two workers (the benchmarks' row 2), calls took about
//! 1.4x the time of a hand-written tokio server behind `std`'s mutex, and
//! about 1.15x behind this one (benches/README.md, "The mailbox's lock").
//! A waiter that has spun a while lets its thread go to others now and
//! then, in case the holder's thread was preempted.
//!
//! Like tokio's own channels, receiving spends the task's cooperative
//! budget, so a server with a long queue yields its worker thread to the
//! other tasks there every so often instead of holding it until the queue
//! is empty. It costs a flood about 10 ns a message (the benchmarks' row
//! 3), and a server that waits between messages nothing.
//!
//! A bounded mailbox counts its free places ([`room`]): a sender takes one
//! before it pushes, the receiver gives one back per message it hands
//! out, and senders that wait for room push in the order they began to
//! wait, one after the other. The runtime's notices (a monitor's
//! `Down`, an exit signal) are queued at once even in a full mailbox, as
//! OTP never refuses a signal: such a push takes no place and is counted
//! as a debt, which the receiver pays off, instead of giving a place
//! back, for the next messages it hands out. So the queue never holds
//! more than its bound plus the notices that went over it, and no task
//! has to wait for room on the notice's behalf (the runtime that would
//! drive it may be shutting down, or never run again).
//!
//! The mailbox lives inside whatever owns it (a server's address), not in
//! an allocation of its own: senders reach it through the owner, and the
//! receiver holds the owner ([`MailboxOwner`]). One allocation fewer per
//! server made a spawn about 15% faster and an idle server 64 bytes
//! lighter (the benchmarks' row 5).

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};

use tokio::sync::Notify;
use tokio::task::coop;

use crate::TrySendError;

mod push;
mod room;

pub(crate) use push::Push;
use room::Room;

/// How many messages a server's mailbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MailboxCapacity {
    /// No bound: sending never waits. The default.
    #[default]
    Unbounded,
    /// At most this many queued messages: a full mailbox makes senders
    /// wait, and non-waiting sends report [`TrySendError::Full`].
    /// `Bounded(0)` holds one message, as `Bounded(1)` does: a mailbox
    /// that held none could never be sent to. Senders waiting for room
    /// queue in the order they began to wait; one given room queues when
    /// its future is next polled, so a waiting send future that is kept
    /// but not polled holds up the senders behind it until it is polled
    /// or dropped (semantics 2.2).
    Bounded(usize),
}

/// The lock of a mailbox's queue (see the module's docs); only
/// [`Mailbox::lock`] waits for it.
type Lock<T> = spin::mutex::SpinMutex<T>;

/// How many times a waiter for the lock spins before it yields its thread
/// once: a holder that is running lets go within a few, and one that is
/// not (more threads push than the machine has cores) gets the core back
/// sooner. With 4 threads flooding casts beside 200 calling tasks on 8
/// workers and 2 cores, a run took a median 151 ms yielding after 64
/// spins, 140 ms after 8 and 120 ms behind `std`'s mutex, its slowest call
/// 40 to 75, 17 to 39 and 25 to 30 ms; row 2 reads the same with 64 or 8.
const SPINS_BEFORE_YIELD: u32 = 8;

pub(crate) struct Mailbox<T> {
    shared: Lock<Shared<T>>,
    /// Free places of a bounded mailbox; `None` when unbounded. Boxed: the
    /// default, unbounded, mailbox should not carry its size.
    room: Option<Box<Room>>,
}

struct Shared<T> {
    queue: VecDeque<T>,
    /// The receiver, while it waits on an empty queue.
    receiver: Option<Waker>,
    /// Set by [`MailboxSender::interrupt`] until the receiver sees it.
    interrupted: bool,
    closed: bool,
    /// Whether someone waits for the mailbox to close, in [`CLOSE_WAITERS`].
    close_awaited: bool,
}

/// What tells those who wait for a mailbox to close (timers sent to its
/// address), by the mailbox's address. Few mailboxes are ever waited on:
/// kept beside them, not in each, every server stays a word smaller, and
/// that word costs about a hundred bytes of memory per idle server once
/// the allocator's size classes are counted.
static CLOSE_WAITERS: Mutex<Option<HashMap<usize, Arc<Notify>>>> = Mutex::new(None);

fn close_waiters() -> MutexGuard<'static, Option<HashMap<usize, Arc<Notify>>>> {
    CLOSE_WAITERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What [`MailboxReceiver::recv`] returns.
pub(crate) enum Received<T> {
    Message(T),
    /// A sender asked the receiver to look up from the queue: the server
    /// has a stop request to notice.
    Interrupted,
    /// The mailbox is closed and empty.
    Closed,
}

impl<T> Mailbox<T> {
    pub(crate) fn new(capacity: MailboxCapacity) -> Self {
        let room = match capacity {
            MailboxCapacity::Unbounded => None,
            MailboxCapacity::Bounded(n) => Some(Box::new(Room::new(n))),
        };
        Mailbox {
            shared: Lock::new(Shared {
                queue: VecDeque::new(),
                receiver: None,
                interrupted: false,
                closed: false,
                close_awaited: false,
            }),
            room,
        }
    }

    /// Waits for the lock by reading it, not by retrying to take it, so
    /// that the holder keeps its cache line until it lets go. No message
    /// is dropped under the lock: a panic there (a queue that cannot grow)
    /// leaves the queue sound, and the lock free.
    fn lock(&self) -> spin::mutex::SpinMutexGuard<'_, Shared<T>> {
        let mut spins = 0u32;
        loop {
            if let Some(guard) = self.shared.try_lock_weak() {
                return guard;
            }
            while self.shared.is_locked() {
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(SPINS_BEFORE_YIELD) {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
    }

    fn push(&self, value: T) -> Result<(), T> {
        self.push_counted(value, || {})
    }

    /// Queues `value` unless the mailbox is closed, running `count` under
    /// the lock first, so that the receiver, which takes messages under
    /// that lock, sees what it counted before it can hand `value` out.
    #[allow(
        clippy::inline_always,
        reason = "every call and cast pushes here; left to itself, the inliner keeps it \
                  apart once a type has several senders, 25 instructions more per call"
    )]
    #[inline(always)]
    fn push_counted(&self, value: T, count: impl FnOnce()) -> Result<(), T> {
        let mut shared = self.lock();
        if shared.closed {
            return Err(value);
        }
        count();
        if shared.queue.capacity() == 0 {
            // A server that is called, not flooded, never holds more than
            // one message: a first buffer of one slot, not `VecDeque`'s
            // four, keeps that server small. Growth after it doubles.
            shared.queue.reserve_exact(1);
        }
        shared.queue.push_back(value);
        let receiver = shared.receiver.take();
        drop(shared);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }
}

/// Spends a unit of the task's cooperative budget; `true` when there was
/// none left, and the task is to yield (it has been scheduled again).
fn out_of_budget(cx: &mut std::task::Context<'_>) -> bool {
    match coop::poll_proceed(cx) {
        Poll::Ready(budget) => {
            budget.made_progress();
            false
        }
        Poll::Pending => true,
    }
}

/// The largest buffer a mailbox keeps for reuse once it is empty.
const KEPT_CAPACITY: usize = 1024;

/// What holds a mailbox for its receiver, keeping it alive.
pub(crate) trait MailboxOwner<T> {
    fn mailbox(&self) -> &Mailbox<T>;
}

/// The receiving end of a mailbox. There is one per mailbox: its owner
/// creates it with the mailbox, and hands it from instance to instance.
pub(crate) struct MailboxReceiver<T, O: MailboxOwner<T>> {
    owner: O,
    /// Messages taken from the shared queue, in order, not yet handed out.
    taken: VecDeque<T>,
    /// Whether the mailbox counts room. Kept here because the mailbox's
    /// own copy sits on the cache line that senders lock: reading it for
    /// every message handed out cost about a tenth of the receiver's time
    /// under 100 concurrent callers.
    bounded: bool,
    /// Why `recv` last returned `Pending`, if it did since it last handed
    /// out a message.
    paused: Paused,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Paused {
    /// It handed out a message, or never returned `Pending`.
    No,
    /// It found the queue empty.
    Waited,
    /// It gave the thread back, its budget spent. An interrupt that came
    /// meanwhile must come before the messages already taken: the server
    /// looked for a stop before it asked for the message it was then about
    /// to hand out.
    Yielded,
}

impl<T> Mailbox<T> {
    /// Waits for room in a bounded mailbox; never waits otherwise.
    #[inline]
    pub(crate) fn send(&self, value: T) -> Push<'_, T> {
        Push::new(self, value)
    }

    /// Makes the receiver's next [`recv`](MailboxReceiver::recv) that
    /// looks at the queue return [`Received::Interrupted`] before any
    /// message queued there, waking it if it waits. Messages it has
    /// already taken are handed out first, unless it gave its thread back
    /// (its budget spent) since it last handed one out. Needs no room, so
    /// it reaches a full bounded mailbox too.
    pub(crate) fn interrupt(&self) {
        let mut shared = self.lock();
        shared.interrupted = true;
        let receiver = shared.receiver.take();
        drop(shared);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }

    /// Identifies the mailbox in [`CLOSE_WAITERS`]: its address, which
    /// does not change while a waiter holds it, nor before it is closed.
    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// `true` once the receiver has closed the mailbox.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Resolves once the receiver has closed the mailbox: no server will
    /// take from it again.
    pub(crate) async fn closed(&self) {
        let on_close = {
            let mut shared = self.lock();
            if shared.closed {
                return;
            }
            shared.close_awaited = true;
            let mut waiters = close_waiters();
            Arc::clone(
                waiters
                    .get_or_insert_with(HashMap::new)
                    .entry(self.key())
                    .or_default(),
            )
        };
        let mut notified = std::pin::pin!(on_close.notified());
        notified.as_mut().enable();
        // A close between the lock and `enable` told no one yet waiting.
        if self.is_closed() {
            return;
        }
        notified.await;
    }

    #[inline]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        if let Some(room) = &self.room
            && !room.try_take()
        {
            return Err(if self.is_closed() {
                TrySendError::NoProc(value)
            } else {
                TrySendError::Full(value)
            });
        }
        self.push(value).map_err(TrySendError::NoProc)
    }

    /// Queues `value` now, taking room if there is some and going over the
    /// bound of a full mailbox otherwise; `Err` once the mailbox is closed.
    pub(crate) fn send_over_bound(&self, value: T) -> Result<(), T> {
        let Some(room) = &self.room else {
            return self.push(value);
        };
        // A free place first, even while senders are in line: it goes over
        // the bound only of a full mailbox.
        if room.take_free() {
            return self.push(value);
        }
        // The receiver's hand-out of a message pays this debt instead of
        // giving room back.
        self.push_counted(value, || {
            room.debt.fetch_add(1, Ordering::Relaxed);
        })
    }
}

impl<T, O: MailboxOwner<T>> MailboxReceiver<T, O> {
    /// The receiver of `owner`'s mailbox; see [`MailboxReceiver`] for why
    /// there must be only one.
    pub(crate) fn new(owner: O) -> Self {
        let bounded = owner.mailbox().room.is_some();
        MailboxReceiver {
            owner,
            taken: VecDeque::new(),
            bounded,
            paused: Paused::No,
        }
    }

    /// The next message; an interrupt, once, when a sender asked for one;
    /// `Closed` once the mailbox is closed and empty.
    pub(crate) async fn recv(&mut self) -> Received<T> {
        poll_fn(|cx| {
            loop {
                if let Some(value) = self.taken.pop_front() {
                    // The first message after a wait is handed out in a
                    // poll that began with a fresh budget: it need not look
                    // at it, so a server that is called, answers and waits
                    // never does. After a yield, a stop asked for meanwhile
                    // comes first.
                    match std::mem::replace(&mut self.paused, Paused::No) {
                        Paused::Waited => {}
                        Paused::Yielded if self.take_interrupt() => {
                            self.taken.push_front(value);
                            return Poll::Ready(Received::Interrupted);
                        }
                        Paused::No | Paused::Yielded => {
                            if out_of_budget(cx) {
                                self.taken.push_front(value);
                                self.paused = Paused::Yielded;
                                return Poll::Pending;
                            }
                        }
                    }
                    if self.bounded {
                        self.give_back_room();
                    }
                    return Poll::Ready(Received::Message(value));
                }
                self.release_burst();
                let mut shared = self.owner.mailbox().lock();
                // Before the queue: a stop request that arrived while the
                // receiver waited comes before what was queued meanwhile.
                if std::mem::take(&mut shared.interrupted) {
                    return Poll::Ready(Received::Interrupted);
                }
                if shared.queue.is_empty() {
                    if shared.closed {
                        return Poll::Ready(Received::Closed);
                    }
                    // A waker replaced here may be the last reference to
                    // the task of an earlier instance: it is dropped after
                    // the lock.
                    let replaced = match &mut shared.receiver {
                        Some(waker) if waker.will_wake(cx.waker()) => None,
                        slot => slot.replace(cx.waker().clone()),
                    };
                    drop(shared);
                    drop(replaced);
                    self.paused = Paused::Waited;
                    return Poll::Pending;
                }
                // The whole batch, handed out from `taken` from now on.
                std::mem::swap(&mut shared.queue, &mut self.taken);
            }
        })
        .await
    }

    /// Takes an interrupt asked for since the receiver last looked;
    /// once per spent budget, so its lock is off the per-message path.
    #[cold]
    fn take_interrupt(&self) -> bool {
        std::mem::take(&mut self.owner.mailbox().lock().interrupted)
    }

    pub(crate) fn try_recv(&mut self) -> Option<T> {
        if self.taken.is_empty() {
            let mut shared = self.owner.mailbox().lock();
            std::mem::swap(&mut shared.queue, &mut self.taken);
        }
        self.next_taken()
    }

    /// An emptied buffer that a burst grew goes back to the allocator
    /// rather than to the senders, so a server's memory returns to its
    /// idle size after a burst (within one more batch).
    fn release_burst(&mut self) {
        if self.taken.capacity() > KEPT_CAPACITY {
            self.taken = VecDeque::new();
        }
    }

    fn next_taken(&mut self) -> Option<T> {
        let value = self.taken.pop_front()?;
        if self.bounded {
            self.give_back_room();
        }
        Some(value)
    }

    fn give_back_room(&self) {
        if let Some(room) = &self.owner.mailbox().room {
            // A notice queued over the bound took no place: the place it
            // holds is the one freed first.
            let paid = room
                .debt
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |debt| {
                    debt.checked_sub(1)
                })
                .is_ok();
            if !paid {
                room.give_back();
            }
        }
    }

    /// Refuses every later send, and wakes the senders waiting for room so
    /// that they fail; queued messages can still be received.
    pub(crate) fn close(&mut self) {
        let mailbox = self.owner.mailbox();
        let awaited = {
            let mut shared = mailbox.lock();
            shared.closed = true;
            std::mem::take(&mut shared.close_awaited)
        };
        if awaited {
            let on_close = close_waiters()
                .as_mut()
                .and_then(|waiters| waiters.remove(&mailbox.key()));
            if let Some(on_close) = on_close {
                on_close.notify_waiters();
            }
        }
        if let Some(room) = &self.owner.mailbox().room {
            room.close();
        }
    }

    /// Messages queued and not yet received.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.count(|_| true)
    }

    /// Messages queued, not yet received, for which `counts` holds. Reads
    /// the whole queue under the lock: for rare requests (statistics).
    pub(crate) fn count(&self, counts: impl Fn(&T) -> bool) -> usize {
        let shared = self.owner.mailbox().lock();
        self.taken
            .iter()
            .chain(&shared.queue)
            .filter(|value| counts(value))
            .count()
    }
}

impl<T, O: MailboxOwner<T>> Drop for MailboxReceiver<T, O> {
    /// A mailbox no one will read refuses new messages, and its queued ones
    /// are dropped now (outside the lock), not when the last sender goes.
    fn drop(&mut self) {
        self.close();
        let queued = std::mem::take(&mut self.owner.mailbox().lock().queue);
        drop(queued);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::SendError;

    impl<T> MailboxOwner<T> for Arc<Mailbox<T>> {
        fn mailbox(&self) -> &Mailbox<T> {
            self
        }
    }

    type Receiver<T> = MailboxReceiver<T, Arc<Mailbox<T>>>;

    fn mailbox<T>(capacity: MailboxCapacity) -> (Arc<Mailbox<T>>, Receiver<T>) {
        let mailbox = Arc::new(Mailbox::new(capacity));
        (Arc::clone(&mailbox), MailboxReceiver::new(mailbox))
    }

    impl<T> Received<T> {
        /// The message, `None` once closed; tests never interrupt unless
        /// they say so.
        fn message(self) -> Option<T> {
            match self {
                Received::Message(value) => Some(value),
                Received::Closed => None,
                Received::Interrupted => panic!("unexpected interrupt"),
            }
        }
    }

    #[tokio::test]
    async fn messages_come_out_in_order_across_batches() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Unbounded);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(rx.recv().await.message(), Some(1)); // takes the batch [1, 2]
        tx.try_send(3).unwrap();
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv().await.message(), Some(2));
        assert_eq!(rx.recv().await.message(), Some(3));
        assert_eq!(rx.len(), 0);
    }

    #[tokio::test]
    async fn a_bounded_mailbox_counts_taken_messages_until_they_are_handed_out() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(2));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        // The receiver takes both; one is handed out, so one place is free.
        assert_eq!(rx.recv().await.message(), Some(1));
        tx.try_send(3).unwrap();
        assert!(matches!(tx.try_send(4), Err(TrySendError::Full(4))));
        assert_eq!(rx.recv().await.message(), Some(2));
        assert_eq!(rx.recv().await.message(), Some(3));
    }

    #[tokio::test(start_paused = true)]
    async fn closing_fails_the_senders_waiting_for_room_and_keeps_what_is_queued() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(1));
        let tx = Arc::new(tx);
        tx.try_send(1).unwrap();
        let waiting = tokio::spawn({
            let tx = Arc::clone(&tx);
            async move { tx.send(2).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        rx.close();
        assert!(matches!(waiting.await.unwrap(), Err(SendError(2))));
        assert!(tx.is_closed());
        assert!(matches!(tx.try_send(3), Err(TrySendError::NoProc(3))));
        assert_eq!(rx.recv().await.message(), Some(1));
        assert_eq!(rx.recv().await.message(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn senders_waiting_for_room_get_it_in_the_order_they_came() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(1));
        let tx = Arc::new(tx);
        tx.try_send(0).unwrap();
        let mut waiting = Vec::new();
        for n in 1..=3 {
            let tx = Arc::clone(&tx);
            waiting.push(tokio::spawn(async move { tx.send(n).await }));
            // Each sender is waiting before the next one starts.
            tokio::task::yield_now().await;
        }
        for expected in 0..=3 {
            assert_eq!(rx.recv().await.message(), Some(expected));
            tokio::task::yield_now().await;
        }
        for sender in waiting {
            assert!(sender.await.unwrap().is_ok());
        }
    }

    /// Places given back as the receiver hands out messages in a row go
    /// to one waiting sender at a time: on a multi-thread runtime, senders
    /// given places together would push in whatever order their threads
    /// ran them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn senders_waiting_for_room_push_in_order_on_a_multi_thread_runtime() {
        for _ in 0..50 {
            let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(2));
            let tx = Arc::new(tx);
            tx.try_send(0).unwrap();
            tx.try_send(1).unwrap();
            let mut waiting = Vec::new();
            for n in 2..12 {
                let sender = Arc::clone(&tx);
                waiting.push(tokio::spawn(async move { sender.send(n).await }));
                while tx.room.as_ref().unwrap().in_line() < n - 1 {
                    tokio::task::yield_now().await;
                }
            }
            let mut received = Vec::new();
            while received.len() < 12 {
                received.push(rx.recv().await.message().unwrap());
            }
            assert_eq!(received, (0..12).collect::<Vec<_>>());
            for sender in waiting {
                assert!(sender.await.unwrap().is_ok());
            }
        }
    }

    #[tokio::test]
    async fn a_buffer_grown_by_a_burst_is_given_back_once_emptied() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Unbounded);
        for n in 0..=KEPT_CAPACITY {
            tx.try_send(n).unwrap();
        }
        for n in 0..=KEPT_CAPACITY {
            assert_eq!(rx.recv().await.message(), Some(n));
        }
        tx.try_send(0).unwrap();
        assert_eq!(rx.recv().await.message(), Some(0));
        assert!(rx.taken.capacity() <= KEPT_CAPACITY);
        assert!(tx.lock().queue.capacity() <= KEPT_CAPACITY);
    }

    #[tokio::test]
    async fn an_interrupt_wakes_the_receiver_once_and_needs_no_room() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(1));
        tx.try_send(1).unwrap();
        // The mailbox is full; the interrupt still gets through, before the
        // message already queued, which stays queued.
        tx.interrupt();
        assert!(matches!(rx.recv().await, Received::Interrupted));
        assert_eq!(rx.recv().await.message(), Some(1));
        let receiving = tokio::spawn(async move {
            let interrupted = matches!(rx.recv().await, Received::Interrupted);
            (interrupted, rx)
        });
        tokio::task::yield_now().await;
        tx.interrupt();
        let (interrupted, mut rx) = receiving.await.unwrap();
        assert!(interrupted);
        tx.try_send(2).unwrap();
        assert_eq!(rx.recv().await.message(), Some(2));
    }

    #[tokio::test]
    async fn a_notice_goes_over_the_bound_and_its_place_is_freed_first() {
        let (tx, mut rx) = mailbox(MailboxCapacity::Bounded(1));
        tx.try_send(1).unwrap();
        tx.send_over_bound(2).unwrap();
        tx.send_over_bound(3).unwrap();
        assert_eq!(rx.len(), 3);
        // The two places over the bound are paid off first: the mailbox
        // stays full until it holds no more than its bound.
        assert_eq!(rx.recv().await.message(), Some(1));
        assert!(matches!(tx.try_send(4), Err(TrySendError::Full(4))));
        assert_eq!(rx.recv().await.message(), Some(2));
        assert!(matches!(tx.try_send(4), Err(TrySendError::Full(4))));
        assert_eq!(rx.recv().await.message(), Some(3));
        tx.try_send(4).unwrap();
        assert!(matches!(tx.try_send(5), Err(TrySendError::Full(5))));
        // With room, a notice takes it as any message does.
        assert_eq!(rx.recv().await.message(), Some(4));
        tx.send_over_bound(5).unwrap();
        assert!(matches!(tx.try_send(6), Err(TrySendError::Full(6))));
        rx.close();
        assert!(tx.send_over_bound(6).is_err());
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_by_the_next_message() {
        let (tx, mut rx) = mailbox::<u32>(MailboxCapacity::Unbounded);
        let receiving = tokio::spawn(async move { rx.recv().await.message() });
        tokio::task::yield_now().await;
        tx.try_send(7).unwrap();
        assert_eq!(receiving.await.unwrap(), Some(7));
    }

    #[test]
    fn a_dropped_receiver_drops_the_queued_messages_and_refuses_new_ones() {
        let (tx, rx) = mailbox(MailboxCapacity::Unbounded);
        let message = Arc::new(());
        tx.try_send(Arc::clone(&message)).unwrap();
        drop(rx);
        assert_eq!(Arc::strong_count(&message), 1);
        assert!(matches!(tx.try_send(message), Err(TrySendError::NoProc(_))));
    }
}
