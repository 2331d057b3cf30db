use std::time::Duration;

use genserver::prelude::*;

/// Sent by a timer.
pub struct Tick;

pub struct Ticker;

#[genserver]
impl Ticker {
    /// Asks for a `Tick`, but no `#[info]` handler takes one.
    #[cast]
    pub fn arm(&mut self, ctx: &mut Context<Self>) {
        ctx.send_after(Duration::from_secs(1), Tick).detach();
    }
}

fn main() {}
