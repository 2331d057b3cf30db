// An `#[init]` with a mistake is one error: the code that starts the
// server and calls it finds `start`, `start_with` and the client's
// methods.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(&self, start: u64) -> Result<Self, ()> {
        Ok(Counter { total: start })
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[cast]
    pub fn add(&mut self, by: u64) {
        self.total += by;
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(1).await.unwrap();
    counter.add(2).await.unwrap();
    let total: u64 = counter.get().await.unwrap();
    println!("{total}");
    let other = Counter::start_with(1, StartOptions::new()).await.unwrap();
    other.stop().await.unwrap();
}
