use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// One error, at the second marker: the method is not also checked as the
// `#[info]` handler that its `u64` return would not suit.
#[genserver]
impl Counter {
    #[info]
    #[call]
    pub fn both(&mut self, by: u8) -> u64 {
        self.total += u64::from(by);
        self.total
    }
}

fn main() {}
