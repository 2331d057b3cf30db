//! The bound that says a server takes a given info message.

/// A server's message type that an info message of type `T` converts
/// into: the server has an `#[info]` handler taking `T`.
///
/// Implemented for every `M: From<T>`; `#[genserver]` provides the `From`
/// for each `#[info]` handler. The runtime's methods that make a server
/// receive a `T` (a monitor's [`Down`](crate::Down), a trapped
/// [`Exit`](crate::Exit), an [`IdleTimeout`](crate::IdleTimeout), a task's
/// [`TaskDone`](crate::TaskDone), the message of a timer or a continue)
/// ask for it by this name, so that a missing handler is reported in
/// these words rather than as a missing `From` impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler for `{T}`",
    label = "this makes the server receive `{T}` messages",
    note = "add one to the server: `#[info] fn on_message(&mut self, message: {T})`"
)]
pub trait FromInfo<T>: From<T> {}

impl<M: From<T>, T> FromInfo<T> for M {}
