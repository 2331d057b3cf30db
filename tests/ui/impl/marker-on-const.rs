use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    const LIMIT: u64 = 10;

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
