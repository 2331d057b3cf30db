// The error of a cast ends the server and travels to other tasks, so a
// `Box<dyn Error>` must be `Send + Sync`: one error at the error type,
// with the fix, and `start` and the other handlers still generated.

use genserver::prelude::*;

pub struct Store {
    items: Vec<u64>,
}

#[genserver]
impl Store {
    #[cast]
    pub fn put(&mut self, raw: String) -> Result<(), Box<dyn std::error::Error>> {
        self.items.push(raw.parse()?);
        Ok(())
    }

    #[call]
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[tokio::main]
async fn main() {
    let store = Store::start(Store { items: Vec::new() }).await.unwrap();
    let _ = store.len().await;
}
