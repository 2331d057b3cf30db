// A method named `start` (as an Elixir module has one) is one error at its
// name: the generated `start` is still there for the code that calls it,
// with the block's `#[init]`, even one named `start_with`.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    async fn start_with(n: u64) -> Self {
        Counter { total: n }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    pub fn start(n: u64) -> u64 {
        n
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(1).await.unwrap();
    println!("{}", counter.get().await.unwrap());
}
