use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[info]
    fn tick(&mut self, _: Tick, reply: Reply<u64>) {
        reply.send(self.total);
    }
}

fn main() {}
