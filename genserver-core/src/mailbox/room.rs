//! The free places of a bounded mailbox, and the line of senders waiting
//! for one.
//!
//! A sender that finds a free place, and nobody in line, takes it with one
//! atomic operation and pushes its message. One that finds none joins the
//! line, keeping its message. Places the receiver gives back go to the
//! first in line, one sender at a time: the next is given a place only once
//! the one before has pushed (or given up). So senders that waited push in
//! the order they joined on any runtime; places given to several at once
//! would let them run on different threads and push in any order. A sender
//! keeps its message until it pushes, so one that gives up (a timeout, a
//! dropped future) never queued it. The other side of that order: a sender
//! given a place that is not polled again (its future kept, not dropped)
//! holds up the line until it is (semantics 2.2).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

pub(super) struct Room {
    /// Places nobody holds.
    free: AtomicUsize,
    /// Notices queued over the bound, not yet paid off.
    pub(super) debt: AtomicUsize,
    /// Whether anyone is in line or holds a place given from it: a sender
    /// that finds it set joins the line instead of taking a free place.
    busy: AtomicBool,
    line: Mutex<Line>,
}

#[derive(Default)]
struct Line {
    /// Senders waiting, in the order they joined, with their wakers.
    waiting: VecDeque<(u64, Option<Waker>)>,
    /// The sender given a place that has not pushed or given up yet.
    given: Option<u64>,
    next_id: u64,
    closed: bool,
}

impl Line {
    fn is_busy(&self) -> bool {
        self.given.is_some() || !self.waiting.is_empty()
    }
}

impl Room {
    pub(super) fn new(places: usize) -> Self {
        Room {
            free: AtomicUsize::new(places.max(1)),
            debt: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            line: Mutex::new(Line::default()),
        }
    }

    fn line(&self) -> MutexGuard<'_, Line> {
        self.line.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a free place if there is one and nobody is in line.
    #[inline]
    pub(super) fn try_take(&self) -> bool {
        // Sequentially consistent with `give_back`: either the receiver
        // sees a sender in line, or the sender sees the place it freed.
        !self.busy.load(Ordering::SeqCst) && self.take_free()
    }

    /// Takes a free place if there is one, whoever is in line: for a
    /// notice, which does not queue behind the senders in line (semantics
    /// 16.7). A place given to one of them is not free, so it keeps it.
    pub(super) fn take_free(&self) -> bool {
        self.free
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Gives a place back (the receiver handed a message out); the first
    /// in line gets it.
    pub(super) fn give_back(&self) {
        self.free.fetch_add(1, Ordering::SeqCst);
        if self.busy.load(Ordering::SeqCst) {
            let waker = self.give_next(&mut self.line());
            wake(waker);
        }
    }

    /// Gives a free place to the first in line, unless one given is still
    /// held; returns the waker to wake once the lock is released.
    fn give_next(&self, line: &mut Line) -> Option<Waker> {
        let waker = if line.given.is_none() && !line.waiting.is_empty() && self.take_free() {
            line.waiting.pop_front().and_then(|(id, waker)| {
                line.given = Some(id);
                waker
            })
        } else {
            None
        };
        self.busy.store(line.is_busy(), Ordering::SeqCst);
        waker
    }

    /// Waits in line for a place: `Err` once the mailbox closes.
    pub(super) fn wait(&self) -> Wait<'_> {
        Wait {
            room: self,
            id: None,
            done: false,
        }
    }

    /// Refuses places from now on and wakes everyone in line to hear it.
    pub(super) fn close(&self) {
        let wakers: Vec<Waker> = {
            let mut line = self.line();
            line.closed = true;
            line.waiting
                .iter_mut()
                .filter_map(|(_, waker)| waker.take())
                .collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Ends the hold of the place given to `id`: the place was filled
    /// (`pushed`) or is free again; either way the next in line may go.
    fn release(&self, id: u64, pushed: bool) {
        if !pushed {
            self.free.fetch_add(1, Ordering::SeqCst);
        }
        let waker = {
            let mut line = self.line();
            if line.given == Some(id) {
                line.given = None;
            }
            self.give_next(&mut line)
        };
        wake(waker);
    }
}

#[cfg(test)]
impl Room {
    /// How many senders are in line.
    pub(super) fn in_line(&self) -> usize {
        self.line().waiting.len()
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The future of [`Room::wait`].
pub(super) struct Wait<'a> {
    room: &'a Room,
    /// Its place in line, once it joined.
    id: Option<u64>,
    /// It returned: what it was given is the caller's to release.
    done: bool,
}

/// A place given from the line, held until the message is pushed: the next
/// in line waits until then. Dropped unfilled, the place is free again.
pub(super) struct Place<'a> {
    room: &'a Room,
    id: u64,
    pushed: bool,
}

impl Place<'_> {
    /// The message is queued (or the mailbox refused it, closed): the next
    /// in line may go.
    pub(super) fn pushed(mut self) {
        self.pushed = true;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.room.release(self.id, self.pushed);
    }
}

impl<'a> Future for Wait<'a> {
    type Output = Result<Place<'a>, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let room = self.room;
        let mut line = room.line();
        let (id, waker) = if let Some(id) = self.id {
            (id, None)
        } else {
            if line.closed {
                self.done = true;
                return Poll::Ready(Err(()));
            }
            let id = line.next_id;
            line.next_id += 1;
            line.waiting.push_back((id, Some(cx.waker().clone())));
            self.id = Some(id);
            // Busy before looking for a free place: a place given back from
            // now on is seen by the receiver to be for the line, and one
            // given back before is seen here (`give_back`).
            room.busy.store(true, Ordering::SeqCst);
            (id, room.give_next(&mut line))
        };
        if line.given == Some(id) {
            drop(line);
            // Given to this sender itself, or to one woken and not yet run.
            wake(waker.filter(|waker| !waker.will_wake(cx.waker())));
            self.done = true;
            return Poll::Ready(Ok(Place {
                room,
                id,
                pushed: false,
            }));
        }
        if line.closed {
            line.waiting.retain(|(waiting, _)| *waiting != id);
            room.busy.store(line.is_busy(), Ordering::SeqCst);
            drop(line);
            wake(waker);
            self.done = true;
            return Poll::Ready(Err(()));
        }
        if let Some((_, slot)) = line.waiting.iter_mut().find(|(waiting, _)| *waiting == id) {
            match slot {
                Some(current) if current.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        drop(line);
        wake(waker);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    /// A sender that gives up leaves the line; one given a place it never
    /// took hands the place on.
    fn drop(&mut self) {
        let Some(id) = self.id.filter(|_| !self.done) else {
            return;
        };
        let (given, waker) = {
            let mut line = self.room.line();
            line.waiting.retain(|(waiting, _)| *waiting != id);
            let given = line.given == Some(id);
            let waker = if given {
                None
            } else {
                self.room.give_next(&mut line)
            };
            (given, waker)
        };
        wake(waker);
        if given {
            self.room.release(id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll};

    use futures_util::task::noop_waker_ref;

    use super::*;

    fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(noop_waker_ref()))
    }

    #[test]
    fn a_place_given_back_goes_to_the_first_in_line_and_the_next_waits_for_its_push() {
        let room = Room::new(1);
        assert!(room.try_take());
        let mut first = pin!(room.wait());
        let mut second = pin!(room.wait());
        assert!(poll(first.as_mut()).is_pending());
        assert!(poll(second.as_mut()).is_pending());
        // A newcomer does not pass the line, even with a place free.
        room.give_back();
        room.give_back();
        assert!(!room.try_take());
        let Poll::Ready(Ok(place)) = poll(first.as_mut()) else {
            panic!("the first in line was not given the place");
        };
        // The second place waits until the first is filled.
        assert!(poll(second.as_mut()).is_pending());
        place.pushed();
        assert!(matches!(poll(second.as_mut()), Poll::Ready(Ok(_))));
    }

    #[test]
    fn a_sender_that_gives_up_hands_its_place_on() {
        let room = Room::new(1);
        assert!(room.try_take());
        let mut second = pin!(room.wait());
        {
            let mut first = pin!(room.wait());
            assert!(poll(first.as_mut()).is_pending());
            assert!(poll(second.as_mut()).is_pending());
            room.give_back();
            // Given the place, it gives up before it learns so.
        }
        // The second was given it as the first left the line.
        assert_eq!(room.in_line(), 0);
        let Poll::Ready(Ok(place)) = poll(second.as_mut()) else {
            panic!("the place was not handed on");
        };
        // Dropped unfilled, the place is free again.
        drop(place);
        assert!(room.try_take());
    }

    #[test]
    fn closing_turns_the_line_away() {
        let room = Room::new(1);
        assert!(room.try_take());
        let mut waiting = pin!(room.wait());
        assert!(poll(waiting.as_mut()).is_pending());
        room.close();
        assert!(matches!(poll(waiting.as_mut()), Poll::Ready(Err(()))));
        assert_eq!(room.in_line(), 0);
        assert!(matches!(poll(pin!(room.wait())), Poll::Ready(Err(()))));
    }
}
