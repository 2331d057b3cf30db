// A name given to one of the message enum and the client that the other
// has by default is reported where it was given.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(message = CounterClient)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

pub struct Gauge {
    level: u64,
}

#[genserver(client = GaugeMessage)]
impl Gauge {
    #[call]
    pub fn level(&self) -> u64 {
        self.level
    }
}

fn main() {}
