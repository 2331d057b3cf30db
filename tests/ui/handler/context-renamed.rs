// The context under another name is not recognised as the context: the
// error says so, rather than only that arguments cannot borrow.
use genserver::Context as Ctx;
use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn reset(&mut self, ctx: &mut Ctx<Self>) {
        let _ = ctx;
        self.total = 0;
    }
}

fn main() {}
