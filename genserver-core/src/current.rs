//! What the running task is: which server's task (so that a handler
//! calling or stopping its own server fails at once instead of waiting for
//! itself), and whether that server is dropping things because it exits.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::ExitReason;

thread_local! {
    /// The address of the server whose task is being polled on this
    /// thread; 0 for none. A plain `Cell` set around each poll costs a few
    /// instructions, where a task-local costs a `RefCell` swap each way.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

/// The address of the server whose task is polling, if any. Tasks spawned
/// from a handler are not the server's task: they may call it.
#[inline]
pub(crate) fn current_address() -> Option<usize> {
    match CURRENT.with(Cell::get) {
        0 => None,
        address => Some(address),
    }
}

/// Marks every poll of `future` as a poll of the server at `address`.
pub(crate) fn scope<F: Future>(address: usize, future: F) -> Scoped<F> {
    Scoped { address, future }
}

pin_project_lite::pin_project! {
    pub(crate) struct Scoped<F> {
        address: usize,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _restore = Restore(CURRENT.with(|c| c.replace(*this.address)));
        this.future.poll(cx)
    }
}

/// Puts back the previous address, also when a poll unwinds.
struct Restore(usize);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// What to tell a caller whose reply channel is dropped unanswered while a
/// panic unwinds its server's task: the server's exit reason, or `None`
/// when the panic was caught and the server runs on (the reply was only
/// dropped).
type Orphan = Box<dyn FnOnce(Option<&ExitReason>) + Send>;

/// Tells one caller that its server exited, with the reason.
pub(crate) type Tell = Box<dyn FnOnce(&ExitReason) + Send>;

thread_local! {
    /// Set while a server drops what it holds because it is exiting.
    static EXITING: RefCell<Option<ExitReason>> = const { RefCell::new(None) };
    /// Set while a server's end drops what it holds, before the end is
    /// published (see [`while_ending`]).
    static ENDING: Cell<bool> = const { Cell::new(false) };
    /// The callers to tell once it is, and whether there are any: one
    /// load to look, at the end of every server.
    static TELLS: RefCell<Vec<Tell>> = const { RefCell::new(Vec::new()) };
    static HAS_TELLS: Cell<bool> = const { Cell::new(false) };
    /// Reply channels dropped while a panic unwinds a server's task, to be
    /// told the reason once the panic is caught.
    static ORPHANS: RefCell<Vec<Orphan>> = const { RefCell::new(Vec::new()) };
    /// Whether [`ORPHANS`] holds any: one load to look, after every poll
    /// of a handler.
    static HAS_ORPHANS: Cell<bool> = const { Cell::new(false) };
}

/// The reason the server dropping a reply channel is exiting with, if it is.
pub(crate) fn exit_reason() -> Option<ExitReason> {
    EXITING.with(|r| r.borrow().clone())
}

/// Runs `drop` with [`exit_reason`] answering `reason`, for a server whose
/// end is already published: its callers are told at once. Also inside
/// another server's end ([`while_ending`]: a supervisor's `terminate`
/// closing the mailbox of a child waiting for its restart), whose callers
/// these are not.
pub(crate) fn while_exiting<R>(reason: &ExitReason, drop: impl FnOnce() -> R) -> R {
    let _restore = RestoreEnding(ENDING.with(|e| e.replace(false)));
    exiting(reason, drop)
}

/// Puts back whether an end is being published, also when `drop`
/// unwinds.
struct RestoreEnding(bool);

impl Drop for RestoreEnding {
    fn drop(&mut self) {
        ENDING.with(|e| e.set(self.0));
    }
}

/// Runs `drop` with [`exit_reason`] answering `reason`.
fn exiting<R>(reason: &ExitReason, drop: impl FnOnce() -> R) -> R {
    let _restore = RestoreExiting(EXITING.with(|r| r.replace(Some(reason.clone()))));
    drop()
}

/// Puts back the previous exit reason, also when `drop` unwinds (a
/// panicking `Drop`): the thread goes on to poll other servers, whose
/// callers must not be told this one's reason.
struct RestoreExiting(Option<ExitReason>);

impl Drop for RestoreExiting {
    fn drop(&mut self) {
        let previous = self.0.take();
        EXITING.with(|r| *r.borrow_mut() = previous);
    }
}

/// As [`while_exiting`], for the end of a server whose end `exit` will
/// publish: the callers whose requests `drop` drops unanswered (queued in
/// the mailbox, or deferred) are told with `exit`'s watchers, once the
/// server is forgotten (its name freed, its registry entries removed),
/// instead of at once. A caller told `Exited` that starts the server
/// again under its name, or looks it up, must not find the dead one.
pub(crate) fn while_ending<R>(
    reason: &ExitReason,
    exit: &crate::exit_signal::ExitSignal,
    drop: impl FnOnce() -> R,
) -> R {
    let outer = ENDING.with(|e| e.replace(true));
    let _ending = Ending {
        outer,
        // An end inside another's drop (never seen, but possible) takes
        // only the callers it collected.
        mark: if outer {
            TELLS.with(|t| t.borrow().len())
        } else {
            0
        },
        exit,
    };
    exiting(reason, drop)
}

/// Polls `future` (a `terminate`) as [`while_ending`] runs its closure:
/// a request it drops unanswered (a hand-written server's `ReplyTo` kept
/// in its state) is answered with the exit reason once the end is
/// published, as one dropped with the state after it is.
pub(crate) fn ending_polls<'a, F: Future>(
    reason: &'a ExitReason,
    exit: &'a crate::exit_signal::ExitSignal,
    future: F,
) -> EndingPolls<'a, F> {
    EndingPolls {
        reason,
        exit,
        future,
    }
}

pin_project_lite::pin_project! {
    pub(crate) struct EndingPolls<'a, F> {
        reason: &'a ExitReason,
        exit: &'a crate::exit_signal::ExitSignal,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for EndingPolls<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        while_ending(this.reason, this.exit, || future.poll(cx))
    }
}

/// Puts [`ENDING`] back and hands the callers collected to the end's
/// watchers, also when `drop` unwinds: they are told when the end is
/// published, or at once if it already was.
struct Ending<'a> {
    outer: bool,
    mark: usize,
    exit: &'a crate::exit_signal::ExitSignal,
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        ENDING.with(|e| e.set(self.outer));
        if HAS_TELLS.with(Cell::get) {
            self.hand_over();
        }
    }
}

impl Ending<'_> {
    #[cold]
    fn hand_over(&self) {
        let tells = TELLS.with(|t| {
            let mut tells = t.borrow_mut();
            let mark = self.mark.min(tells.len());
            let collected = tells.split_off(mark);
            HAS_TELLS.with(|has| has.set(!tells.is_empty()));
            collected
        });
        for tell in tells {
            self.exit.watch(tell);
        }
    }
}

/// Tells a caller that its server exits with `reason`: with the end's
/// watchers when the end is being published ([`while_ending`]), otherwise
/// now.
pub(crate) fn tell_exited(reason: &ExitReason, tell: impl FnOnce(&ExitReason) + Send + 'static) {
    if ENDING.with(Cell::get) {
        TELLS.with(|t| t.borrow_mut().push(Box::new(tell)));
        HAS_TELLS.with(|has| has.set(true));
    } else {
        tell(reason);
    }
}

/// Keeps `tell` until the panic unwinding this thread is caught.
pub(crate) fn orphan(tell: Orphan) {
    ORPHANS.with(|o| o.borrow_mut().push(tell));
    HAS_ORPHANS.with(|has| has.set(true));
}

/// Hands the callers orphaned by a caught panic to `exit`, to be told why
/// the server exited when its end is published: after `terminate`, as the
/// callers of queued requests are. Taken now, in the poll that caught the
/// panic, because they are kept per thread and the rest of the end may run
/// on another.
pub(crate) fn orphans_to(exit: &crate::exit_signal::ExitSignal) {
    for tell in take_orphans() {
        exit.watch(Box::new(move |reason| tell(Some(reason))));
    }
}

/// Tells the callers orphaned by a caught panic why the server exits.
pub(crate) fn adopt_orphans(reason: &ExitReason) {
    for tell in take_orphans() {
        tell(Some(reason));
    }
}

/// The payload of a caught panic. Dropped where nothing may unwind (in a
/// server's end, or as the server runs on): a payload whose own `Drop`
/// panics (`std::panic::panic_any` of such a value) is leaked, and that
/// second panic reported by the panic hook, rather than let it escape.
pub(crate) struct Payload(Option<Box<dyn Any + Send>>);

impl Deref for Payload {
    type Target = dyn Any + Send;

    fn deref(&self) -> &Self::Target {
        self.0.as_deref().expect("taken only when dropped")
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        let payload = self.0.take();
        if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            std::mem::forget(again);
        }
    }
}

/// Runs `f` in a server's task, catching a panic that the server survives
/// (in a runtime request, in a `Drop`): the reply channels it dropped
/// while unwinding were only dropped, and their callers are told so now,
/// not when the server exits, nor by the next server on this thread that
/// crashes.
pub(crate) fn survive<R>(f: impl FnOnce() -> R) -> Result<R, Payload> {
    let survived = catch_unwind(AssertUnwindSafe(f)).map_err(|panic| Payload(Some(panic)));
    if survived.is_err() {
        release_orphans();
    }
    survived
}

/// Polls `future`, catching a panic: what panicked is left to the caller
/// to drop, as `CatchUnwind` leaves it.
#[inline]
pub(crate) fn poll_caught<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Payload>> {
    match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Err(panic) => Poll::Ready(Err(Payload(Some(panic)))),
    }
}

/// Tells the callers orphaned by a panic that the server's task caught and
/// survives (see [`survive`]; also one the user's code caught itself) that
/// their reply was dropped.
#[inline]
pub(crate) fn release_orphans() {
    if HAS_ORPHANS.with(Cell::get) {
        tell_released();
    }
}

#[cold]
fn tell_released() {
    for tell in take_orphans() {
        tell(None);
    }
}

fn take_orphans() -> Vec<Orphan> {
    HAS_ORPHANS.with(|has| has.set(false));
    ORPHANS.with(|o| std::mem::take(&mut *o.borrow_mut()))
}
