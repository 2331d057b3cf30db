/// The info message of an idle timeout: no message arrived within the
/// duration given to
/// [`Context::set_idle_timeout`](crate::Context::set_idle_timeout)
/// (OTP's `:timeout`).
///
/// A server that asks for idle timeouts has an `#[info]` handler for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdleTimeout;
