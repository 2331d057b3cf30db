//! What handler and `init` return values mean to the runtime.

use crate::{BoxError, ExitReason};

/// A `#[cast]` or `#[info]` handler's return value: `()`, or a `Result`
/// whose `Err` stops the server: with [`ExitReason::Error`] for an error,
/// with the reason itself for an `Err(ExitReason)` (OTP's
/// `{:stop, reason, state}`: `Err(ExitReason::Normal)` stops cleanly).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for a `#[cast]` or `#[info]` handler",
    label = "return `()` or `Result<(), E>` here",
    note = "a cast or info handler has no caller to reply to; its `Err` stops the server"
)]
pub trait HandlerOutcome {
    /// `Ok(())` to keep serving, `Err(reason)` to stop.
    fn into_outcome(self) -> Result<(), ExitReason>;
}

impl HandlerOutcome for () {
    fn into_outcome(self) -> Result<(), ExitReason> {
        Ok(())
    }
}

impl<E: Into<BoxError>> HandlerOutcome for Result<(), E> {
    fn into_outcome(self) -> Result<(), ExitReason> {
        self.map_err(ExitReason::error)
    }
}

impl HandlerOutcome for Result<(), ExitReason> {
    fn into_outcome(self) -> Result<(), ExitReason> {
        self
    }
}

/// An `#[init]`'s return value when it can fail: `Result<Self, E>` with any
/// error type that converts into a boxed error (every `std::error::Error`,
/// `String`, `anyhow::Error`, ...), which fails the start with
/// [`ExitReason::Error`], or `Result<Self, ExitReason>`, which fails it
/// with that reason (OTP's `{:stop, reason}`). An `#[init]` that returns a plain
/// `Self` cannot fail, and `#[genserver]` needs no conversion for it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for `#[init]`",
    label = "return `Self` or `Result<Self, E>` here",
    note = "`E` must convert into `Box<dyn std::error::Error + Send + Sync>`, or be `ExitReason`"
)]
pub trait InitOutcome<S> {
    /// The state, or why the start failed.
    fn into_outcome(self) -> Result<S, ExitReason>;
}

impl<S, E: Into<BoxError>> InitOutcome<S> for Result<S, E> {
    fn into_outcome(self) -> Result<S, ExitReason> {
        self.map_err(ExitReason::error)
    }
}

impl<S> InitOutcome<S> for Result<S, ExitReason> {
    fn into_outcome(self) -> Result<S, ExitReason> {
        self
    }
}

/// The state itself, for an `#[init]` that cannot fail and names its
/// type otherwise than `Self` (`-> crate::Counter`, or through an alias):
/// `#[genserver]` needs no conversion where it reads `Self`, and cannot
/// tell from the tokens alone that another path names the same type.
impl<S> InitOutcome<S> for S {
    fn into_outcome(self) -> Result<S, ExitReason> {
        Ok(self)
    }
}
