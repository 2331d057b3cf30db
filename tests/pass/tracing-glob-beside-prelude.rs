//! `use tracing::*` beside the prelude makes two `info`s: the one called
//! is imported by name, as the prelude's docs say, and the `#[info]`
//! marker inside the block is read by `#[genserver]` all the same.

use genserver::prelude::*;
use tracing::info;
use tracing::*;

struct Ticker {
    ticks: u64,
}

struct Tick;

#[genserver]
impl Ticker {
    #[call]
    fn ticks(&self) -> u64 {
        info!(ticks = self.ticks, "asked");
        self.ticks
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        debug!("tick");
        self.ticks += 1;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let ticker = Ticker::start(Ticker { ticks: 0 }).await.unwrap();
    ticker.info(Tick).await.unwrap();
    assert_eq!(ticker.ticks().await, Ok(1));
}
