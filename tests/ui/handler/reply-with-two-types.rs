use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self, reply: Reply<u64, u64>) {
        let _ = reply;
    }
}

fn main() {}
