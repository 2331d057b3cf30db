//! `'_` is the lifetime left to the compiler, as none written: handlers
//! may spell their borrows of the state, the context and the exit reason
//! with it.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&'_ self) -> u64 {
        self.total
    }

    #[cast]
    pub fn add(self: &'_ mut Self, by: u64) {
        self.total += by;
    }

    #[info]
    fn tick(&'_ mut self, _: u8, _ctx: &'_ mut Context<Self>) {
        self.total += 1;
    }

    #[terminate]
    fn stopped(&mut self, reason: &'_ ExitReason) {
        println!("stopped: {reason}");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let counter = Counter::start(Counter { total: 0 }).await.unwrap();
    counter.add(2).await.unwrap();
    counter.info(1u8).await.unwrap();
    assert_eq!(counter.get().await, Ok(3));
    counter.stop().await.unwrap();
}
