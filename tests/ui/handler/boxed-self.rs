use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(self: Box<Self>) -> u64 {
        self.total
    }
}

fn main() {}
