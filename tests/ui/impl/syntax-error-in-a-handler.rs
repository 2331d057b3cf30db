// A syntax error in one handler's body: rustc's own error, not one more
// per marker blaming a missing `#[genserver]`.
use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by
        self.total
    }

    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

fn main() {}
