use std::future::Future;

use crate::{Context, ExitReason, ServerRef};

/// A server: state owned by one task, changed only by the messages it
/// handles, one at a time.
///
/// `#[genserver]` implements this trait; writing it by hand is possible
/// (see `examples/counter-expanded.rs`) but the generated client, message
/// enum and dispatch are the supported way.
///
/// Every future returned here runs inside the server's own task, under
/// `catch_unwind`, so a panic never takes the runtime down: in a handler it
/// ends the server with [`ExitReason::Panicked`], in `init` it fails the
/// start with that reason, and in `terminate` it is reported while the
/// server ends with the reason it was already ending with.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a server",
    label = "not a server",
    note = "`#[genserver]` on an impl block makes its type a server; the client \
            (`...Client`) and the message enum (`...Message`) it generates are not servers"
)]
pub trait GenServer: Sized + Send + 'static {
    /// What [`start`](crate::start) takes to build the state.
    type Args: Send + 'static;
    /// The message enum: one variant per handler.
    type Message: Send + 'static;
    /// The typed handle callers hold.
    type Client: Client<Server = Self>;

    /// The server's name in logs and traces: the type's name.
    const NAME: &'static str;

    /// Whether [`init`](GenServer::init) can fail or take time. When
    /// `false`, start returns without waiting for the server's task to run
    /// it (a server without `#[init]` cannot fail in `init`).
    const HAS_INIT: bool = true;

    /// Builds the state. An `Err` (or a panic) is the
    /// [`StartError`](crate::StartError) of the start, and nothing is left running.
    fn init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Self, ExitReason>> + Send;

    /// Handles one message. `Err(reason)` stops the server with that reason.
    fn handle(
        &mut self,
        message: Self::Message,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<(), ExitReason>> + Send;

    /// Runs once when the server stops for any reason it can observe: a stop
    /// request, `ctx.stop`, an `Err` from a handler, or a panic in one. It
    /// does not run when the task is aborted (see [`ExitReason::Killed`]).
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }

    /// The variant name of a message, for traces.
    fn message_name(message: &Self::Message) -> &'static str;
}

/// A typed handle to a server: what `#[genserver]` generates as
/// `{Server}Client`.
///
/// Generic code can reach any server's client through
/// `<S as GenServer>::Client` and convert it to and from the untyped-by-API
/// [`ServerRef`].
pub trait Client: Clone + Send + Sync + 'static {
    /// The server this handle addresses.
    type Server: GenServer<Client = Self>;

    /// Wraps an address in the typed handle.
    fn from_server_ref(server: ServerRef<Self::Server>) -> Self;

    /// The address behind the handle.
    fn server_ref(&self) -> &ServerRef<Self::Server>;
}
