use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add<'a>(&'a mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

fn main() {}
