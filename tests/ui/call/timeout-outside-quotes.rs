// A unit written outside the quotes, or after them: each error says to
// write the whole duration as one string.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = 250ms)]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call(timeout = "5"s)]
    pub fn b(&self) -> u64 {
        self.total
    }

    #[call(timeout = 250u64)]
    pub fn c(&self) -> u64 {
        self.total
    }
}

fn main() {}
