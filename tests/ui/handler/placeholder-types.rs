use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// rustc's error at each `_`, once: the message and the client, made of
// these types, are not generated from them.
#[genserver]
impl Counter {
    #[cast]
    pub fn set(&mut self, to: _) {
        self.total = to;
    }

    #[call]
    pub fn get(&self) -> _ {
        self.total
    }

    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

fn main() {}
