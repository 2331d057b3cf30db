// The error of a cast, an info handler or `#[init]` is the reason the
// server stopped or did not start: `()` says nothing.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[init]
    fn init() -> Result<Self, ()> {
        Ok(Counter { total: 0 })
    }

    #[cast]
    pub fn add(&mut self, by: u64) -> Result<(), ()> {
        self.total += by;
        Ok(())
    }

    #[info]
    fn tick(&mut self, _: Tick) -> Result<(), ()> {
        Err(())
    }

    #[call]
    pub fn get(&self) -> Result<u64, ()> {
        Ok(self.total)
    }
}

fn main() {}
