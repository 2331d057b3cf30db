//! `Registry`: unique and duplicate keys, typed lookups, dispatch, and
//! removal the moment a server exits (docs/semantics.md, section
//! "Registry").

use std::sync::Arc;

use genserver::prelude::*;
use genserver::{RegisterError, RegistryKind};
use tokio::sync::Barrier;

/// Keeps what it is told.
struct Listener {
    heard: Vec<String>,
}

#[genserver]
impl Listener {
    #[cast]
    fn deliver(&mut self, text: String) {
        self.heard.push(text);
    }

    #[call]
    fn heard(&self) -> Vec<String> {
        self.heard.clone()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("listener crashed after {} messages", self.heard.len());
    }

    /// Answers after `delay`.
    #[call]
    async fn slow(&self, delay: std::time::Duration) -> usize {
        tokio::time::sleep(delay).await;
        self.heard.len()
    }
}

async fn listener() -> ListenerClient {
    Listener::start(Listener { heard: Vec::new() })
        .await
        .unwrap()
}

/// A server of another type, registered beside listeners.
struct Other(u32);

#[genserver]
impl Other {
    #[call]
    fn ping(&self) -> u32 {
        self.0
    }
}

/// Registers itself under its key from `init`, as an OTP server started
/// with a `:via` name does; fails its start when asked to.
struct SelfRegistering {
    registry: Registry<String>,
}

#[genserver]
impl SelfRegistering {
    #[init]
    fn init(
        registry: Registry<String>,
        key: String,
        fail: bool,
        ctx: &mut Context<Self>,
    ) -> Result<Self, RegisterError> {
        registry.register(key, ctx.server_ref(), ())?;
        if fail {
            ctx.stop(ExitReason::Shutdown);
        }
        Ok(SelfRegistering { registry })
    }

    #[call]
    fn entries(&self) -> usize {
        self.registry.count()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("crashed with {} entries", self.registry.count())
    }
}

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}

#[test]
fn a_registry_is_send_sync_and_cloneable() {
    assert_send_sync_clone::<Registry<String, u32>>();
    assert_send_sync_clone::<Registry<u64>>();
}

#[tokio::test]
async fn a_unique_registry_finds_a_server_and_its_value_by_key() {
    let rooms: Registry<String, u32> = Registry::unique();
    assert_eq!(rooms.kind(), RegistryKind::Unique);
    let lobby = listener().await;
    rooms
        .register("lobby".to_owned(), lobby.server_ref(), 7)
        .unwrap();

    let found = rooms.lookup::<Listener>("lobby");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.id(), lobby.id());
    assert_eq!(found[0].1, 7);
    let found = rooms.whereis::<Listener>("lobby").unwrap();
    found.deliver("by key".to_owned()).await.unwrap();
    assert_eq!(lobby.heard().await.unwrap(), ["by key"]);

    assert!(rooms.whereis::<Listener>("kitchen").is_none());
    assert_eq!(rooms.count(), 1);
    assert_eq!(rooms.count_key("lobby"), 1);
    assert_eq!(rooms.keys(lobby.server_ref()), ["lobby".to_owned()]);
    lobby.stop().await.unwrap();
}

#[tokio::test]
async fn a_lookup_of_the_wrong_type_finds_nothing() {
    let registry: Registry<&'static str> = Registry::unique();
    let other = Other::start(Other(0)).await.unwrap();
    registry.register("x", other.server_ref(), ()).unwrap();
    assert!(registry.whereis::<Listener>("x").is_none());
    assert!(registry.lookup::<Listener>("x").is_empty());
    let reached = registry
        .dispatch::<Listener, _>("x", |_, ()| async { unreachable!() })
        .await;
    assert_eq!(reached, 0);
    assert!(registry.whereis::<Other>("x").is_some());
    other.stop().await.unwrap();
}

#[tokio::test]
async fn a_taken_unique_key_cannot_be_registered_again() {
    let registry: Registry<&'static str> = Registry::unique();
    let first = listener().await;
    let second = listener().await;
    registry.register("key", first.server_ref(), ()).unwrap();
    assert_eq!(
        registry.register("key", second.server_ref(), ()),
        Err(RegisterError::AlreadyRegistered(first.id()))
    );
    assert_eq!(
        registry.register("key", first.server_ref(), ()),
        Err(RegisterError::AlreadyRegistered(first.id()))
    );
    assert_eq!(registry.count(), 1);
    assert!(registry.keys(second.server_ref()).is_empty());
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}

#[tokio::test]
async fn dispatch_reaches_every_server_of_the_type_under_a_duplicate_key() {
    let topics: Registry<&'static str, &'static str> = Registry::duplicate();
    assert_eq!(topics.kind(), RegistryKind::Duplicate);
    let a = listener().await;
    let b = listener().await;
    let elsewhere = listener().await;
    let other = Other::start(Other(0)).await.unwrap();
    topics.register("news", a.server_ref(), "a").unwrap();
    topics.register("news", b.server_ref(), "b").unwrap();
    // The same server may hold a key twice: two entries, two deliveries.
    topics.register("news", b.server_ref(), "b again").unwrap();
    topics
        .register("sport", elsewhere.server_ref(), "c")
        .unwrap();
    topics
        .register("news", other.server_ref(), "other")
        .unwrap();

    let reached = topics
        .dispatch::<Listener, _>("news", |listener, tag| async move {
            listener.deliver(format!("hello {tag}")).await.unwrap();
        })
        .await;
    assert_eq!(reached, 3);
    assert_eq!(a.heard().await.unwrap(), ["hello a"]);
    assert_eq!(b.heard().await.unwrap(), ["hello b", "hello b again"]);
    assert!(elsewhere.heard().await.unwrap().is_empty());
    assert_eq!(topics.count_key("news"), 4);
    assert_eq!(topics.count(), 5);
    assert_eq!(topics.keys(b.server_ref()), ["news", "news"]);

    for server in [&a, &b, &elsewhere] {
        server.stop().await.unwrap();
    }
    other.stop().await.unwrap();
    assert_eq!(topics.count(), 0);
}

#[tokio::test]
async fn unregister_removes_one_servers_entries_under_a_key() {
    let topics: Registry<String> = Registry::duplicate();
    let a = listener().await;
    let b = listener().await;
    topics.register("t".to_owned(), a.server_ref(), ()).unwrap();
    topics.register("t".to_owned(), a.server_ref(), ()).unwrap();
    topics.register("u".to_owned(), a.server_ref(), ()).unwrap();
    topics.register("t".to_owned(), b.server_ref(), ()).unwrap();

    assert_eq!(topics.unregister("t", a.server_ref()), 2);
    assert_eq!(topics.unregister("t", a.server_ref()), 0);
    assert_eq!(topics.keys(a.server_ref()), ["u".to_owned()]);
    let left: Vec<_> = topics
        .lookup::<Listener>("t")
        .into_iter()
        .map(|(client, ())| client.id())
        .collect();
    assert_eq!(left, [b.id()]);

    assert_eq!(topics.unregister("u", a.server_ref()), 1);
    assert!(topics.keys(a.server_ref()).is_empty());
    // Registered again after all its entries were gone, it is still
    // forgotten when it exits.
    topics.register("v".to_owned(), a.server_ref(), ()).unwrap();
    a.stop().await.unwrap();
    assert_eq!(topics.count_key("v"), 0);
    assert_eq!(topics.count(), 1);
    b.stop().await.unwrap();
}

/// 12.2, 12.5: a client stands for its server wherever a `ServerRef` does.
#[tokio::test]
async fn a_client_registers_unregisters_and_lists_its_server() {
    let rooms: Registry<String> = Registry::unique();
    let a = listener().await;
    rooms.register("lobby".to_owned(), &a, ()).unwrap();
    assert_eq!(
        rooms.register("lobby".to_owned(), a.server_ref(), ()),
        Err(RegisterError::AlreadyRegistered(a.id()))
    );
    assert_eq!(
        rooms.whereis::<Listener>("lobby").map(|c| c.id()),
        Some(a.id())
    );
    assert_eq!(rooms.keys(&a), ["lobby".to_owned()]);
    assert_eq!(rooms.unregister("lobby", &a), 1);
    assert_eq!(rooms.count(), 0);

    // A reference to an address, and the server type named explicitly.
    rooms
        .register::<Listener>("hall".to_owned(), &a.server_ref(), ())
        .unwrap();
    assert_eq!(rooms.keys::<Listener>(&a.server_ref()), ["hall".to_owned()]);
    assert_eq!(rooms.unregister::<Listener>("hall", &a.server_ref()), 1);
    a.stop().await.unwrap();
}

#[tokio::test]
async fn entries_are_gone_as_soon_as_stop_returns_and_the_key_is_free() {
    let registry: Registry<&'static str> = Registry::unique();
    for _ in 0..3 {
        let server = listener().await;
        registry.register("slot", server.server_ref(), ()).unwrap();
        registry
            .register("other slot", server.server_ref(), ())
            .unwrap();
        server.stop().await.unwrap();
        assert!(registry.whereis::<Listener>("slot").is_none());
        assert_eq!(registry.count(), 0);
    }
}

#[tokio::test]
async fn a_crashed_server_is_forgotten_before_wait_returns() {
    let topics: Registry<&'static str> = Registry::duplicate();
    let doomed = listener().await;
    let survivor = listener().await;
    topics.register("t", doomed.server_ref(), ()).unwrap();
    topics.register("t", survivor.server_ref(), ()).unwrap();
    doomed.crash().await.unwrap();
    assert!(matches!(doomed.wait().await, ExitReason::Panicked { .. }));
    let left: Vec<_> = topics
        .lookup::<Listener>("t")
        .into_iter()
        .map(|(client, ())| client.id())
        .collect();
    assert_eq!(left, [survivor.id()]);
    survivor.stop().await.unwrap();
}

/// 12.5 and 12.6: the end of a server removes its own entries only: a
/// unique key it gave up, and another server took meanwhile, stays with
/// the new holder.
#[tokio::test(start_paused = true)]
async fn the_end_of_a_server_leaves_a_key_it_gave_up_to_its_new_holder() {
    let registry: Registry<&'static str, u32> = Registry::unique();
    let (first, second) = (listener().await, listener().await);
    registry.register("key", &first, 1).unwrap();
    registry.register("kept", &first, 2).unwrap();
    assert_eq!(registry.unregister("key", &first), 1);
    registry.register("key", &second, 3).unwrap();

    first.crash().await.unwrap();
    first.wait().await;
    let found: Vec<_> = registry
        .lookup::<Listener>("key")
        .into_iter()
        .map(|(client, value)| (client.id(), value))
        .collect();
    assert_eq!(found, [(second.id(), 3)]);
    assert_eq!(registry.count(), 1, "the key first kept is gone");
    second.stop().await.unwrap();
}

/// 12.6: a server's end removes its entries from every registry that holds
/// it, before `stop()` returns, and leaves the other servers' entries.
#[tokio::test(start_paused = true)]
async fn a_server_in_several_registries_leaves_them_all_when_it_ends() {
    let names: Registry<String> = Registry::unique();
    let topics: Registry<u32, &'static str> = Registry::duplicate();
    let (server, bystander) = (listener().await, listener().await);
    names.register("me".to_owned(), &server, ()).unwrap();
    topics.register(7, &server, "a").unwrap();
    topics.register(7, &bystander, "b").unwrap();
    topics.register(7, &server, "c").unwrap();

    server.stop().await.unwrap();
    assert_eq!(names.count(), 0);
    assert!(names.keys(&server).is_empty());
    assert!(topics.keys(&server).is_empty());
    let left: Vec<_> = topics
        .lookup::<Listener>(&7)
        .into_iter()
        .map(|(client, value)| (client.id(), value))
        .collect();
    assert_eq!(left, [(bystander.id(), "b")]);
    bystander.stop().await.unwrap();
    assert_eq!(topics.count(), 0);
}

#[tokio::test]
async fn a_stopped_server_cannot_be_registered() {
    let registry: Registry<&'static str> = Registry::unique();
    let server = listener().await;
    server.stop().await.unwrap();
    assert_eq!(
        registry.register("late", server.server_ref(), ()),
        Err(RegisterError::NoProc)
    );
    assert_eq!(registry.count(), 0);
}

#[tokio::test]
async fn a_server_registers_itself_in_init_and_a_failed_start_leaves_no_entry() {
    let registry: Registry<String> = Registry::unique();
    let failed = SelfRegistering::start(registry.clone(), "me".to_owned(), true).await;
    assert_eq!(
        failed.map(|_| ()),
        Err(StartError::Init(ExitReason::Shutdown))
    );
    assert_eq!(registry.count(), 0);

    let me = SelfRegistering::start(registry.clone(), "me".to_owned(), false)
        .await
        .unwrap();
    assert_eq!(
        registry.whereis::<SelfRegistering>("me").unwrap().id(),
        me.id()
    );
    let again = SelfRegistering::start(registry.clone(), "me".to_owned(), false).await;
    match again {
        Err(StartError::Init(ExitReason::Error { source })) => {
            assert_eq!(
                source.to_string(),
                RegisterError::AlreadyRegistered(me.id()).to_string()
            );
        }
        other => panic!("expected the start to fail, got {:?}", other.map(|_| ())),
    }
    me.stop().await.unwrap();
    assert_eq!(registry.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_registrations_of_one_unique_key_exactly_one_wins() {
    for _ in 0..20 {
        let registry: Registry<&'static str> = Registry::unique();
        let mut servers = Vec::new();
        for _ in 0..8 {
            servers.push(listener().await);
        }
        let barrier = Arc::new(Barrier::new(servers.len()));
        let attempts: Vec<_> = servers
            .iter()
            .map(|server| {
                let registry = registry.clone();
                let server = server.clone();
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    barrier.wait().await;
                    registry
                        .register("contested", server.server_ref(), ())
                        .map(|()| server.id())
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut holders = Vec::new();
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(id) => winners.push(id),
                Err(RegisterError::AlreadyRegistered(holder)) => holders.push(holder),
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert_eq!(winners.len(), 1);
        assert!(holders.iter().all(|holder| *holder == winners[0]));
        assert_eq!(
            registry.whereis::<Listener>("contested").unwrap().id(),
            winners[0]
        );
        for server in servers {
            server.stop().await.unwrap();
        }
        assert_eq!(registry.count(), 0);
    }
}

#[tokio::test]
async fn dispatch_runs_outside_the_lock_so_it_may_use_the_registry() {
    let topics: Registry<&'static str> = Registry::duplicate();
    let a = listener().await;
    let b = listener().await;
    topics.register("t", a.server_ref(), ()).unwrap();
    topics.register("t", b.server_ref(), ()).unwrap();
    let reached = topics
        .dispatch::<Listener, _>("t", |listener, ()| {
            // Unsubscribes each one as it is reached.
            assert_eq!(topics.unregister("t", listener.server_ref()), 1);
            async {}
        })
        .await;
    assert_eq!(reached, 2);
    assert_eq!(topics.count(), 0);
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// 12.8: dropping every handle to a registry drops its entries; the
/// servers in it run on.
#[tokio::test]
async fn a_dropped_registry_drops_its_entries_and_its_servers_run_on() {
    let values = Arc::new(());
    let registry: Registry<u32, Arc<()>> = Registry::duplicate();
    let server = listener().await;
    registry
        .register(1, server.server_ref(), Arc::clone(&values))
        .unwrap();
    registry
        .register(2, server.server_ref(), Arc::clone(&values))
        .unwrap();
    drop(registry);
    assert_eq!(Arc::strong_count(&values), 1, "the entries are dropped");
    server.deliver("still here".to_owned()).await.unwrap();
    assert_eq!(server.heard().await.unwrap(), ["still here"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn generic_lookups_work_with_any_server_type() {
    async fn start_counter() -> CounterClient {
        Counter::start(0).await.unwrap()
    }
    let registry: Registry<u32> = Registry::unique();
    let counter = start_counter().await;
    registry.register(1, counter.server_ref(), ()).unwrap();
    assert_eq!(
        registry
            .whereis::<Counter>(&1)
            .unwrap()
            .add(2)
            .await
            .unwrap(),
        2
    );
    counter.stop().await.unwrap();
}

/// A running total, started from `init`.
struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(start: u64) -> Self {
        Counter { total: start }
    }

    #[call]
    fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

// Semantics 12.3: an entry keeps the server's address; the timeout of the
// reference it was registered with is that caller's, not the finder's.
#[tokio::test(start_paused = true)]
async fn a_client_found_in_a_registry_has_the_default_timeout() {
    let registry: Registry<&'static str> = Registry::unique();
    let hasty = listener()
        .await
        .with_timeout(std::time::Duration::from_millis(10));
    registry.register("a", hasty.server_ref(), ()).unwrap();

    let found = registry.whereis::<Listener>("a").unwrap();
    let one_second = std::time::Duration::from_secs(1);
    assert_eq!(found.slow(one_second).await, Ok(0));
    let (looked_up, ()) = registry.lookup::<Listener>("a").pop().unwrap();
    assert_eq!(looked_up.slow(one_second).await, Ok(0));
    assert_eq!(hasty.slow(one_second).await, Err(CallError::Timeout));
}

/// 12.3: a lookup returns the entries under a key in registration order.
#[tokio::test]
async fn a_lookup_returns_the_entries_in_registration_order() {
    let topics: Registry<&'static str, u32> = Registry::duplicate();
    let (a, b, c) = (listener().await, listener().await, listener().await);
    topics.register("t", c.server_ref(), 1).unwrap();
    topics.register("t", a.server_ref(), 2).unwrap();
    topics.register("t", b.server_ref(), 3).unwrap();
    topics.register("t", c.server_ref(), 4).unwrap();
    let found: Vec<_> = topics
        .lookup::<Listener>("t")
        .into_iter()
        .map(|(client, value)| (client.id(), value))
        .collect();
    assert_eq!(found, [(c.id(), 1), (a.id(), 2), (b.id(), 3), (c.id(), 4)]);
    assert_eq!(topics.whereis::<Listener>("t").unwrap().id(), c.id());
    for server in [a, b, c] {
        server.stop().await.unwrap();
    }
}

// `Registry::dispatch`, cancel safety: dropping the future while `f` is
// at one server stops the dispatch there; the servers after it are not
// visited.
#[tokio::test(start_paused = true)]
async fn a_dropped_dispatch_visits_no_further_server() {
    let topics: Registry<&'static str> = Registry::duplicate();
    let (a, b, c) = (listener().await, listener().await, listener().await);
    for server in [&a, &b, &c] {
        topics.register("t", server.server_ref(), ()).unwrap();
    }
    let visited = std::sync::Mutex::new(Vec::new());
    let gate = Arc::new(tokio::sync::Notify::new());
    let mut dispatch = Box::pin(topics.dispatch::<Listener, _>("t", |listener, ()| {
        visited.lock().unwrap().push(listener.id());
        let gate = Arc::clone(&gate);
        async move { gate.notified().await }
    }));
    assert!(futures_util::FutureExt::now_or_never(dispatch.as_mut()).is_none());
    assert_eq!(*visited.lock().unwrap(), [a.id()], "held at the first");

    drop(dispatch);
    // Were the dispatch carried on elsewhere, this would let it go on to
    // the next server.
    gate.notify_waiters();
    tokio::task::yield_now().await;
    assert_eq!(*visited.lock().unwrap(), [a.id()]);
    for server in [&a, &b, &c] {
        server.stop().await.unwrap();
    }
}

/// 12.4: `dispatch` works on a snapshot taken before the first `f` runs:
/// an entry added by `f` is not reached, and a server that exits before its
/// turn gets `f` anyway, where what `f` sends it fails as for any stopped
/// server.
#[tokio::test]
async fn dispatch_reaches_the_snapshot_even_a_server_that_exited_before_its_turn() {
    let topics: Registry<&'static str> = Registry::duplicate();
    let (a, b, late) = (listener().await, listener().await, listener().await);
    topics.register("t", a.server_ref(), ()).unwrap();
    topics.register("t", b.server_ref(), ()).unwrap();
    let delivered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let reached = topics
        .dispatch::<Listener, _>("t", |listener, ()| {
            let (topics, b, late) = (topics.clone(), b.clone(), late.clone());
            let delivered = delivered.clone();
            async move {
                if listener.id() != b.id() {
                    // Before b's turn: b ends, and a new entry appears.
                    b.stop().await.unwrap();
                    topics.register("t", late.server_ref(), ()).unwrap();
                }
                let sent = listener.deliver("news".to_owned()).await;
                delivered
                    .lock()
                    .unwrap()
                    .push((listener.id(), sent.is_ok()));
            }
        })
        .await;
    assert_eq!(reached, 2);
    assert_eq!(
        *delivered.lock().unwrap(),
        [(a.id(), true), (b.id(), false)]
    );
    assert_eq!(a.heard().await.unwrap(), ["news"]);
    assert!(late.heard().await.unwrap().is_empty());
    assert_eq!(topics.count_key("t"), 2, "a and late; b left when it ended");
    a.stop().await.unwrap();
    late.stop().await.unwrap();
}

/// 12.6 and 12.8: a server restarted by a supervisor is a new instance
/// that registers again from its `init`; the entry of the instance that
/// crashed is gone before the supervisor restarts it, so the unique key is
/// free for the restart and leads to the new instance.
#[tokio::test(start_paused = true)]
async fn a_restarted_server_registers_again_under_its_unique_key() {
    let registry: Registry<String> = Registry::unique();
    let spec = genserver::SupervisorSpec::new(genserver::Strategy::OneForOne).child(
        genserver::ChildSpec::server::<SelfRegistering>("me", {
            let registry = registry.clone();
            move || (registry.clone(), "me".to_owned(), false)
        }),
    );
    let supervisor = genserver::Supervisor::start(spec).await.unwrap();
    let me = supervisor.child::<SelfRegistering>("me").await.unwrap();
    let first = me.id();
    assert_eq!(
        registry.whereis::<SelfRegistering>("me").unwrap().id(),
        first
    );

    me.crash().await.unwrap();
    // Queued behind the crash: answered by the restarted instance.
    assert_eq!(me.entries().await, Ok(1));
    assert_ne!(me.id(), first);
    assert_eq!(
        registry.whereis::<SelfRegistering>("me").unwrap().id(),
        me.id()
    );
    assert_eq!(registry.count(), 1);
    supervisor.stop().await.unwrap();
    assert_eq!(registry.count(), 0);
}

/// A `register` racing the server's end either adds an entry that the
/// end removes before anyone hears of it, or adds nothing (`NoProc`):
/// whoever saw the end (`stop()` returned, a `Down` arrived) never finds
/// the entry, and none is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_racing_the_end_is_never_seen_after_it() {
    for round in 0..10_000 {
        let registry: Registry<u32> = Registry::duplicate();
        let server = listener().await;
        let down = server.server_ref().monitor();
        let barrier = Arc::new(Barrier::new(2));
        let register = {
            let (registry, server, barrier) = (registry.clone(), server.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                registry.register(1, server.server_ref(), ())
            })
        };
        let observe = {
            let (registry, server) = (registry.clone(), server.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                if round % 2 == 0 {
                    server.stop().await.unwrap();
                } else {
                    server.crash().await.unwrap();
                    down.await;
                }
                registry.whereis::<Listener>(&1).is_some()
            })
        };
        assert!(
            !observe.await.unwrap(),
            "found after its end, round {round}"
        );
        match register.await.unwrap() {
            Ok(()) | Err(RegisterError::NoProc) => {}
            Err(other) => panic!("unexpected {other}"),
        }
        assert_eq!(registry.count(), 0);
    }
}

/// A key or value whose `Drop` panics when its server's end removes it:
/// the panic is reported and goes no further. The other entries are
/// still dropped, the monitors hear the reason the server ended with,
/// and `stop()` returns.
#[tokio::test(start_paused = true)]
async fn a_panicking_drop_of_a_removed_entry_does_not_stop_the_end() {
    /// Panics when dropped, if armed.
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Bomb(bool, Arc<()>);

    impl Drop for Bomb {
        fn drop(&mut self) {
            assert!(!self.0 || std::thread::panicking(), "dropped a bomb");
        }
    }

    let keys: Registry<Bomb> = Registry::duplicate();
    let values: Registry<u32, Bomb> = Registry::unique();
    let server = listener().await;
    let alive = Arc::new(());
    keys.register(Bomb(true, alive.clone()), server.server_ref(), ())
        .unwrap();
    keys.register(Bomb(false, alive.clone()), server.server_ref(), ())
        .unwrap();
    values
        .register(1, server.server_ref(), Bomb(true, alive.clone()))
        .unwrap();
    values
        .register(2, server.server_ref(), Bomb(false, alive.clone()))
        .unwrap();
    let down = server.server_ref().monitor();
    let limit = std::time::Duration::from_secs(5);
    tokio::time::timeout(limit, server.stop())
        .await
        .expect("stop() returns")
        .unwrap();
    assert_eq!(down.await.reason, ExitReason::Normal);
    assert_eq!((keys.count(), values.count()), (0, 0));
    assert_eq!(Arc::strong_count(&alive), 1, "every key and value dropped");
}

/// The same panic at the end of a supervised child: its supervisor hears
/// of the end and restarts it.
#[tokio::test(start_paused = true)]
async fn a_panicking_drop_of_a_removed_entry_does_not_stop_a_restart() {
    /// Panics when dropped.
    #[derive(Clone)]
    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            assert!(std::thread::panicking(), "dropped a bomb");
        }
    }

    let registry: Registry<u32, Bomb> = Registry::unique();
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Listener>("listener", || Listener {
            heard: Vec::new(),
        }));
    let supervisor = Supervisor::start(spec).await.unwrap();
    let child = supervisor.child::<Listener>("listener").await.unwrap();
    let first = child.id();
    registry.register(1, child.server_ref(), Bomb).unwrap();
    child.crash().await.unwrap();
    assert!(child.heard().await.unwrap().is_empty());
    assert_ne!(child.id(), first, "restarted");
    supervisor.stop().await.unwrap();
}

/// A key whose `Hash` panics while the server's end removes its entries:
/// the entries are found without it, and none outlives the server.
#[tokio::test]
async fn a_key_whose_hash_panics_at_the_end_leaves_no_entry_behind() {
    /// Hashes as its number, or panics once armed.
    #[derive(Clone)]
    struct Touchy(u32, Arc<std::sync::atomic::AtomicBool>);

    impl PartialEq for Touchy {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }

    impl Eq for Touchy {}

    impl std::hash::Hash for Touchy {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            let armed = self.1.swap(false, std::sync::atomic::Ordering::SeqCst);
            assert!(!armed, "cannot hash this key now");
            self.0.hash(state);
        }
    }

    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let registry: Registry<Touchy> = Registry::unique();
    let server = listener().await;
    for n in 0..3 {
        registry
            .register(Touchy(n, armed.clone()), server.server_ref(), ())
            .unwrap();
    }
    armed.store(true, std::sync::atomic::Ordering::SeqCst);
    server.stop().await.unwrap();
    assert_eq!(registry.count(), 0);
    for n in 0..3 {
        assert!(
            registry
                .whereis::<Listener>(&Touchy(n, armed.clone()))
                .is_none()
        );
    }
}

/// A registry key that, dropped at its server's end once armed, says so on
/// `entered` and waits for `release`: it holds that end between the
/// removal of the server from its registry and from the next one.
#[derive(Clone)]
struct GatedKey(Arc<Gate>);

#[derive(Default)]
struct Gate {
    entered: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: std::sync::Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

impl PartialEq for GatedKey {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for GatedKey {}

impl std::hash::Hash for GatedKey {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Drop for GatedKey {
    fn drop(&mut self) {
        let entered = self.0.entered.lock().unwrap().take();
        if let Some(entered) = entered {
            let _ = entered.send(());
            let release = self.0.release.lock().unwrap().take();
            if let Some(release) = release {
                let _ = release.recv();
            }
        }
    }
}

/// Monitors listeners, and at each `Down` looks the server up in `registry`.
struct Checker {
    registry: Registry<u32>,
    found_at_down: Vec<bool>,
}

#[genserver]
impl Checker {
    #[call]
    fn watch(&mut self, target: ListenerClient, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    #[call]
    fn found_at_down(&self) -> Vec<bool> {
        self.found_at_down.clone()
    }

    #[info]
    fn down(&mut self, down: Down) {
        let found = self.registry.lookup::<Listener>(&1);
        let found = found.iter().any(|(client, ())| client.id() == down.server);
        self.found_at_down.push(found);
    }
}

/// 12.6 and 16.2: a monitor made while the server's end is under way,
/// after it began to forget the server and before it is done, gets its
/// `Down` once the server is forgotten everywhere: the handler of that
/// `Down` does not find it in a registry still to be cleared. (Made a
/// moment later, the monitor finds the end over: a `Down` with `NoProc`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_made_while_the_end_forgets_the_server_hears_once_it_is_forgotten() {
    let gated: Registry<GatedKey> = Registry::unique();
    let registry: Registry<u32> = Registry::unique();
    let checker = Checker::start(Checker {
        registry: registry.clone(),
        found_at_down: Vec::new(),
    })
    .await
    .unwrap();
    let server = listener().await;
    let gate = Arc::new(Gate::default());
    gated.register(GatedKey(gate.clone()), &server, ()).unwrap();
    registry.register(1, &server, ()).unwrap();
    let (entered, entered_rx) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel();
    *gate.entered.lock().unwrap() = Some(entered);
    *gate.release.lock().unwrap() = Some(release_rx);

    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop().await }
    });
    // The end has removed the server from `gated`, and is dropping its key.
    tokio::task::spawn_blocking(move || entered_rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        registry.whereis::<Listener>(&1).is_some(),
        "not forgotten yet"
    );
    checker.watch(server.clone()).await.unwrap();

    release.send(()).unwrap();
    stopping.await.unwrap().unwrap();
    assert_eq!(checker.found_at_down().await.unwrap(), [false]);
}

/// Reads a registry when called: what a [`ReadsOnDrop`] does once armed.
type Reader = Arc<dyn Fn() + Send + Sync>;

/// A registry key or value whose `Drop` calls the reader armed in its slot,
/// if any, and counts that it did.
#[derive(Clone)]
struct ReadsOnDrop {
    id: u32,
    reader: Arc<std::sync::Mutex<Option<Reader>>>,
    reads: Arc<std::sync::atomic::AtomicUsize>,
}

impl ReadsOnDrop {
    fn maker(
        reader: &Arc<std::sync::Mutex<Option<Reader>>>,
        reads: &Arc<std::sync::atomic::AtomicUsize>,
    ) -> impl Fn(u32) -> ReadsOnDrop {
        let (reader, reads) = (Arc::clone(reader), Arc::clone(reads));
        move |id| ReadsOnDrop {
            id,
            reader: Arc::clone(&reader),
            reads: Arc::clone(&reads),
        }
    }
}

impl PartialEq for ReadsOnDrop {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for ReadsOnDrop {}

impl std::hash::Hash for ReadsOnDrop {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl Drop for ReadsOnDrop {
    fn drop(&mut self) {
        let reader = self.reader.lock().unwrap().clone();
        if let Some(read) = reader {
            read();
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Runs `test` on a current-thread runtime of its own thread: a `Drop`
/// that deadlocks on the registry's lock shows as `None`, not a hang.
fn deadlock_free(test: impl AsyncFnOnce() + Send + 'static) -> Option<()> {
    #[path = "runtime_support/mod.rs"]
    mod runtime_support;

    runtime_support::on_a_thread_of_its_own(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test());
    })
}

/// 12.7: removed values are dropped after the registry's lock is
/// released, those `unregister` removes and those a server's end removes:
/// their `Drop` may use the registry.
#[test]
fn removed_values_are_dropped_outside_the_lock() {
    let done = deadlock_free(async || {
        let (reader, reads) = (Arc::default(), Arc::default());
        let value = ReadsOnDrop::maker(&reader, &reads);
        let registry: Registry<u32, ReadsOnDrop> = Registry::unique();
        let (a, b) = (listener().await, listener().await);
        registry.register(1, a.server_ref(), value(10)).unwrap();
        registry.register(2, b.server_ref(), value(20)).unwrap();
        let read: Reader = Arc::new({
            let registry = registry.clone();
            move || {
                let _ = registry.count();
            }
        });
        *reader.lock().unwrap() = Some(read);

        assert_eq!(registry.unregister(&1, a.server_ref()), 1);
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        b.stop().await.unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(registry.count(), 0);
        reader.lock().unwrap().take();
        a.stop().await.unwrap();
    });
    assert!(done.is_some(), "a removed value was dropped under the lock");
}

/// 12.7: so are the keys that a server's end removes (other keys' `Drop`
/// may run under the lock, and must not use the registry).
#[test]
fn keys_removed_by_a_servers_end_are_dropped_outside_the_lock() {
    let done = deadlock_free(async || {
        let (reader, reads) = (Arc::default(), Arc::default());
        let key = ReadsOnDrop::maker(&reader, &reads);
        let registry: Registry<ReadsOnDrop> = Registry::duplicate();
        let server = listener().await;
        registry.register(key(1), server.server_ref(), ()).unwrap();
        registry.register(key(2), server.server_ref(), ()).unwrap();
        let read: Reader = Arc::new({
            let registry = registry.clone();
            move || {
                let _ = registry.count();
            }
        });
        *reader.lock().unwrap() = Some(read);

        server.stop().await.unwrap();
        assert!(reads.load(std::sync::atomic::Ordering::SeqCst) >= 2);
        assert_eq!(registry.count(), 0);
        reader.lock().unwrap().take();
    });
    assert!(done.is_some(), "a removed key was dropped under the lock");
}
