use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn peek(&self, ctx: &Context<Self>) -> u64 {
        let _ = ctx;
        self.total
    }
}

fn main() {}
