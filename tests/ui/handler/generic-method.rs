use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add<N: Into<u64>>(&mut self, by: N) -> u64 {
        self.total += by.into();
        self.total
    }
}

fn main() {}
