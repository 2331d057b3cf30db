use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init(timeout = a::)]
    fn init() -> Self {
        Counter { total: 0 }
    }
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
