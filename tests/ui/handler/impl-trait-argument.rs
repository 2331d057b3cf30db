use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add_all(&mut self, items: impl IntoIterator<Item = u64>) -> u64 {
        self.total += items.into_iter().sum::<u64>();
        self.total
    }
}

fn main() {}
