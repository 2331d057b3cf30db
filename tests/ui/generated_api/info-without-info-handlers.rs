use genserver::prelude::*;

/// A running total, with no `#[info]` method.
pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

fn run(counter: &CounterClient) {
    let _ = counter.try_info(1_u64);
}

fn main() {
    let _ = run;
}
