use genserver::prelude::*;

/// Public, but none of its handlers is.
pub struct Ticker {
    ticks: u64,
}

/// Sent by a timer.
pub struct Tick;

#[genserver]
impl Ticker {
    #[info]
    fn tick(&mut self, _: Tick) {
        self.ticks += 1;
    }
}

fn main() {}
