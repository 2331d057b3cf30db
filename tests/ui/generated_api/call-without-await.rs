use genserver::prelude::*;

/// A running total.
pub struct Counter {
    total: u64,
}

/// Sent by a timer.
pub struct Tick;

#[genserver]
impl Counter {
    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// Forgets the total.
    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }
}

async fn run(counter: CounterClient) -> Result<u64, CallError> {
    let total = counter.add(2)?;
    Ok(total)
}

fn main() {
    let _ = run;
}
