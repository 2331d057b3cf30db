//! A `Reply` is the server's to hand on: a message may carry a channel of
//! them, and a call may return one for its caller to answer.

use genserver::prelude::*;
use tokio::sync::mpsc;

/// Hands each waiting caller's reply to whoever asks for the next one.
pub struct Matchmaker {
    waiting: Vec<Reply<String>>,
}

#[genserver]
impl Matchmaker {
    /// Waits until someone answers it.
    #[call]
    pub fn queue_up(&mut self, reply: Reply<String>) {
        self.waiting.push(reply);
    }

    /// The reply of the longest waiting caller, to answer it directly.
    #[call]
    pub fn take_waiting(&mut self) -> Option<Reply<String>> {
        (!self.waiting.is_empty()).then(|| self.waiting.remove(0))
    }

    /// Sends the replies of all waiting callers down `to`.
    #[cast]
    pub fn hand_all(&mut self, to: mpsc::UnboundedSender<Reply<String>>) {
        for reply in self.waiting.drain(..) {
            let _ = to.send(reply);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let matchmaker = Matchmaker::start(Matchmaker { waiting: Vec::new() })
        .await
        .unwrap();
    let first = tokio::spawn({
        let matchmaker = matchmaker.clone();
        async move { matchmaker.queue_up().await }
    });
    let second = tokio::spawn({
        let matchmaker = matchmaker.clone();
        async move { matchmaker.queue_up().await }
    });
    while matchmaker.stats().await.unwrap().messages_handled < 2 {
        tokio::task::yield_now().await;
    }
    let reply = matchmaker.take_waiting().await.unwrap().expect("a waiting caller");
    assert!(reply.send("from the client".to_owned()));
    assert_eq!(first.await.unwrap().unwrap(), "from the client");

    let (to, mut replies) = mpsc::unbounded_channel();
    matchmaker.hand_all(to).await.unwrap();
    let reply = replies.recv().await.expect("the second caller's reply");
    assert!(reply.send("down the channel".to_owned()));
    assert_eq!(second.await.unwrap().unwrap(), "down the channel");
    matchmaker.stop().await.unwrap();
}
