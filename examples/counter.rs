//! The counter of the README: a call that adds, a call that reads, a cast
//! that resets, an info message, and a `terminate` that says goodbye.
//!
//! `cargo run --example counter`. What `#[genserver]` writes for it is in
//! `examples/counter-expanded.rs`.

use std::convert::Infallible;

use genserver::prelude::*;

/// A running total.
pub struct Counter {
    total: u64,
}

/// Sent to the counter with `client.info(Tick)`, by anyone holding a
/// client.
pub struct Tick;

#[genserver]
impl Counter {
    /// Builds the state from the start argument.
    #[init]
    async fn init(start: u64) -> Result<Self, Infallible> {
        println!("[counter] init at {start}");
        Ok(Counter { total: start })
    }

    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// The current total.
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    /// Forgets the total.
    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }

    /// One more, for each tick.
    #[info]
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        self.total += 1;
        println!("[counter {}] tick: total {}", ctx.id(), self.total);
    }

    #[terminate]
    fn stopped(&mut self, reason: &ExitReason) {
        println!("[counter] stopping ({reason}) at {}", self.total);
    }
}

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let counter = Counter::start(5).await?;
    println!("started a counter at 5");
    println!("add(2) -> {}", counter.add(2).await?);
    counter.info(Tick).await?;
    println!("after a tick: {}", counter.get().await?);
    counter.reset().await?;
    println!("after reset: {}", counter.get().await?);
    counter.stop().await?;
    println!("stopped; alive = {}", counter.is_alive());
    Ok(())
}
