// Timeouts written with a fraction, two units or a unit in words: each
// error says how to write the same time with one whole number and unit.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = "1.5s")]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call(timeout = "1m30s")]
    pub fn b(&self) -> u64 {
        self.total
    }

    #[call(timeout = "5 seconds")]
    pub fn c(&self) -> u64 {
        self.total
    }
}

fn main() {}
