// A server type that is not in scope is one error, where it is written.

use genserver::prelude::*;

pub struct Clock {
    ticks: u64,
}

#[genserver]
impl Clok {
    #[call]
    pub fn get(&self) -> u64 {
        self.ticks
    }

    #[cast]
    pub fn add(&mut self, by: u64) {
        self.ticks += by;
    }
}

fn main() {}
