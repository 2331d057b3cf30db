//! A registry of running servers by key: unique keys (a server per key) or
//! duplicate keys (pub/sub), with a value per entry, that forgets a server
//! when it exits, before its `stop()` returns (Elixir's `Registry`).

use std::any::Any;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use crate::current;
use crate::exit_signal::ExitWatcher;
use crate::instance::Instance;
use crate::server_loop::drop_reported;
use crate::{AsServerRef, Client, GenServer, ServerId, ServerRef};

/// Whether a [`Registry`] allows one entry per key or many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryKind {
    /// At most one entry per key: a name service.
    Unique,
    /// Any number of entries per key, from any servers, the same server
    /// included: topics for [`Registry::dispatch`].
    Duplicate,
}

/// Why [`Registry::register`] did not add an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// The registry has unique keys and this key is held by the server
    /// with this id (Elixir's `{:already_registered, pid}`).
    AlreadyRegistered(ServerId),
    /// The server had already stopped; it was not registered.
    NoProc,
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::AlreadyRegistered(id) => {
                write!(f, "the key is already registered by server {id}")
            }
            RegisterError::NoProc => f.write_str("no server is running at this address"),
        }
    }
}

impl Error for RegisterError {}

/// Running servers by key, each entry with a value: Elixir's `Registry`,
/// typed.
///
/// A registry is a value, not a global: create one with
/// [`unique`](Self::unique) (a name service, at most one server per key)
/// or [`duplicate`](Self::duplicate) (topics: any number of servers per
/// key, for [`dispatch`](Self::dispatch)), and share it by cloning, which
/// is cheap. It may hold servers of different types: each entry keeps its
/// server's type, and a typed lookup ([`lookup`](Self::lookup),
/// [`whereis`](Self::whereis), [`dispatch`](Self::dispatch)) sees only the
/// entries whose server is of the type asked for. Asking for the wrong
/// type finds nothing; it never panics.
///
/// # Concurrency
///
/// - Every operation is atomic: one lock per registry (a read-write lock,
///   so lookups run in parallel) is held for the operation and released
///   before it returns. Of two concurrent registrations of one unique key,
///   exactly one succeeds.
/// - Lookups return a snapshot. [`dispatch`](Self::dispatch) takes its
///   snapshot first and then runs the function outside the lock, so the
///   function may use the registry, and servers registered meanwhile are
///   not included.
/// - A server's entries are removed when it exits, whatever the reason, in
///   the exiting server's own task, after `terminate` and before
///   [`stop`](ServerRef::stop) and [`wait`](ServerRef::wait) return. Whoever
///   saw the server's end never finds its entries. Between the moment the
///   server decides to exit and the end of its task, lookups may still
///   find it; messages sent to it then are those of an exiting server
///   (semantics 2.3): a cast is accepted and dropped unhandled, a call
///   ends with [`CallError::Exited`](crate::CallError::Exited).
/// - Entries belong to a server instance: a server restarted by a
///   supervisor is a new instance, which registers again (from `init`, as
///   in OTP).
/// - User code runs under the lock for the keys' `Hash`, `Eq`, `Clone`
///   and `Drop` and for the values' `Clone` (a lookup copies them out
///   under it), so none of these may use the same registry. Removed
///   values are dropped after the lock is released.
/// - An entry holds the server's address, not the reference it was
///   registered with: a client found by a lookup has the default call
///   timeout, whatever timeout the registering reference carried.
///
/// # Examples
///
/// ```
/// # use genserver_core::{Client, Context, ExitReason, GenServer, Registry, ServerRef, StartOptions, start};
/// # struct Room;
/// # #[derive(Clone)]
/// # struct RoomClient(ServerRef<Room>);
/// # impl Client for RoomClient {
/// #     type Server = Room;
/// #     fn from_server_ref(server: ServerRef<Room>) -> Self { RoomClient(server) }
/// #     fn server_ref(&self) -> &ServerRef<Room> { &self.0 }
/// # }
/// # impl GenServer for Room {
/// #     type Args = Room;
/// #     type Message = ();
/// #     type Client = RoomClient;
/// #     const NAME: &'static str = "Room";
/// #     const HAS_INIT: bool = false;
/// #     async fn init(room: Room, _: &mut Context<Self>) -> Result<Self, ExitReason> { Ok(room) }
/// #     async fn handle(&mut self, (): (), _: &mut Context<Self>) -> Result<(), ExitReason> { Ok(()) }
/// #     fn message_name(_: &()) -> &'static str { "Unit" }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let rooms: Registry<String, u32> = Registry::unique();
/// let lobby = start::<Room>(Room, StartOptions::new()).await.unwrap();
/// rooms.register("lobby".to_owned(), &lobby, 42).unwrap();
///
/// let (found, capacity) = rooms.lookup::<Room>("lobby").pop().unwrap();
/// assert_eq!(found.server_ref(), &lobby);
/// assert_eq!(capacity, 42);
///
/// lobby.stop().await.unwrap();
/// assert!(rooms.whereis::<Room>("lobby").is_none());
/// # }
/// ```
pub struct Registry<K, V = ()> {
    shared: Arc<Shared<K, V>>,
}

struct Shared<K, V> {
    kind: RegistryKind,
    state: RwLock<State<K, V>>,
}

struct State<K, V> {
    by_key: HashMap<K, Vec<Entry<V>>>,
    by_server: HashMap<ServerId, Member<K>>,
    entries: usize,
}

/// One registration: a server under a key, with its value.
struct Entry<V> {
    id: ServerId,
    /// A `ServerRef<S>`, `S` known only to typed lookups.
    server: Arc<dyn Any + Send + Sync>,
    value: V,
}

/// A server with entries in the registry, and the exit watcher that
/// removes them.
struct Member<K> {
    /// One per entry, in registration order.
    keys: Vec<K>,
    instance: Arc<Instance>,
    /// The watcher's key.
    watch: u64,
}

impl<K, V> Registry<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A registry with unique keys: registering a key that is held fails
    /// with [`RegisterError::AlreadyRegistered`].
    #[must_use]
    pub fn unique() -> Self {
        Registry::new(RegistryKind::Unique)
    }

    /// A registry with duplicate keys: any number of entries per key, for
    /// [`dispatch`](Self::dispatch) to all of them.
    #[must_use]
    pub fn duplicate() -> Self {
        Registry::new(RegistryKind::Duplicate)
    }

    /// A registry of the given kind.
    #[must_use]
    pub fn new(kind: RegistryKind) -> Self {
        Registry {
            shared: Arc::new(Shared {
                kind,
                state: RwLock::new(State {
                    by_key: HashMap::new(),
                    by_server: HashMap::new(),
                    entries: 0,
                }),
            }),
        }
    }

    /// Whether keys are unique or duplicate.
    #[must_use]
    pub fn kind(&self) -> RegistryKind {
        self.shared.kind
    }

    /// Adds an entry for `server` under `key`, with `value`. The entry is
    /// removed by [`unregister`](Self::unregister), or when the server
    /// exits.
    ///
    /// `server` is a [`ServerRef`] or a client. Any task may register any
    /// server; a server registering itself passes `ctx.server_ref()`. In a duplicate registry, the same server
    /// may register the same key more than once: each is an entry.
    ///
    /// # Errors
    ///
    /// [`RegisterError::AlreadyRegistered`] in a unique registry whose key
    /// is held (by this server or another);
    /// [`RegisterError::NoProc`] when the server has already stopped.
    pub fn register<S: GenServer>(
        &self,
        key: K,
        server: &impl AsServerRef<Server = S>,
        value: V,
    ) -> Result<(), RegisterError> {
        let server = server.as_server_ref();
        let instance = server.inner().instance();
        let id = instance.id;
        // Made before the locks: user code under them is kept to the least.
        let key_in_map = key.clone();
        // The address alone: the timeout chosen on `server` is that
        // caller's, not one for whoever looks the server up.
        let address = ServerRef::from_inner(Arc::clone(server.inner()));
        let registry = Arc::downgrade(&self.shared);
        let forget = Box::new(move |_: &crate::ExitReason| {
            if let Some(shared) = Weak::upgrade(&registry) {
                shared.remove_server(id);
            }
        });
        // The entry and the watcher that removes it are made at once, or
        // not at all if the server's end has begun: whoever saw the end
        // never finds the entry.
        let added = instance.exit.known_until_forgotten(|watch| {
            let mut state = self.shared.write();
            let state = &mut *state;
            let entries = state.by_key.entry(key_in_map).or_default();
            if let (RegistryKind::Unique, Some(holder)) = (self.shared.kind, entries.first()) {
                // Handed back, to be dropped out of the locks.
                return (Err((holder.id, key, value)), None);
            }
            entries.push(Entry {
                id,
                server: Arc::new(address),
                value,
            });
            state.entries += 1;
            match state.by_server.entry(id) {
                MapEntry::Occupied(mut member) => {
                    member.get_mut().keys.push(key);
                    (Ok(()), None)
                }
                MapEntry::Vacant(slot) => {
                    slot.insert(Member {
                        keys: vec![key],
                        instance: Arc::clone(&instance),
                        watch,
                    });
                    (Ok(()), Some(forget as ExitWatcher))
                }
            }
        });
        match added {
            Some(Ok(())) => Ok(()),
            Some(Err((holder, key, value))) => {
                drop((key, value));
                Err(RegisterError::AlreadyRegistered(holder))
            }
            None => Err(RegisterError::NoProc),
        }
    }

    /// Removes every entry of `server` under `key`; returns how many there
    /// were.
    pub fn unregister<S: GenServer>(
        &self,
        key: &(impl RegistryKey<K> + ?Sized),
        server: &impl AsServerRef<Server = S>,
    ) -> usize {
        let id = server.as_server_ref().inner().instance().id;
        let mut removed = Vec::new();
        let mut unwatch = None;
        {
            let mut state = self.shared.write();
            let state = &mut *state;
            if let Some(entries) = key.get_mut(&mut state.by_key) {
                removed.extend(entries.extract_if(.., |entry| entry.id == id));
                if entries.is_empty() {
                    key.remove(&mut state.by_key);
                }
            }
            state.entries -= removed.len();
            if let MapEntry::Occupied(mut member) = state.by_server.entry(id) {
                member.get_mut().keys.retain(|k| !key.matches(k));
                if member.get().keys.is_empty() {
                    let member = member.remove();
                    unwatch = Some((member.instance, member.watch));
                }
            }
        }
        if let Some((instance, watch)) = unwatch {
            instance.exit.unwatch(watch);
        }
        removed.len()
    }

    /// The servers of type `S` under `key`, with their values, in
    /// registration order. Entries of other server types are left out.
    #[must_use]
    pub fn lookup<S: GenServer>(
        &self,
        key: &(impl RegistryKey<K> + ?Sized),
    ) -> Vec<(S::Client, V)> {
        let state = self.shared.read();
        key.get(&state.by_key).map_or_else(Vec::new, |entries| {
            entries
                .iter()
                .filter_map(|entry| Some((client::<S>(&entry.server)?, entry.value.clone())))
                .collect()
        })
    }

    /// The first server of type `S` under `key`: in a unique registry, the
    /// one. `None` when there is none, or when the key is held by a server
    /// of another type.
    #[must_use]
    pub fn whereis<S: GenServer>(&self, key: &(impl RegistryKey<K> + ?Sized)) -> Option<S::Client> {
        let state = self.shared.read();
        key.get(&state.by_key)?
            .iter()
            .find_map(|entry| client::<S>(&entry.server))
    }

    /// Runs `f` for each server of type `S` under `key`, one after
    /// another, with its client and value; returns how many there were
    /// (Elixir's `Registry.dispatch/3`).
    ///
    /// The entries are a snapshot taken before the first `f` runs, outside
    /// the registry's lock. A server in it may exit before its turn: `f`
    /// then gets the errors of a stopped server from what it sends.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the dispatch: the servers after the
    /// current one are not visited.
    ///
    /// # Examples
    ///
    /// ```
    /// # use genserver_core::{Client, Context, ExitReason, GenServer, Registry, ServerRef, StartOptions, start};
    /// # struct Listener(Vec<String>);
    /// # #[derive(Clone)]
    /// # struct ListenerClient(ServerRef<Listener>);
    /// # impl Client for ListenerClient {
    /// #     type Server = Listener;
    /// #     fn from_server_ref(server: ServerRef<Listener>) -> Self { ListenerClient(server) }
    /// #     fn server_ref(&self) -> &ServerRef<Listener> { &self.0 }
    /// # }
    /// # impl GenServer for Listener {
    /// #     type Args = Listener;
    /// #     type Message = String;
    /// #     type Client = ListenerClient;
    /// #     const NAME: &'static str = "Listener";
    /// #     const HAS_INIT: bool = false;
    /// #     async fn init(l: Listener, _: &mut Context<Self>) -> Result<Self, ExitReason> { Ok(l) }
    /// #     async fn handle(&mut self, m: String, _: &mut Context<Self>) -> Result<(), ExitReason> { self.0.push(m); Ok(()) }
    /// #     fn message_name(_: &String) -> &'static str { "Text" }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let topics: Registry<&'static str> = Registry::duplicate();
    /// for _ in 0..3 {
    ///     let listener = start::<Listener>(Listener(Vec::new()), StartOptions::new()).await.unwrap();
    ///     topics.register("news", &listener, ()).unwrap();
    /// }
    /// let reached = topics
    ///     .dispatch::<Listener, _>("news", |listener, ()| async move {
    ///         let _ = listener.server_ref().send("hello".to_owned()).await;
    ///     })
    ///     .await;
    /// assert_eq!(reached, 3);
    /// # }
    /// ```
    pub async fn dispatch<S: GenServer, Fut: Future<Output = ()>>(
        &self,
        key: &(impl RegistryKey<K> + ?Sized),
        mut f: impl FnMut(S::Client, V) -> Fut,
    ) -> usize {
        let entries = self.lookup::<S>(key);
        let reached = entries.len();
        for (client, value) in entries {
            f(client, value).await;
        }
        reached
    }

    /// The keys `server` is registered under, one per entry, in
    /// registration order (Elixir's `Registry.keys/2`).
    #[must_use]
    pub fn keys<S: GenServer>(&self, server: &impl AsServerRef<Server = S>) -> Vec<K> {
        let id = server.as_server_ref().inner().instance().id;
        let state = self.shared.read();
        state
            .by_server
            .get(&id)
            .map_or_else(Vec::new, |member| member.keys.clone())
    }

    /// The number of entries, of every key and server type.
    #[must_use]
    pub fn count(&self) -> usize {
        self.shared.read().entries
    }

    /// The number of entries under `key`, of every server type.
    #[must_use]
    pub fn count_key(&self, key: &(impl RegistryKey<K> + ?Sized)) -> usize {
        key.get(&self.shared.read().by_key).map_or(0, Vec::len)
    }
}

/// What a registry's lookups accept as a key: the key type itself, or a
/// type it borrows as (`&str` for `String` keys), as `HashMap::get` does.
/// Implemented for every such type; it cannot be implemented elsewhere.
pub trait RegistryKey<K>: private::Sealed<K> {}

impl<K: Borrow<Q> + Eq + Hash, Q: Hash + Eq + ?Sized> RegistryKey<K> for Q {}

mod private {
    use std::borrow::Borrow;
    use std::collections::HashMap;
    use std::hash::Hash;

    pub trait Sealed<K> {
        fn get<'a, T>(&self, map: &'a HashMap<K, T>) -> Option<&'a T>;
        fn get_mut<'a, T>(&self, map: &'a mut HashMap<K, T>) -> Option<&'a mut T>;
        fn remove<T>(&self, map: &mut HashMap<K, T>) -> Option<T>;
        fn matches(&self, key: &K) -> bool;
    }

    impl<K: Borrow<Q> + Eq + Hash, Q: Hash + Eq + ?Sized> Sealed<K> for Q {
        fn get<'a, T>(&self, map: &'a HashMap<K, T>) -> Option<&'a T> {
            map.get(self)
        }

        fn get_mut<'a, T>(&self, map: &'a mut HashMap<K, T>) -> Option<&'a mut T> {
            map.get_mut(self)
        }

        fn remove<T>(&self, map: &mut HashMap<K, T>) -> Option<T> {
            map.remove(self)
        }

        fn matches(&self, key: &K) -> bool {
            key.borrow() == self
        }
    }
}

/// The typed client of an entry's server, if it is an `S`.
fn client<S: GenServer>(server: &Arc<dyn Any + Send + Sync>) -> Option<S::Client> {
    let server = server.downcast_ref::<ServerRef<S>>()?;
    Some(S::Client::from_server_ref(server.clone()))
}

impl<K, V> Shared<K, V> {
    fn read(&self) -> RwLockReadGuard<'_, State<K, V>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State<K, V>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Eq + Hash, V> Shared<K, V> {
    /// Removes every entry of a server that has exited. Runs in its task.
    ///
    /// The keys and values removed are the user's: they are dropped out
    /// of the lock, one by one, and one whose `Drop` panics is reported by
    /// the panic hook and costs the rest nothing (the other drops, the end
    /// of the server).
    fn remove_server(&self, id: ServerId) {
        let mut removed = Vec::new();
        let mut emptied = Vec::new();
        let member = {
            let mut state = self.write();
            let state = &mut *state;
            let Some(member) = state.by_server.remove(&id) else {
                return;
            };
            let by_key = &mut state.by_key;
            let found = current::survive(|| {
                for key in &member.keys {
                    if let Some(entries) = by_key.get_mut(key) {
                        removed.extend(entries.extract_if(.., |entry| entry.id == id));
                        if entries.is_empty() {
                            emptied.extend(by_key.remove_entry(key));
                        }
                    }
                }
            });
            if found.is_err() {
                // A key's `Hash` or `Eq` panicked: the entries left are
                // found without them, or they would outlive the server.
                emptied.extend(by_key.extract_if(|_, entries| {
                    removed.extend(entries.extract_if(.., |entry| entry.id == id));
                    entries.is_empty()
                }));
            }
            state.entries -= removed.len();
            member
        };
        removed.into_iter().for_each(drop_reported);
        emptied.into_iter().for_each(drop_reported);
        member.keys.into_iter().for_each(drop_reported);
    }
}

/// The last handle to a registry gone, its servers need no longer tell it
/// their exit.
impl<K, V> Drop for Shared<K, V> {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        for member in state.by_server.values() {
            member.instance.exit.unwatch(member.watch);
        }
    }
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Registry {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K, V> fmt::Debug for Registry<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.shared.read().entries;
        f.debug_struct("Registry")
            .field("kind", &self.shared.kind)
            .field("entries", &entries)
            .finish()
    }
}
