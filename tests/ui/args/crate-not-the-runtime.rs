use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// A path that resolves, to a crate that is not genserver: one error, at
// the attribute, and none at each item generated under it.
#[genserver(crate = std)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

fn main() {}
