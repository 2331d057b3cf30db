use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use tokio::sync::Notify;

use crate::ExitReason;

/// Something to do when a server ends: notify a monitor, propagate a link,
/// free a name. Runs in the ending server's task, before waiters of
/// [`ExitSignal::finished`] are released.
pub(crate) type ExitWatcher = Box<dyn FnOnce(&ExitReason) + Send>;

/// The end of one server, observed from outside its task.
///
/// Two moments matter: the reason is *decided* (the server stops taking
/// messages and everything it drops from then on is dropped because it is
/// exiting), and the task is *finished* (terminate ran, the state and every
/// queued message are gone, watchers ran). Observers that need the reason
/// wait for the second, so what they see is final.
pub(crate) struct ExitSignal {
    reason: OnceLock<ExitReason>,
    finished: AtomicBool,
    notify: Notify,
    /// `None` once the watchers have run: later ones run at once.
    watchers: Mutex<Option<Vec<(u64, ExitWatcher)>>>,
    next_watch: AtomicU64,
}

impl ExitSignal {
    pub(crate) fn new() -> Self {
        ExitSignal {
            reason: OnceLock::new(),
            finished: AtomicBool::new(false),
            notify: Notify::new(),
            watchers: Mutex::new(Some(Vec::new())),
            next_watch: AtomicU64::new(0),
        }
    }

    /// Records the reason; the first decision wins.
    pub(crate) fn decide(&self, reason: ExitReason) -> &ExitReason {
        let _ = self.reason.set(reason);
        self.reason.get().expect("reason was just set")
    }

    pub(crate) fn is_exiting(&self) -> bool {
        self.reason.get().is_some()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// The final reason, once finished.
    pub(crate) fn final_reason(&self) -> Option<ExitReason> {
        if self.is_finished() {
            self.reason.get().cloned()
        } else {
            None
        }
    }

    /// Runs the watchers, then releases every waiter.
    pub(crate) fn finish(&self) {
        let reason = self.reason.get().cloned().unwrap_or(ExitReason::Killed);
        let watchers = self
            .watchers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        for (_, watcher) in watchers {
            watcher(&reason);
        }
        self.finished.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Arranges for `watcher` to run when the server ends, and returns a key
    /// for [`unwatch`](Self::unwatch). If the server has already ended the
    /// watcher runs now, with the final reason, and `None` is returned.
    pub(crate) fn watch(&self, watcher: ExitWatcher) -> Option<u64> {
        match self.try_watch(watcher) {
            Ok(key) => Some(key),
            Err(watcher) => {
                let reason = self.reason.get().cloned().unwrap_or(ExitReason::Killed);
                watcher(&reason);
                None
            }
        }
    }

    /// As [`watch`](Self::watch), except that if the server has already
    /// ended (its watchers have run) the watcher is handed back, not run:
    /// for observers that report such a server as gone (`NoProc`).
    pub(crate) fn try_watch(&self, watcher: ExitWatcher) -> Result<u64, ExitWatcher> {
        let mut watchers = self.watchers.lock().unwrap_or_else(PoisonError::into_inner);
        match watchers.as_mut() {
            Some(list) => {
                let key = self.next_watch.fetch_add(1, Ordering::Relaxed);
                list.push((key, watcher));
                Ok(key)
            }
            None => Err(watcher),
        }
    }

    /// Forgets a watcher; `true` if it had not run.
    pub(crate) fn unwatch(&self, key: u64) -> bool {
        let mut watchers = self.watchers.lock().unwrap_or_else(PoisonError::into_inner);
        match watchers.as_mut() {
            Some(list) => {
                let before = list.len();
                list.retain(|(k, _)| *k != key);
                list.len() != before
            }
            None => false,
        }
    }

    /// Waits until the task has finished and returns its reason.
    pub(crate) async fn finished(&self) -> ExitReason {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.final_reason() {
                return reason;
            }
            if self.is_finished() {
                return ExitReason::Killed;
            }
            notified.await;
        }
    }
}
