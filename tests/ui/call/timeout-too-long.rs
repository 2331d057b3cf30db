use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = "99999999999999999999h")]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call(timeout = "9999999999999999h")]
    pub fn b(&self) -> u64 {
        self.total
    }
}

fn main() {}
