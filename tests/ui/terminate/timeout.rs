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

    #[terminate(timeout = "1s")]
    fn stopped(&mut self) {}
}

fn main() {}
