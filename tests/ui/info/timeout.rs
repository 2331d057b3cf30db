use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[info(timeout = "1s")]
    fn tick(&mut self, _tick: u8) {
        self.total += 1;
    }
}

fn main() {}
