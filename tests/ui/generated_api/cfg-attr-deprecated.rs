//! A `#[cfg_attr]` that deprecates a handler deprecates its client method,
//! as `#[deprecated]` does; the rest of the `cfg_attr` stays on the handler.

#![deny(deprecated)]

use genserver::prelude::*;

pub struct Total {
    total: u64,
}

#[genserver]
impl Total {
    #[cfg_attr(all(), deprecated = "read the state with `inspect_state`", inline)]
    #[call]
    pub fn total(&self) -> u64 {
        self.total
    }
}

async fn read(total: TotalClient) -> u64 {
    total.total().await.unwrap()
}

fn main() {}
