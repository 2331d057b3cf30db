//! The limit for this design: a hand-written tokio task that owns the
//! state, fed by an unbounded `tokio::sync::mpsc` channel, replying through
//! `oneshot` channels. No timeouts, no panic isolation, no tracing.

use tokio::sync::{mpsc, oneshot};

use crate::driver::Server;

/// The benchmark's entry for the unbounded baseline.
pub struct TokioUnbounded;

pub enum Message {
    Add(u64, oneshot::Sender<u64>),
    Get(oneshot::Sender<u64>),
    Bump(u64),
    Stop(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Counter {
    tx: mpsc::UnboundedSender<Message>,
}

async fn counter(mut rx: mpsc::UnboundedReceiver<Message>, mut total: u64) {
    let done = loop {
        match rx.recv().await {
            Some(Message::Add(by, reply)) => {
                total += by;
                let _ = reply.send(total);
            }
            Some(Message::Get(reply)) => {
                let _ = reply.send(total);
            }
            Some(Message::Bump(by)) => total += by,
            Some(Message::Stop(done)) => break Some(done),
            None => break None,
        }
    };
    drop(rx);
    if let Some(done) = done {
        let _ = done.send(());
    }
}

impl Counter {
    async fn call<T>(&self, message: impl FnOnce(oneshot::Sender<T>) -> Message) -> T {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(message(tx)).is_err() {
            panic!("the counter has stopped");
        }
        rx.await.expect("the counter replies")
    }
}

pub enum RelayMessage {
    Add(u64, oneshot::Sender<u64>),
    Stop(oneshot::Sender<()>),
}

pub struct Relay {
    tx: mpsc::UnboundedSender<RelayMessage>,
}

async fn relay(mut rx: mpsc::UnboundedReceiver<RelayMessage>, target: Counter) {
    while let Some(message) = rx.recv().await {
        match message {
            RelayMessage::Add(by, reply) => {
                let total = target.call(|tx| Message::Add(by, tx)).await;
                let _ = reply.send(total);
            }
            RelayMessage::Stop(done) => {
                drop(rx);
                let _ = done.send(());
                return;
            }
        }
    }
}

impl Server for TokioUnbounded {
    type Handle = Counter;
    type Relay = Relay;

    async fn spawn(start: u64) -> Counter {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(counter(rx, start));
        Counter { tx }
    }

    async fn add(counter: &Counter, by: u64) -> u64 {
        counter.call(|tx| Message::Add(by, tx)).await
    }

    async fn bump(counter: &Counter, by: u64) {
        if counter.tx.send(Message::Bump(by)).is_err() {
            panic!("the counter has stopped");
        }
    }

    async fn get(counter: &Counter) -> u64 {
        counter.call(Message::Get).await
    }

    async fn stop(counter: Counter) {
        counter.call(Message::Stop).await;
    }

    async fn spawn_relay(target: Counter) -> Relay {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(relay(rx, target));
        Relay { tx }
    }

    async fn relay_add(relay: &Relay, by: u64) -> u64 {
        let (tx, rx) = oneshot::channel();
        if relay.tx.send(RelayMessage::Add(by, tx)).is_err() {
            panic!("the relay has stopped");
        }
        rx.await.expect("the relay replies")
    }

    async fn stop_relay(relay: Relay) {
        let (tx, rx) = oneshot::channel();
        if relay.tx.send(RelayMessage::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}
