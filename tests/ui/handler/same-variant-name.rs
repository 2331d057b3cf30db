use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get_total(&self) -> u64 {
        self.total
    }

    #[call]
    #[allow(non_snake_case)]
    pub fn getTotal(&self) -> u64 {
        self.total
    }
}

fn main() {}
