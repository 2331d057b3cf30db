//! Servers started under a name, found by it (OTP's locally registered
//! names).
//!
//! One table for the process. A name is taken by the start, before `init`
//! runs, and freed by an exit watcher of the instance, which runs in the
//! ending server's task before anyone waiting for that end is released.
//! Nothing here is on the path of a message: a server without a name never
//! touches the table.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use crate::instance::Instance;
use crate::{Client, GenServer, ServerId, ServerRef, StartError};

/// The holder of one name: its instance, and its address as a
/// `ServerRef<S>` whose `S` is known only to typed lookups.
struct Holder {
    id: ServerId,
    server: Box<dyn Any + Send + Sync>,
}

static NAMES: LazyLock<RwLock<HashMap<Arc<str>, Holder>>> = LazyLock::new(RwLock::default);

/// Gives `name` to the instance `instance` behind `server` until that
/// instance ends.
///
/// Called before the instance's task is built. The name is freed by an
/// exit watcher, which runs however the task ends: also when it is
/// dropped without ever running (its runtime is shutting down), since the
/// task's end guard is built before it first runs.
pub(crate) fn register<S: GenServer>(
    name: &Arc<str>,
    server: &ServerRef<S>,
    instance: &Instance,
) -> Result<(), StartError> {
    let id = instance.id;
    {
        let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(holder) = names.get(name) {
            return Err(StartError::AlreadyStarted(holder.id));
        }
        names.insert(
            Arc::clone(name),
            Holder {
                id,
                server: Box::new(server.clone()),
            },
        );
    }
    let freed = Arc::clone(name);
    // The instance has not started, so the watcher is queued, not run now.
    let _ = instance
        .exit
        .watch_to_forget(Box::new(move |_| release(&freed, id)));
    Ok(())
}

/// Frees `name` if `id` still holds it.
fn release(name: &str, id: ServerId) {
    let removed = {
        let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
        match names.get(name) {
            Some(holder) if holder.id == id => names.remove(name),
            _ => None,
        }
    };
    // The address is dropped outside the lock.
    drop(removed);
}

/// The client of the server registered under `name`, if one is and it is
/// an `S` (OTP's `whereis/1`, typed).
///
/// `None` when no server holds the name, or when the server that holds it
/// is of another type: a lookup never panics. A name is held from the
/// start of `init` until the server's task has ended, so the server found
/// may be starting or exiting: a call to a starting server is handled once
/// `init` has succeeded, and one to an exiting server ends with
/// [`CallError::Exited`](crate::CallError::Exited) and its reason
/// (semantics 11.4).
///
/// # Examples
///
/// ```
/// # use genserver_core::{Client, Context, ExitReason, GenServer, ServerRef, StartOptions, start, whereis};
/// # struct Counter(u64);
/// # #[derive(Clone)]
/// # struct CounterClient(ServerRef<Counter>);
/// # impl Client for CounterClient {
/// #     type Server = Counter;
/// #     fn from_server_ref(server: ServerRef<Counter>) -> Self { CounterClient(server) }
/// #     fn server_ref(&self) -> &ServerRef<Counter> { &self.0 }
/// # }
/// # impl GenServer for Counter {
/// #     type Args = u64;
/// #     type Message = ();
/// #     type Client = CounterClient;
/// #     const NAME: &'static str = "Counter";
/// #     async fn init(n: u64, _: &mut Context<Self>) -> Result<Self, ExitReason> { Ok(Counter(n)) }
/// #     async fn handle(&mut self, (): (), _: &mut Context<Self>) -> Result<(), ExitReason> { Ok(()) }
/// #     fn message_name(_: &()) -> &'static str { "Unit" }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let counter = start::<Counter>(0, StartOptions::named("doc:whereis")).await.unwrap();
/// let found = whereis::<Counter>("doc:whereis").expect("registered");
/// assert_eq!(found.server_ref(), &counter);
///
/// counter.stop().await.unwrap();
/// assert!(whereis::<Counter>("doc:whereis").is_none());
/// # }
/// ```
#[must_use]
pub fn whereis<S: GenServer>(name: &str) -> Option<S::Client> {
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    let server = names.get(name)?.server.downcast_ref::<ServerRef<S>>()?;
    Some(S::Client::from_server_ref(server.clone()))
}

/// The id of the server registered under `name`, whatever its type;
/// `None` when no server holds it.
///
/// ```
/// assert_eq!(genserver_core::whereis_id("doc:nobody"), None);
/// ```
#[must_use]
pub fn whereis_id(name: &str) -> Option<ServerId> {
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    names.get(name).map(|holder| holder.id)
}
