//! A supervisor's record of one child, the same in both kinds of
//! supervisor: its spec, its runtime and where it is in its life.

use crate::ExitReason;
use crate::supervisor::child::{ChildCounts, ChildInfo, ChildRuntime, ChildState, Stopped};
use crate::supervisor::spec::{ChildKind, ChildSpec};

pub(super) struct Entry {
    /// Identifies the entry across restarts, for retries and groups.
    pub(super) key: u64,
    pub(super) spec: ChildSpec,
    pub(super) child: Box<dyn ChildRuntime>,
    pub(super) state: ChildState,
}

impl Entry {
    pub(super) fn info(&self) -> ChildInfo {
        ChildInfo {
            id: self.spec.id().clone(),
            state: self.state,
            kind: self.spec.child_kind(),
            restart: self.spec.restart_type(),
            server: self.spec.server_name(),
        }
    }

    /// Stops the running instance by the spec's shutdown and returns what
    /// its supervisor is left with.
    pub(super) async fn shutdown(&mut self) -> Ended {
        let how = self.spec.shutdown_type();
        match self.child.shutdown(how).await {
            None => Ended::shutdown(),
            Some(Stopped::ByShutdown(reason)) => Ended {
                reason,
                already_over: false,
            },
            // The instance had crashed or stopped on its own and the
            // supervisor, busy, had not handled its exit notice yet (the
            // entry still said `Running`). The child ends as the notice
            // would have left it (`on_exit`). After a reason its restart
            // type restarts after, it was waiting for its restart, which
            // this shutdown cancels: its address closes with `Shutdown`, as
            // for a child the notice had left `Restarting` or restarted
            // (15.12), not with the crash, which did not end it for good.
            // After any other reason it had ended for good, with that one.
            Some(Stopped::OnItsOwn(reason)) => {
                if self.spec.restart_type().restarts_after(&reason) {
                    Ended::shutdown()
                } else {
                    Ended {
                        reason,
                        already_over: true,
                    }
                }
            }
        }
    }
}

/// What a supervisor is left with once it has stopped a child
/// ([`Entry::shutdown`]).
pub(super) struct Ended {
    /// The reason the child's address closes with if it is not run again
    /// (15.12).
    pub(super) reason: ExitReason,
    /// The child had already ended for good on its own before the
    /// shutdown (any exit of a temporary child, a clean one of a transient
    /// child), its exit notice not yet handled: it is not to be restarted.
    pub(super) already_over: bool,
}

impl Ended {
    /// A child that was running or waiting for its restart, ended by the
    /// supervisor.
    fn shutdown() -> Self {
        Ended {
            reason: ExitReason::Shutdown,
            already_over: false,
        }
    }
}

/// The counts of [`count_children`](crate::SupervisorClient::count_children).
pub(super) fn counts(entries: &[Entry]) -> ChildCounts {
    let mut counts = ChildCounts {
        specs: entries.len(),
        ..ChildCounts::default()
    };
    for entry in entries {
        if let ChildState::Running(_) = entry.state {
            counts.active += 1;
        }
        match entry.spec.child_kind() {
            ChildKind::Worker => counts.workers += 1,
            ChildKind::Supervisor => counts.supervisors += 1,
        }
    }
    counts
}
