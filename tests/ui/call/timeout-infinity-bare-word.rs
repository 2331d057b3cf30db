// Elixir's `:infinity` written as a bare word: it is a string here.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = infinity)]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
