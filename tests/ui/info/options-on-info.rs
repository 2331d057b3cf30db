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

    #[info(priority = 1)]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }
}

fn main() {}
