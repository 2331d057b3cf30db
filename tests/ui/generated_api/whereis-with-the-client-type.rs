// A name is looked up by the server's type, not by its client's.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {
    let _ = genserver::whereis::<CounterClient>("counter");
}
