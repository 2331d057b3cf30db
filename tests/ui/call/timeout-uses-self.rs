// The client evaluates the timeout before it sends the call: the server's
// state is not there. `self::LIMIT`, a path, is fine.

use std::time::Duration;

use genserver::prelude::*;

const LIMIT: Duration = Duration::from_secs(1);

pub struct Counter {
    total: u64,
    limit_ms: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = Duration::from_millis(self.limit_ms))]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[call(timeout = self::LIMIT)]
    pub fn limit(&self) -> u64 {
        self.limit_ms
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter { total: 0, limit_ms: 10 }).await.unwrap();
    let _ = counter.get().await.unwrap();
    let _ = counter.limit().await.unwrap();
}
