use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(start: u64) -> Self {
        Counter { total: start }
    }

    #[cfg_attr(all(), init)]
    fn from_zero() -> Self {
        Counter { total: 0 }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
