use genserver::prelude::*;

pub struct Watcher;

#[genserver]
impl Watcher {
    /// Watches `other`, but nothing here takes the `Down` it will send.
    #[call]
    pub fn watch(&mut self, other: ServerRef<Watcher>, ctx: &mut Context<Self>) {
        ctx.monitor(&other);
    }
}

fn main() {}
