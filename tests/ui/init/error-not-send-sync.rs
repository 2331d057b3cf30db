// The error of `#[init]` travels to the task that called `start`, so a
// `Box<dyn Error>` (under any path, or `Send` only) must be
// `Send + Sync`: one error at the error type, with the fix.

use std::error::Error;

use genserver::prelude::*;

pub struct Config {
    port: u16,
}

#[genserver]
impl Config {
    #[init]
    async fn init(port: u16) -> Result<Self, Box<dyn Error + Send>> {
        Ok(Config { port })
    }

    #[call]
    pub fn port(&self) -> u16 {
        self.port
    }
}

fn main() {}
