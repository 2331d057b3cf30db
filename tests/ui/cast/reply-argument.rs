use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn reset(&mut self, reply: Reply<u64>) {
        self.total = 0;
        reply.send(0);
    }
}

fn main() {}
