// The client evaluates a call's timeout expression: `self` there is the
// client, whose methods it may use; only the server's fields are out of
// reach (tests/ui/call/timeout-uses-self.rs).

use std::time::Duration;

use genserver::prelude::*;

pub struct Relay;

impl Relay {
    const LONG: Duration = Duration::from_secs(30);
}

#[genserver]
impl Relay {
    /// Waits as long as the client was told to, or long.
    #[call(timeout = self.server_ref().call_timeout(None).unwrap_or(Self::LONG))]
    pub fn ping(&self) -> u8 {
        1
    }
}

#[tokio::main]
async fn main() {
    let relay = Relay::start(Relay).await.unwrap();
    assert_eq!(relay.ping().await, Ok(1));
    relay.stop().await.unwrap();
}
