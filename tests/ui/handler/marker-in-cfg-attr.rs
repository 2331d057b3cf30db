// The block reads its markers before `cfg_attr` applies: a marker inside
// one is reported there, and the method is still read as marked.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[cfg_attr(all(), cast)]
    pub fn add(&mut self) {
        self.total += 1;
    }

    #[cfg_attr(unix, inline, genserver::cast)]
    pub fn reset(&mut self) {
        self.total = 0;
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter { total: 0 }).await.unwrap();
    counter.add().await.unwrap();
    counter.reset().await.unwrap();
    assert_eq!(counter.get().await.unwrap(), 0);
}
