use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn total(&self) -> &u64 {
        &self.total
    }
}

fn main() {}
