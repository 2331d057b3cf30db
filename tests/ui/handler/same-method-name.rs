use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

// Two handlers of one name: one error saying so, beside rustc's own.
#[genserver]
impl Counter {
    #[call]
    pub fn tick(&self) -> u64 {
        self.total
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }
}

fn main() {}
