use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn later(&mut self, reply: Reply<u64>, other: Reply<u64>) {
        drop((reply, other));
    }
}

fn main() {}
