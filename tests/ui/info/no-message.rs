use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[info]
    fn tick(&mut self) {
        self.total += 1;
    }
}

fn main() {}
