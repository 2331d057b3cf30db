use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub trait Named {
    fn name(&self) -> String;
}

#[genserver]
impl Named for Counter {
    #[call]
    fn name(&self) -> String {
        format!("counter at {}", self.total)
    }
}

fn main() {}
