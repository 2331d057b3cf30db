//! A supervisor's record of one child, the same in both kinds of
//! supervisor: its spec, its runtime and where it is in its life.

use crate::ExitReason;
use crate::supervisor::child::{ChildCounts, ChildInfo, ChildRuntime, ChildState};
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

    /// Stops the running instance by the spec's shutdown and returns how
    /// it ended: [`ExitReason::Shutdown`] when none was running.
    pub(super) async fn shutdown(&mut self) -> ExitReason {
        let how = self.spec.shutdown_type();
        self.child
            .shutdown(how)
            .await
            .unwrap_or(ExitReason::Shutdown)
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
