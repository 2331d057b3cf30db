//! Two handlers of one name, or two `#[info]` handlers of one type, under
//! `#[cfg]`s that exclude each other: the one compiled in is the handler.

use genserver::prelude::*;

/// Sent by a timer.
pub struct Tick;

/// A server whose handlers depend on the platform.
pub struct Platform {
    ticks: u8,
}

#[genserver]
impl Platform {
    /// On Unix.
    #[cfg(unix)]
    #[call]
    pub fn get(&self) -> u8 {
        1 + self.ticks
    }

    /// Elsewhere.
    #[cfg(not(unix))]
    #[call]
    pub fn get(&self) -> u8 {
        2 + self.ticks
    }

    /// Resets on Unix.
    #[cfg_attr(not(unix), cfg(any()))]
    #[cast]
    pub fn reset(&mut self) {
        self.ticks = 0;
    }

    /// Resets elsewhere.
    #[cfg_attr(unix, cfg(any()))]
    #[cast]
    pub fn reset(&mut self) {
        self.ticks = 0;
    }

    #[cfg(unix)]
    #[info]
    fn tick(&mut self, _: Tick) {
        self.ticks += 1;
    }

    #[cfg(not(unix))]
    #[info]
    fn tick_elsewhere(&mut self, _: Tick) {
        self.ticks += 1;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let platform = Platform::start(Platform { ticks: 0 }).await.unwrap();
    platform.info(Tick).await.unwrap();
    let expected = if cfg!(unix) { 2 } else { 3 };
    assert_eq!(platform.get().await.unwrap(), expected);
    platform.reset().await.unwrap();
    platform.try_reset().unwrap();
    assert_eq!(platform.get().await.unwrap(), expected - 1);
    platform.stop().await.unwrap();
}
