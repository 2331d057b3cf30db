use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use crate::ExitReason;

/// The end of one server, observed from outside its task.
///
/// Two moments matter: the reason is *decided* (the server stops taking
/// messages and everything it drops from then on is dropped because it is
/// exiting), and the task is *finished* (terminate ran, the state and every
/// queued message are gone). Observers that need the reason wait for the
/// second, so what they see is final.
pub(crate) struct ExitSignal {
    reason: OnceLock<ExitReason>,
    finished: AtomicBool,
    notify: Notify,
}

impl ExitSignal {
    pub(crate) fn new() -> Self {
        ExitSignal {
            reason: OnceLock::new(),
            finished: AtomicBool::new(false),
            notify: Notify::new(),
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

    pub(crate) fn finish(&self) {
        self.finished.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Waits until the task has finished and returns its reason.
    pub(crate) async fn finished(&self) -> ExitReason {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_finished() {
                return self.reason.get().cloned().unwrap_or(ExitReason::Killed);
            }
            notified.await;
        }
    }
}
