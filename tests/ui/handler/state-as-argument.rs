// Elixir passes the state as the callback's last argument; here it is
// `self`. One error at that argument each, not also "borrowed argument"
// or "a second message".

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[call]
    pub fn add(by: u64, state: &mut Self) -> u64 {
        state.total += by;
        state.total
    }

    #[info]
    fn tick(_: Tick, state: &mut Counter) {
        state.total += 1;
    }

    #[terminate]
    async fn stopped(state: &Self) {
        let _ = state.total;
    }
}

fn main() {}
