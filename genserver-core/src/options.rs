use std::sync::Arc;
use std::time::Duration;

use crate::MailboxCapacity;

/// How a server is started: mailbox capacity, `init` timeout and name.
///
/// ```
/// use std::time::Duration;
/// use genserver_core::{MailboxCapacity, StartOptions};
///
/// let options = StartOptions::new()
///     .mailbox(MailboxCapacity::Bounded(64))
///     .init_timeout(Duration::from_secs(1));
/// assert_eq!(options.mailbox_capacity(), MailboxCapacity::Bounded(64));
/// assert_eq!(options.get_init_timeout(), Some(Duration::from_secs(1)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    mailbox: MailboxCapacity,
    init_timeout: Option<Duration>,
    name: Option<Arc<str>>,
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

    /// Registers the server under `name` for the life of its task, so
    /// that [`whereis`](crate::whereis) finds it (OTP's `name:` option).
    ///
    /// The name is taken before `init` runs and freed when the server
    /// exits, before [`stop`](crate::ServerRef::stop) returns; a start that
    /// fails leaves it free. Starting under a name that a running server
    /// holds fails with
    /// [`StartError::AlreadyStarted`](crate::StartError::AlreadyStarted).
    /// Names are global to the process, shared by every runtime in it.
    ///
    /// ```
    /// use genserver_core::StartOptions;
    ///
    /// let options = StartOptions::new().name("room:lobby");
    /// assert_eq!(options.registered_name(), Some("room:lobby"));
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Default options with a name: `StartOptions::new().name(name)`.
    #[must_use]
    pub fn named(name: impl Into<Arc<str>>) -> Self {
        StartOptions::new().name(name)
    }

    /// The name the server is to be registered under, if any.
    #[must_use]
    pub fn registered_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn name_arc(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// The configured mailbox capacity.
    #[must_use]
    pub fn mailbox_capacity(&self) -> MailboxCapacity {
        self.mailbox
    }

    /// The limit set with [`init_timeout`](Self::init_timeout), `None` for
    /// no limit.
    #[must_use]
    pub fn get_init_timeout(&self) -> Option<Duration> {
        self.init_timeout
    }
}
