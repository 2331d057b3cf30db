use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// The context is lent for the message being handled: no caller has one
// to send, and no handler one to return.
#[genserver]
impl Counter {
    #[cast]
    pub fn boxed(&mut self, ctx: Box<Context<Self>>) {
        drop(ctx);
    }

    #[call]
    pub fn lend(&mut self) -> Option<Context<Self>> {
        None
    }

    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

fn main() {}
