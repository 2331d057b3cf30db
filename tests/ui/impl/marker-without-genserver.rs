// A marker on a method of a block without `#[genserver]` says what is
// missing, at the marker.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
