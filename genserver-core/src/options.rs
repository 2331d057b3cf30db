use std::time::Duration;

use crate::MailboxCapacity;

/// How a server is started: mailbox capacity and start timeout.
///
/// ```
/// use std::time::Duration;
/// use genserver_core::{MailboxCapacity, StartOptions};
///
/// let options = StartOptions::new()
///     .mailbox(MailboxCapacity::Bounded(64))
///     .init_timeout(Duration::from_secs(1));
/// assert_eq!(options.mailbox_capacity(), MailboxCapacity::Bounded(64));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    mailbox: MailboxCapacity,
    init_timeout: Option<Duration>,
}

impl StartOptions {
    /// Unbounded mailbox, no start timeout: Elixir's defaults.
    #[must_use]
    pub fn new() -> Self {
        StartOptions::default()
    }

    /// The mailbox capacity (default [`MailboxCapacity::Unbounded`]).
    #[must_use]
    pub fn mailbox(mut self, capacity: MailboxCapacity) -> Self {
        self.mailbox = capacity;
        self
    }

    /// How long `init` may take before the start fails with
    /// [`StartError::Timeout`](crate::StartError::Timeout) and the server's
    /// task is aborted (default: no limit, as Elixir's `:infinity`).
    #[must_use]
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = Some(timeout);
        self
    }

    /// The configured mailbox capacity.
    #[must_use]
    pub fn mailbox_capacity(&self) -> MailboxCapacity {
        self.mailbox
    }

    /// The configured start timeout, `None` for no limit.
    #[must_use]
    pub fn start_timeout(&self) -> Option<Duration> {
        self.init_timeout
    }
}
