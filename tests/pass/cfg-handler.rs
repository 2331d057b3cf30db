//! `#[cfg]` on a handler removes everything generated from it.

use genserver::prelude::*;

/// Sent when the feature is on.
pub struct Never;

/// A server with conditional handlers.
pub struct Switches {
    on: u64,
}

#[genserver]
impl Switches {
    /// Always there.
    #[call]
    pub fn on(&self) -> u64 {
        self.on
    }

    /// Never compiled: its variant, client method and arms go too.
    #[cfg(any())]
    #[call]
    pub fn off(&self) -> Missing {
        Missing
    }

    /// Compiled, with docs added by `cfg_attr`.
    #[cfg(all())]
    #[cfg_attr(all(), doc = "Added by `cfg_attr`.")]
    #[cast]
    pub fn set(&mut self, on: u64) {
        self.on = on;
    }

    #[cfg_attr(any(), cfg(any()))]
    #[info]
    fn never(&mut self, _: Never) {}

    #[cfg_attr(all(), cfg(any()))]
    #[info]
    fn gone(&mut self, _: Missing) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let switches = Switches::start(Switches { on: 1 }).await.unwrap();
    switches.set(2).await.unwrap();
    switches.info(Never).await.unwrap();
    assert_eq!(switches.on().await.unwrap(), 2);
    switches.stop().await.unwrap();

    let empty = Empty::start(Empty).await.unwrap();
    empty.stop().await.unwrap();
}

/// Every handler `cfg`'d out: an empty message enum.
pub struct Empty;

#[genserver]
impl Empty {
    /// Gone.
    #[cfg(any())]
    #[call]
    pub fn gone(&self) {}
}
