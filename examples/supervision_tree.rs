//! A supervision tree, step by step: the three strategies, a crashing
//! worker restarted behind the client the caller already holds, the
//! messages queued at the crash handled by the new instance, and restart
//! intensity escalating up the tree: a supervisor that gives up is
//! restarted by its parent, until the root gives up too.
//!
//! `cargo run --example supervision_tree`
//!
//! ```text
//! root (one_for_one, at most 2 restarts in 5 s)
//! ├── ledger                   a worker
//! ├── pipeline (rest_for_one)  reader → parser → writer
//! └── pair (one_for_all, at most 1 restart in 5 s)  left, right
//! ```

use std::time::Duration;

use genserver::prelude::*;
use genserver::{ServerId, SupervisorClient};

/// A worker that counts what it is given and can be made to crash.
pub struct Worker {
    name: &'static str,
    total: u64,
}

#[genserver]
impl Worker {
    #[init]
    async fn init(name: &'static str) -> Result<Self, std::convert::Infallible> {
        println!("    [{name}] started");
        Ok(Worker { name, total: 0 })
    }

    /// Adds `n` and returns the total of this instance.
    #[call]
    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    /// Adds `n` without waiting for an answer.
    #[cast]
    pub fn add_later(&mut self, n: u64) {
        self.total += n;
    }

    /// Takes its time before answering.
    #[call]
    pub async fn slow(&self) -> u64 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.total
    }

    /// Panics: let it crash.
    #[call]
    fn crash(&self) -> u64 {
        panic!("{} was asked to crash", self.name)
    }

    #[terminate]
    fn stopped(&mut self, reason: &ExitReason) {
        println!("    [{}] terminate ({reason})", self.name);
    }
}

fn worker(name: &'static str) -> ChildSpec {
    ChildSpec::server::<Worker>(name, move || name)
}

async fn worker_of(sup: &SupervisorClient, id: &str) -> WorkerClient {
    sup.child::<Worker>(id).await.expect("a worker child")
}

async fn ids(sup: &SupervisorClient, names: &[&str]) -> Vec<ServerId> {
    let mut ids = Vec::new();
    for name in names {
        ids.push(worker_of(sup, name).await.id());
    }
    ids
}

async fn show(title: &str, sup: &SupervisorClient) {
    println!("  {title}:");
    for child in sup.which_children().await.expect("the supervisor answers") {
        println!("    {:<9} {:?}", child.id.as_str(), child.state);
    }
}

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main(flavor = "current_thread")]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // One short line per panic instead of the default report.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map_or("a panic", String::as_str);
        println!("    !! panic: {message}");
    }));

    println!("1. start the tree: children start in order, depth first");
    let pipeline = SupervisorSpec::new(Strategy::RestForOne)
        .child(worker("reader"))
        .child(worker("parser"))
        .child(worker("writer"));
    let pair = SupervisorSpec::new(Strategy::OneForAll)
        .intensity(RestartIntensity::new(1, Duration::from_secs(5)))
        .child(worker("left"))
        .child(worker("right"));
    let root = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne)
            .intensity(RestartIntensity::new(2, Duration::from_secs(5)))
            .child(worker("ledger"))
            .child(ChildSpec::supervisor("pipeline", pipeline))
            .child(ChildSpec::supervisor("pair", pair)),
    )
    .await?;
    show("root", &root).await;

    println!("\n2. one_for_one: the ledger crashes with messages queued behind the crash");
    let ledger = worker_of(&root, "ledger").await;
    ledger.add(10).await?;
    let before = ledger.id();
    let busy = tokio::spawn({
        let ledger = ledger.clone();
        async move { ledger.slow().await }
    });
    tokio::task::yield_now().await;
    let crash = tokio::spawn({
        let ledger = ledger.clone();
        async move { ledger.crash().await }
    });
    tokio::task::yield_now().await;
    ledger.add_later(1).await?;
    ledger.add_later(2).await?;
    println!("  slow call -> {:?}", busy.await?);
    println!("  crashing call -> {:?}", crash.await?);
    println!(
        "  same client, new instance: id {before} -> {}; total {} (the 1 and 2 queued at the crash were kept)",
        ledger.id(),
        ledger.add(0).await?
    );

    println!("\n3. rest_for_one: the parser crashes; the reader is left alone");
    let pipeline = root.child::<Supervisor>("pipeline").await?;
    let names = ["reader", "parser", "writer"];
    let before = ids(&pipeline, &names).await;
    let _ = worker_of(&pipeline, "parser").await.crash().await;
    worker_of(&pipeline, "writer").await.add(0).await?;
    let after = ids(&pipeline, &names).await;
    for ((name, b), a) in names.iter().zip(&before).zip(&after) {
        println!("  {name:<7} {b} -> {a}");
    }

    println!("\n4. one_for_all: left crashes; right is restarted with it");
    let pair = root.child::<Supervisor>("pair").await?;
    let before = ids(&pair, &["left", "right"]).await;
    let _ = worker_of(&pair, "left").await.crash().await;
    worker_of(&pair, "right").await.add(0).await?;
    let after = ids(&pair, &["left", "right"]).await;
    println!("  left  {} -> {}", before[0], after[0]);
    println!("  right {} -> {}", before[1], after[1]);

    println!("\n5. escalation: left crashes again; the pair allows 1 restart in 5 s");
    // Steps 3 and 4 restarted children of the root's children; the root
    // itself has restarted only the ledger, once.
    let left = worker_of(&pair, "left").await;
    let pair_before = pair.id();
    let _ = left.crash().await;
    // The pair gave up; the root restarts it, as any child: its second
    // restart. The same client reaches the new pair.
    worker_of(&pair, "right").await.add(0).await?;
    assert_ne!(pair.id(), pair_before, "the root restarted the pair");
    println!(
        "  the pair gave up and the root restarted it: id {pair_before} -> {}",
        pair.id()
    );
    show("root", &root).await;

    println!("\n6. the root allows 2 restarts in 5 s: the ledger's next crash is one too many");
    let _ = ledger.crash().await;
    let reason = root.wait().await;
    assert_eq!(reason, ExitReason::Shutdown);
    println!("  root exited: {reason:?}; every child was stopped in reverse order");
    println!("  the ledger client now says: {:?}", ledger.add(0).await);
    Ok(())
}
