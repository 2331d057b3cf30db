use crate::{Client, GenServer, ServerRef};

/// Anything that addresses a running server: a [`ServerRef`] or a generated
/// client (`CounterClient`, ...).
///
/// Monitors, links and timers take their target through this trait, so
/// that both can be passed as they are.
///
/// ```
/// use genserver_core::{AsServerRef, GenServer, ServerId};
///
/// fn id_of<T: AsServerRef>(target: &T) -> ServerId {
///     target.as_server_ref().id()
/// }
/// ```
pub trait AsServerRef {
    /// The server addressed.
    type Server: GenServer;

    /// The address.
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
