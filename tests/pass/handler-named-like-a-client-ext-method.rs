//! A handler named like a `ClientExt` method takes the name on the
//! client; the runtime's method stays reachable through the trait.

use genserver::prelude::*;

pub struct Scores {
    best: u32,
}

#[genserver]
impl Scores {
    /// The game's own statistics, not the server's.
    #[call]
    pub fn stats(&self) -> u32 {
        self.best
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let scores = Scores::start(Scores { best: 7 }).await.unwrap();
    assert_eq!(scores.stats().await, Ok(7));
    let server_stats = ClientExt::stats(&scores).await.unwrap();
    assert_eq!(server_stats.messages_handled, 1);
    assert_eq!(scores.server_ref().stats().await.unwrap().messages_handled, 1);
}
