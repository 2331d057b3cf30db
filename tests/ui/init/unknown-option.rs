use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init(name = "counter")]
    fn init(start: u64) -> Self {
        Counter { total: start }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
