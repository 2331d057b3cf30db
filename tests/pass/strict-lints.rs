//! Generated code is clean under strict rustc lints, and under
//! `clippy::pedantic` when clippy checks this file (trybuild runs rustc,
//! which does not run clippy's lints).

#![deny(
    missing_docs,
    missing_debug_implementations,
    unused,
    unreachable_pub,
    unused_qualifications,
    unused_results,
    rust_2018_idioms,
    let_underscore_drop,
    single_use_lifetimes,
    deprecated,
    clippy::pedantic
)]

use std::time::Duration;

use genserver::prelude::*;

/// A running total.
#[derive(Debug)]
pub struct Counter {
    total: u64,
}

/// Sent by a timer.
#[derive(Debug)]
pub struct Tick;

const SLOW: Duration = Duration::from_secs(1);

#[genserver]
impl Counter {
    #[init]
    async fn init(start: u64) -> Result<Self, std::convert::Infallible> {
        Ok(Counter { total: start })
    }

    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// The total, with a timeout of its own.
    #[call(timeout = "250ms")]
    pub async fn get(&self) -> u64 {
        self.total
    }

    /// The total, slowly.
    #[call(timeout = SLOW)]
    pub fn get_slowly(&self) -> u64 {
        self.total
    }

    /// Forgets the total.
    ///
    /// # Errors
    ///
    /// When the total is already zero, which stops the server.
    #[cast]
    pub fn reset(&mut self) -> Result<(), String> {
        if self.total == 0 {
            return Err("already zero".to_owned());
        }
        self.total = 0;
        Ok(())
    }

    /// An old name for `add(1)`.
    #[deprecated = "use `add(1)`"]
    #[cast]
    pub fn increment(&mut self) {
        self.total += 1;
    }

    #[info]
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        let _id = ctx.id();
        self.total += 1;
    }

    #[terminate]
    async fn stopped(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        let _unused = (reason, ctx.id());
    }
}

/// A state small enough that clippy would pass it by value, were the
/// receiver not a reference by contract.
#[derive(Debug, Clone, Copy)]
struct Flag {
    on: bool,
}

#[genserver]
impl Flag {
    #[call]
    fn is_on(&self) -> bool {
        self.on
    }

    #[call]
    fn is_on_with(&self, ctx: &mut Context<Self>) -> bool {
        let _id = ctx.id();
        self.on
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let counter = Counter::start(1).await.unwrap();
    assert_eq!(counter.add(1).await.unwrap(), 2);
    assert_eq!(counter.get().await.unwrap(), 2);
    assert_eq!(counter.get_slowly().await.unwrap(), 2);
    counter.info(Tick).await.unwrap();
    counter.reset().await.unwrap();
    counter.stop().await.unwrap();

    let flag = Flag::start(Flag { on: true }).await.unwrap();
    assert!(flag.is_on().await.unwrap());
    assert!(flag.is_on_with().await.unwrap());
    flag.stop().await.unwrap();
}
