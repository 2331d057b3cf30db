use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    // A timeout string is whole milliseconds: the rounded-up one, or the
    // exact `Duration`, is what to write.
    #[call(timeout = "1.5ms")]
    pub fn get(&self) -> u64 {
        self.total
    }

    // Zero however written.
    #[call(timeout = "0.0s")]
    pub fn peek(&self) -> u64 {
        self.total
    }

    // A whole number, written with a point.
    #[call(timeout = "5.s")]
    pub fn total(&self) -> u64 {
        self.total
    }
}

fn main() {}
