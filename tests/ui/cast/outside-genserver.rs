use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

impl Counter {
    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

fn main() {}
