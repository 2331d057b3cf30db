use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cfg_attr(unix, call = 1)]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
