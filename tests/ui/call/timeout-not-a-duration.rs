use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = 1.5)]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call(timeout = true)]
    pub fn b(&self) -> u64 {
        self.total
    }
}

fn main() {}
