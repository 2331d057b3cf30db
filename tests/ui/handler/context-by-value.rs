use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn halt(&mut self, ctx: Context<Self>) {
        let _ = ctx;
    }
}

fn main() {}
