use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver(mesage = CounterMsg)]
impl Counter {
    #[call(timeout = "5 parsecs")]
    pub fn add(&mut self, by: &u64) -> u64 {
        self.total += *by;
        self.total
    }

    #[cast]
    pub fn reset(self) {}

    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }

    #[info]
    fn tock(&mut self, _: Tick) {
        self.total += 1;
    }

    #[init]
    fn init(&self) -> Self {
        Counter { total: 0 }
    }
}

fn main() {}
