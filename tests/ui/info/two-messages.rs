use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[info]
    fn tick(&mut self, tick: Tick, times: u64) {
        let _ = tick;
        self.total += times;
    }
}

fn main() {}
