use genserver::prelude::*;

pub struct Counter<T> {
    total: T,
}

#[genserver]
impl Counter<Self::Total> {
    #[call]
    pub fn get(&self) -> Self::Total {
        self.total
    }
}

fn main() {}
