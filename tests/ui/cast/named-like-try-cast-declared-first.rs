use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// The handler named like the cast's non-waiting method comes first: the
// error is still about it alone, and the cast and its `try_` method stay
// on the client for the code below.
#[genserver]
impl Counter {
    #[call]
    pub fn try_reset(&mut self) -> bool {
        self.total = 0;
        true
    }

    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

async fn use_it(counter: CounterClient) -> Result<(), Box<dyn std::error::Error>> {
    counter.reset().await?;
    counter.try_reset()?;
    Ok(())
}

fn main() {
    let _ = use_it;
}
