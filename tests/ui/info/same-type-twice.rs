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
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }

    #[info]
    fn also_tick(&mut self, _: Tick) {
        self.total += 2;
    }
}

fn main() {}
