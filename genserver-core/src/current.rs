//! What the running task is: which server's task (so that a handler
//! calling or stopping its own server fails at once instead of waiting for
//! itself), and whether that server is dropping things because it exits.

use std::cell::RefCell;
use std::future::Future;

use crate::ExitReason;

tokio::task_local! {
    static CURRENT: usize;
}

/// The address of the server whose task is polling, if any. Tasks spawned
/// from a handler are not the server's task: they may call it.
pub(crate) fn current_address() -> Option<usize> {
    CURRENT.try_with(|key| *key).ok()
}

pub(crate) fn scope<F: Future>(address: usize, future: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(address, future)
}

/// What to tell a caller whose reply channel is dropped unanswered.
type Orphan = Box<dyn FnOnce(&ExitReason)>;

thread_local! {
    /// Set while a server drops what it holds because it is exiting.
    static EXITING: RefCell<Option<ExitReason>> = const { RefCell::new(None) };
    /// Reply channels dropped while a handler unwinds, to be told the
    /// reason once the panic is caught.
    static ORPHANS: RefCell<Vec<Orphan>> = const { RefCell::new(Vec::new()) };
}

/// The reason the server dropping a reply channel is exiting with, if it is.
pub(crate) fn exit_reason() -> Option<ExitReason> {
    EXITING.with(|r| r.borrow().clone())
}

/// Runs `drop` with [`exit_reason`] answering `reason`.
pub(crate) fn while_exiting<R>(reason: &ExitReason, drop: impl FnOnce() -> R) -> R {
    let previous = EXITING.with(|r| r.replace(Some(reason.clone())));
    let result = drop();
    EXITING.with(|r| *r.borrow_mut() = previous);
    result
}

/// Keeps `tell` until the panic unwinding this thread is caught.
pub(crate) fn orphan(tell: Orphan) {
    ORPHANS.with(|o| o.borrow_mut().push(tell));
}

/// Tells the callers orphaned by a caught panic why the server exits.
pub(crate) fn adopt_orphans(reason: &ExitReason) {
    let orphans = ORPHANS.with(|o| std::mem::take(&mut *o.borrow_mut()));
    for tell in orphans {
        tell(reason);
    }
}
