use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// rustc's one error, at `T`: nothing generated adds more.
#[genserver]
impl<T> Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
