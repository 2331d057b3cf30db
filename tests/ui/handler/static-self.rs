// A handler borrows the state for the message only: a receiver with a
// lifetime of its own is refused at the receiver.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&'static self) -> u64 {
        self.total
    }
}

fn main() {}
