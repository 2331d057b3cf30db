//! What every implementation provides, and the scenarios written once
//! against it, so that each one does exactly the same work.
//!
//! A "server" here is the smallest useful one: its state is one `u64`,
//! a call adds to it and returns the new total, a cast adds without a
//! reply, `get` reads it. A relay server holds a handle to a counter and
//! answers each call by calling the counter from inside its handler.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Worker threads of the tokio runtimes (2 unless `--workers` says
/// otherwise, which is meant for profiling).
pub static WORKERS: AtomicUsize = AtomicUsize::new(2);

/// One implementation under test.
///
/// The futures are `Send` so that the scenarios can run as tasks on the
/// runtime's workers, like client code would.
pub trait Server: 'static {
    /// A cloneable handle to a running counter.
    type Handle: Clone + Send + Sync + 'static;
    /// A handle to a running relay.
    type Relay: Send + Sync + 'static;

    /// Runs `scenario` to completion on this implementation's runtime: by
    /// default a fresh tokio multi-thread runtime with [`WORKERS`] workers, with
    /// `scenario` itself spawned on it so the client runs on a worker too.
    fn run<F>(scenario: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS.load(Ordering::Relaxed))
            .enable_all()
            .build()
            .expect("build the tokio runtime");
        let scenario = runtime.spawn(scenario);
        runtime.block_on(scenario).expect("the scenario panicked")
    }

    /// Spawns a client task on this implementation's runtime.
    fn spawn_client<F>(client: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(client)
    }

    /// Starts a counter at `start`; returns once the handle is usable.
    fn spawn(start: u64) -> impl Future<Output = Self::Handle> + Send;
    /// Call: adds `by` and returns the new total.
    fn add(counter: &Self::Handle, by: u64) -> impl Future<Output = u64> + Send;
    /// Cast: queues "add `by`" without waiting for it to be handled.
    fn bump(counter: &Self::Handle, by: u64) -> impl Future<Output = ()> + Send;
    /// Call: the current total.
    fn get(counter: &Self::Handle) -> impl Future<Output = u64> + Send;
    /// Stops the counter and waits until it has stopped.
    fn stop(counter: Self::Handle) -> impl Future<Output = ()> + Send;

    /// Starts a relay in front of `target`.
    fn spawn_relay(target: Self::Handle) -> impl Future<Output = Self::Relay> + Send;
    /// Call to the relay, whose handler calls `add(by)` on its target.
    fn relay_add(relay: &Self::Relay, by: u64) -> impl Future<Output = u64> + Send;
    /// Stops the relay and waits until it has stopped.
    fn stop_relay(relay: Self::Relay) -> impl Future<Output = ()> + Send;
}

/// Work sizes of one run.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Row 1: sequential calls.
    pub rtt_calls: u64,
    /// Row 2: concurrent clients, and calls per client.
    pub clients: u64,
    pub calls_per_client: u64,
    /// Row 2b: the crowd of concurrent clients, and calls per client.
    pub crowd_clients: u64,
    pub crowd_calls_per_client: u64,
    /// Row 2c: short-lived tasks, one call each.
    pub one_call_tasks: u64,
    /// Row 3: casts before the sync call.
    pub casts: u64,
    /// Row 4: servers, and casts to each.
    pub fan_servers: u64,
    pub fan_casts: u64,
    /// Row 5: idle servers.
    pub idle_servers: u64,
    /// Row 6: calls through the relay.
    pub ping_calls: u64,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        rtt_calls: 200_000,
        clients: 100,
        calls_per_client: 2_000,
        crowd_clients: 10_000,
        crowd_calls_per_client: 40,
        one_call_tasks: 200_000,
        casts: 1_000_000,
        fan_servers: 10_000,
        fan_casts: 100,
        idle_servers: 100_000,
        ping_calls: 100_000,
    };

    pub const QUICK: Sizes = Sizes {
        rtt_calls: 50_000,
        clients: 100,
        calls_per_client: 500,
        crowd_clients: 10_000,
        crowd_calls_per_client: 10,
        one_call_tasks: 50_000,
        casts: 300_000,
        fan_servers: 2_000,
        fan_casts: 100,
        idle_servers: 20_000,
        ping_calls: 50_000,
    };

    /// These sizes times `factor` (at least 1 each); the number of clients
    /// and of casts per fan-out server stay as they are.
    pub fn scaled(self, factor: f64) -> Sizes {
        let scale = |n: u64| ((n as f64 * factor).round() as u64).max(1);
        Sizes {
            rtt_calls: scale(self.rtt_calls),
            clients: self.clients,
            calls_per_client: scale(self.calls_per_client),
            crowd_clients: self.crowd_clients,
            crowd_calls_per_client: scale(self.crowd_calls_per_client),
            one_call_tasks: scale(self.one_call_tasks),
            casts: scale(self.casts),
            fan_servers: scale(self.fan_servers),
            fan_casts: self.fan_casts,
            idle_servers: scale(self.idle_servers),
            ping_calls: scale(self.ping_calls),
        }
    }
}

/// Untimed operations at the start of a run, so that worker threads are
/// up and the paths are warm before the clock starts.
fn warm_up_ops(n: u64) -> u64 {
    (n / 20).clamp(1, 1_000)
}

fn per_op(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_nanos() as f64 / ops as f64
}

/// A new counter, and the number of untimed `add(1)` calls made to it
/// before a row of `ops` operations.
async fn warmed_counter<S: Server>(ops: u64) -> (S::Handle, u64) {
    let counter = S::spawn(0).await;
    let warm = warm_up_ops(ops);
    for _ in 0..warm {
        S::add(&counter, 1).await;
    }
    (counter, warm)
}

/// Row 1: one client, sequential calls. Nanoseconds per call.
pub async fn call_rtt<S: Server>(sizes: Sizes) -> f64 {
    let n = sizes.rtt_calls;
    let (counter, warm) = warmed_counter::<S>(n).await;
    let start = Instant::now();
    let mut last = 0;
    for _ in 0..n {
        last = S::add(&counter, 1).await;
    }
    let elapsed = start.elapsed();
    check("call_rtt: last reply", last, warm + n);
    S::stop(counter).await;
    per_op(elapsed, n)
}

/// Row 2: 100 clients calling one server concurrently. Nanoseconds per
/// call (wall time over all calls).
pub async fn call_contended<S: Server>(sizes: Sizes) -> f64 {
    calls_from_clients::<S>("call_contended", sizes.clients, sizes.calls_per_client).await
}

/// Row 2b: a crowd of clients (10,000) calling one server at once, a few
/// calls each: more calling tasks than a table or cache sized for the
/// common case holds. Nanoseconds per call (wall time over all calls).
pub async fn call_crowd<S: Server>(sizes: Sizes) -> f64 {
    calls_from_clients::<S>(
        "call_crowd",
        sizes.crowd_clients,
        sizes.crowd_calls_per_client,
    )
    .await
}

async fn calls_from_clients<S: Server>(row: &str, clients: u64, per_client: u64) -> f64 {
    let (counter, warm) = warmed_counter::<S>(clients * per_client).await;
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let counter = counter.clone();
            S::spawn_client(async move {
                for _ in 0..per_client {
                    S::add(&counter, 1).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client panicked");
    }
    let elapsed = start.elapsed();
    check(
        &format!("{row}: total"),
        S::get(&counter).await,
        warm + clients * per_client,
    );
    S::stop(counter).await;
    per_op(elapsed, clients * per_client)
}

/// Row 2c: short-lived tasks that make one call each, as a task per
/// request would, spawned in batches of 1,000 and awaited. Nanoseconds per
/// task (spawn, call, end).
pub async fn call_per_task<S: Server>(sizes: Sizes) -> f64 {
    const BATCH: u64 = 1_000;
    let n = sizes.one_call_tasks;
    let (counter, warm) = warmed_counter::<S>(n).await;
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(BATCH as usize);
    for i in 0..n {
        let counter = counter.clone();
        tasks.push(S::spawn_client(async move {
            S::add(&counter, 1).await;
        }));
        if (i + 1) % BATCH == 0 || i + 1 == n {
            for task in tasks.drain(..) {
                task.await.expect("a client panicked");
            }
        }
    }
    let elapsed = start.elapsed();
    check("call_per_task: total", S::get(&counter).await, warm + n);
    S::stop(counter).await;
    per_op(elapsed, n)
}

/// Row 3: one producer casts, then one call waits for them all to be
/// handled. Nanoseconds per cast (the final call included).
pub async fn cast<S: Server>(sizes: Sizes) -> f64 {
    let n = sizes.casts;
    let counter = S::spawn(0).await;
    let warm = warm_up_ops(n);
    for _ in 0..warm {
        S::bump(&counter, 1).await;
    }
    check("cast: warm-up total", S::get(&counter).await, warm);
    let start = Instant::now();
    for _ in 0..n {
        S::bump(&counter, 1).await;
    }
    let total = S::get(&counter).await;
    let elapsed = start.elapsed();
    check("cast: total", total, warm + n);
    S::stop(counter).await;
    per_op(elapsed, n)
}

/// Row 4: many servers, round-robin casts to each, then one call to each.
/// Nanoseconds per message (casts and calls).
pub async fn fan_out<S: Server>(sizes: Sizes) -> f64 {
    let (servers, casts) = (sizes.fan_servers, sizes.fan_casts);
    let mut counters = Vec::with_capacity(servers as usize);
    for _ in 0..servers {
        counters.push(S::spawn(0).await);
    }
    for counter in &counters {
        check("fan_out: warm-up", S::get(counter).await, 0);
    }
    let start = Instant::now();
    for _ in 0..casts {
        for counter in &counters {
            S::bump(counter, 1).await;
        }
    }
    let mut wrong = None;
    for counter in &counters {
        let total = S::get(counter).await;
        if total != casts {
            wrong = Some(total);
        }
    }
    let elapsed = start.elapsed();
    if let Some(total) = wrong {
        check("fan_out: total of a server", total, casts);
    }
    for counter in counters {
        S::stop(counter).await;
    }
    per_op(elapsed, servers * (casts + 1))
}

/// Row 6: a client calls a relay whose handler calls a counter.
/// Nanoseconds per call through the relay.
pub async fn ping_pong<S: Server>(sizes: Sizes) -> f64 {
    let n = sizes.ping_calls;
    let counter = S::spawn(0).await;
    let relay = S::spawn_relay(counter.clone()).await;
    let warm = warm_up_ops(n);
    for _ in 0..warm {
        S::relay_add(&relay, 1).await;
    }
    let start = Instant::now();
    let mut last = 0;
    for _ in 0..n {
        last = S::relay_add(&relay, 1).await;
    }
    let elapsed = start.elapsed();
    check("ping_pong: last reply", last, warm + n);
    check("ping_pong: counter total", S::get(&counter).await, warm + n);
    S::stop_relay(relay).await;
    S::stop(counter).await;
    per_op(elapsed, n)
}

/// What row 5 measures in one process.
#[derive(Debug, Clone, Copy)]
pub struct IdleResult {
    /// Nanoseconds per spawn (until the handle is returned).
    pub spawn_ns: f64,
    /// VmRSS growth per idle server, in bytes, handles included.
    pub rss_bytes: f64,
    /// Nanoseconds per stop-and-wait, one server after the other.
    pub stop_ns: f64,
}

/// Row 5: spawn `idle_servers` servers, make sure each has run and is
/// idle (one call each), read the resident memory, then stop them one by
/// one. Meant to run in a process of its own so that the memory reading
/// sees this implementation's allocations only.
pub async fn idle<S: Server>(sizes: Sizes) -> IdleResult {
    const START: u64 = 7;
    let n = sizes.idle_servers;
    // Warm the runtime and the allocator's size classes first.
    let warm = warm_up_ops(n);
    let mut counters = Vec::with_capacity(warm as usize);
    for _ in 0..warm {
        counters.push(S::spawn(START).await);
    }
    for counter in counters.drain(..) {
        check("idle: warm-up", S::get(&counter).await, START);
        S::stop(counter).await;
    }
    drop(counters);

    // The vector's pages count once written; so do the handles in it.
    let mut counters = Vec::with_capacity(n as usize);
    let rss_before = crate::memory::vm_rss_bytes();
    let start = Instant::now();
    for _ in 0..n {
        counters.push(S::spawn(START).await);
    }
    let spawn = start.elapsed();
    for counter in &counters {
        check("idle: initial total", S::get(counter).await, START);
    }
    let rss_after = crate::memory::vm_rss_bytes();

    let start = Instant::now();
    for counter in counters {
        S::stop(counter).await;
    }
    let stop = start.elapsed();
    IdleResult {
        spawn_ns: per_op(spawn, n),
        rss_bytes: rss_after.saturating_sub(rss_before) as f64 / n as f64,
        stop_ns: per_op(stop, n),
    }
}

#[track_caller]
fn check(what: &str, got: u64, expected: u64) {
    assert_eq!(got, expected, "{what}: wrong count");
}
