// A marker written through the prelude module imported by name: one
// error, the marker's own, saying how to write it.

use genserver::prelude;
use genserver::prelude::genserver;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[prelude::call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
