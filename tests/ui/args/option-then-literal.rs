use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(message "CounterMsg")]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
