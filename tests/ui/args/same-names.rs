// The options cannot give the message enum and the client the same name,
// or the server's.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(message = CounterHandle, client = CounterHandle)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

pub struct Gauge {
    level: u64,
}

#[genserver(client = Gauge)]
impl Gauge {
    #[call]
    pub fn level(&self) -> u64 {
        self.level
    }
}

fn main() {}
