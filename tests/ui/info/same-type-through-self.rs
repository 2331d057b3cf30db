// `self::Tick` names the same type as `Tick`: one error, the macro's.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }

    #[info]
    fn also_tick(&mut self, _: self::Tick) {
        self.total += 2;
    }
}

fn main() {}
