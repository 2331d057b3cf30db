use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(crate = )]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

#[genserver(message = CounterMsg client = CounterHandle)]
impl Other {
    #[call]
    pub fn get(&self) -> u64 {
        1
    }
}

pub struct Other;

fn main() {}
