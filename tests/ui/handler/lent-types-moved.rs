use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// A `Reply` or the `Context` inside a message, or returned: no caller
// could make one, and no one would be served by it.
#[genserver]
impl Counter {
    #[call]
    pub fn later(&mut self, reply: Option<Reply<u64>>) {
        drop(reply);
    }

    #[call]
    pub fn handle(&self) -> Reply<u64> {
        todo!()
    }

    #[cast]
    pub fn boxed(&mut self, ctx: Box<Context<Self>>) {
        drop(ctx);
    }

    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

fn main() {}
