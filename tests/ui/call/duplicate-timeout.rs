use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = "1s", timeout = "2s")]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
