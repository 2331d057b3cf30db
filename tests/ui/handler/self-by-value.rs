use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn take(self) -> u64 {
        self.total
    }
}

fn main() {}
