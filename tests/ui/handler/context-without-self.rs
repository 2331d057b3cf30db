use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self, ctx: &mut Context) -> u64 {
        let _ = ctx;
        self.total
    }
}

fn main() {}
