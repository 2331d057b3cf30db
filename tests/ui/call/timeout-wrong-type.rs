use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

const TIMEOUT_MS: u64 = 250;

#[genserver]
impl Counter {
    #[call(timeout = TIMEOUT_MS)]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
