use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn reset(&mut self) -> u64 {
        std::mem::take(&mut self.total)
    }
}

fn main() {}
