use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self, reply: Reply) {
        let _ = reply;
    }
}

fn main() {}
