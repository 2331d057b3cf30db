// A handler's context is its own server's: `Context<Self>`.

use genserver::prelude::*;

pub struct Other;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn bump(&mut self, ctx: &mut Context<Other>) {
        let _ = ctx;
        self.total += 1;
    }
}

fn main() {}
