use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn zero() -> u64 {
        0
    }
}

fn main() {}
