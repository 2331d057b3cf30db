// `#[genserver]` written twice: one error at the second, and the block
// expanded once, so that code using the server compiles.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
#[genserver(client = Other)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter { total: 1 }).await.unwrap();
    let _ = counter.get().await;
}
