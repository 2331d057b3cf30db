use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = "")]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
