use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add_named(&mut self, name: &str, by: u64) -> u64 {
        let _ = name;
        self.total += by;
        self.total
    }
}

fn main() {}
