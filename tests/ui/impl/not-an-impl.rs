use genserver::prelude::*;

#[genserver]
pub struct Server {
    total: u64,
}

fn main() {}
