use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = 0ms)]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call(timeout = 5sec)]
    pub fn b(&self) -> u64 {
        self.total
    }

    #[call(timeout = 99999999999999999999h)]
    pub fn c(&self) -> u64 {
        self.total
    }

    #[call(timeout = 1.5s)]
    pub fn d(&self) -> u64 {
        self.total
    }

    #[call(timeout = "0")]
    pub fn e(&self) -> u64 {
        self.total
    }
}

fn main() {}
