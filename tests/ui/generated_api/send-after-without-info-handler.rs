// A timer can only send what an `#[info]` method takes: `Tock` has none.

use std::time::Duration;

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;
pub struct Tock;

#[genserver]
impl Counter {
    #[call]
    pub fn add(&mut self, by: u64, ctx: &mut Context<Self>) -> u64 {
        let _timer = ctx.send_after(Duration::from_secs(1), Tock);
        self.total += by;
        self.total
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }
}

fn main() {}
