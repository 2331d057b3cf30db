// An `async` handler taking `&self` holds the reference across `.await`,
// so the state must be `Sync`; `Cell` is not. The fix is `&mut self`.

use std::cell::Cell;

use genserver::prelude::*;

pub struct Counter {
    total: Cell<u64>,
}

#[genserver]
impl Counter {
    #[call]
    pub async fn get(&self) -> u64 {
        tokio::task::yield_now().await;
        self.total.get()
    }
}

fn main() {}
