use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn digits(&self) -> impl Iterator<Item = u64> {
        vec![self.total].into_iter()
    }
}

fn main() {}
