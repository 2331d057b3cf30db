use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn halt(&mut self, ctx: &mut Context<Self>, again: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
        let _ = again;
    }
}

fn main() {}
