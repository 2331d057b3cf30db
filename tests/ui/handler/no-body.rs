use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64;

    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

fn main() {}
