use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add(&mut self, by: u64, _: ...) -> u64 {
        self.total += by;
        self.total
    }
}

fn main() {}
