// Two `#[info]` methods for one type written two ways, which the macro
// cannot tell apart: rustc reports the conflict at the second type.

use genserver::prelude::*;

pub struct Tick;

type Beat = Tick;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }

    #[info]
    fn beat(&mut self, _: Beat) {
        self.total += 2;
    }
}

fn main() {}
