use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(crate = my_app::genserver)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
