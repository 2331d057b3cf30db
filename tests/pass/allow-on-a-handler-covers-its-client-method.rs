//! A lint about a handler's name or arguments fires where the user wrote
//! them, once: an `allow` there covers the client methods generated from
//! the handler too.

#![deny(non_snake_case)]

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    #[allow(non_snake_case)]
    pub fn GetValue(&self) -> u64 {
        self.total
    }

    #[cast]
    #[allow(non_snake_case)]
    pub fn Add(&mut self, By: u64) {
        self.total += By;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let counter = Counter::start(Counter { total: 0 }).await.unwrap();
    counter.Add(2).await.unwrap();
    counter.try_Add(3).unwrap();
    assert_eq!(counter.GetValue().await, Ok(5));
}
