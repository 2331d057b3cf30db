//! A cache whose reads do not go through the server: the table is a
//! concurrent map shared by the server and its readers. Writes go through
//! the server, one at a time; entries have a time to live; the server
//! sweeps expired entries on a periodic timer.
//!
//! `cargo run --example cache_server`
//!
//! The table is a `std::sync::RwLock<HashMap>`: readers hold the lock for
//! one map lookup, never across an `.await`, and there is one writer, so a
//! sharded map would add a dependency for no measurable gain here. An
//! entry past its deadline reads as absent at once; the sweep only frees
//! its memory.

use std::collections::HashMap;
use std::error::Error;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use genserver::Timer;
use genserver::prelude::*;
use tokio::time::Instant;

/// A value and when it expires.
struct Entry {
    value: String,
    expires: Instant,
}

type Table = Arc<RwLock<HashMap<String, Entry>>>;

/// Reads the cache without a message to the server: cheap to clone, and
/// usable from any task.
#[derive(Clone)]
struct CacheReader {
    table: Table,
}

impl CacheReader {
    /// The value under `key`, unless it is missing or has expired.
    fn get(&self, key: &str) -> Option<String> {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        table
            .get(key)
            .filter(|entry| entry.expires > Instant::now())
            .map(|entry| entry.value.clone())
    }

    /// Entries held, expired ones not yet swept included.
    fn held(&self) -> usize {
        self.table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The periodic tick that sweeps expired entries.
#[derive(Clone)]
struct Sweep;

/// The writer of the table.
struct Cache {
    table: Table,
    /// Sends [`Sweep`] every period; cancelled when dropped, and ends with
    /// the server.
    _sweeper: Timer,
    /// Requests from clients handled so far (ticks not included).
    requests: u64,
}

// A message's fields are owned values, even where a handler only
// borrows them.
#[allow(clippy::needless_pass_by_value)]
#[genserver]
impl Cache {
    /// Starts with an empty table and a timer that sends [`Sweep`] every
    /// `period`.
    #[init]
    fn init(period: Duration, ctx: &mut Context<Self>) -> Self {
        Cache {
            table: Table::default(),
            _sweeper: ctx.send_interval(period, Sweep),
            requests: 0,
        }
    }

    /// A reader of the table.
    #[call]
    fn reader(&mut self) -> CacheReader {
        self.requests += 1;
        CacheReader {
            table: Arc::clone(&self.table),
        }
    }

    /// Stores `value` under `key` for `ttl`; returns the value it replaces,
    /// if that had not expired.
    #[call]
    fn put(&mut self, key: String, value: String, ttl: Duration) -> Option<String> {
        self.requests += 1;
        let now = Instant::now();
        let entry = Entry {
            value,
            expires: now + ttl,
        };
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        table
            .insert(key, entry)
            .filter(|old| old.expires > now)
            .map(|old| old.value)
    }

    /// Forgets `key`; returns whether it was there.
    #[call]
    fn delete(&mut self, key: String) -> bool {
        self.requests += 1;
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        table.remove(&key).is_some()
    }

    /// Frees the entries whose time is up.
    #[info]
    fn sweep(&mut self, _: Sweep) {
        let now = Instant::now();
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        let before = table.len();
        table.retain(|_, entry| entry.expires > now);
        let swept = before - table.len();
        if swept > 0 {
            println!(
                "[cache] swept {swept} expired entries, {} left",
                table.len()
            );
        }
    }
}

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let cache = Cache::start(Duration::from_millis(50)).await?;
    let reader = cache.reader().await?;

    cache
        .put(
            "session:1".into(),
            "alice".into(),
            Duration::from_millis(200),
        )
        .await?;
    cache
        .put("config".into(), "v1".into(), Duration::from_secs(60))
        .await?;
    let replaced = cache
        .put("config".into(), "v2".into(), Duration::from_secs(60))
        .await?;
    println!("put config=v2, replacing {replaced:?}");

    // Readers in four tasks: no read is a message to the server.
    let requests_before = cache.inspect_state(|c| c.requests).await?;
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let reader = reader.clone();
            tokio::spawn(async move {
                (0..10_000)
                    .filter(|_| reader.get("config").as_deref() == Some("v2"))
                    .count()
            })
        })
        .collect();
    let mut hits = 0;
    for reader in readers {
        hits += reader.await?;
    }
    let requests_after = cache.inspect_state(|c| c.requests).await?;
    println!(
        "4 readers: {hits} hits; requests the server handled meanwhile: {}",
        requests_after - requests_before
    );
    assert_eq!(hits, 40_000);
    assert_eq!(requests_after, requests_before);

    assert!(cache.delete("config".into()).await?);
    println!("deleted config: {:?}", reader.get("config"));
    println!("session:1 = {:?}", reader.get("session:1"));

    // Wait for the time to live to pass: the entry reads as gone at once,
    // and a sweep frees it soon after.
    tokio::time::sleep(Duration::from_millis(250)).await;
    println!("after 250 ms, session:1 = {:?}", reader.get("session:1"));
    assert_eq!(reader.get("session:1"), None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader.held() > 0 {
        assert!(Instant::now() < deadline, "no sweep within 10 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    println!("entries held: {}", reader.held());

    let stats = cache.stats().await?;
    println!(
        "the server handled {} messages (requests and ticks) in {:?}",
        stats.messages_handled, stats.uptime
    );
    cache.stop().await?;
    println!("cache stopped; its timer ended with it");
    Ok(())
}
