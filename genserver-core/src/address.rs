use crate::{Client, GenServer, ServerRef};

/// Anything that addresses a running server: a [`ServerRef`] or a generated
/// client (`CounterClient`, ...).
///
/// Monitors, links and timers take their target through this trait, so
/// that both can be passed as they are.
///
/// ```
/// use genserver_core::{AsServerRef, ServerId};
///
/// fn id_of<T: AsServerRef>(target: &T) -> ServerId {
///     target.as_server_ref().id()
/// }
/// ```
pub trait AsServerRef {
    /// The type of the server addressed: what its messages and replies
    /// are typed by.
    type Server: GenServer;

    /// The address under the client: the [`ServerRef`] that monitors,
    /// links and timers hold. Like the client, it stays valid across a
    /// supervised server's restarts.
    fn as_server_ref(&self) -> &ServerRef<Self::Server>;
}

impl<S: GenServer> AsServerRef for ServerRef<S> {
    type Server = S;

    fn as_server_ref(&self) -> &ServerRef<S> {
        self
    }
}

/// A reference to an address, as `&ctx.server_ref()` or `&client.server_ref()`
/// give.
impl<S: GenServer> AsServerRef for &ServerRef<S> {
    type Server = S;

    fn as_server_ref(&self) -> &ServerRef<S> {
        self
    }
}

impl<C: Client> AsServerRef for C {
    type Server = C::Server;

    fn as_server_ref(&self) -> &ServerRef<C::Server> {
        self.server_ref()
    }
}
