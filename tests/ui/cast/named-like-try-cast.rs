use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }

    #[call]
    pub fn try_reset(&mut self) -> bool {
        self.total = 0;
        true
    }
}

fn main() {}
