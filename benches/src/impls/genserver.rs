//! Our library, with its defaults: unbounded mailbox, the 5 s default call
//! timeout, the `tracing` feature on (no subscriber is installed).
//!
//! Neither server has an `#[init]`, so the start argument is the state
//! itself and starting does not wait for the server's task.

use ::genserver::prelude::*;

use crate::driver::Server;

/// The benchmark's entry for our library.
pub struct Genserver;

impl Server for Genserver {
    type Handle = CounterClient;
    type Relay = RelayClient;

    async fn spawn(start: u64) -> CounterClient {
        Counter::start(Counter { total: start })
            .await
            .expect("start a counter")
    }

    async fn add(counter: &CounterClient, by: u64) -> u64 {
        counter.add(by).await.expect("add")
    }

    async fn bump(counter: &CounterClient, by: u64) {
        counter.bump(by).await.expect("bump");
    }

    async fn get(counter: &CounterClient) -> u64 {
        counter.get().await.expect("get")
    }

    async fn stop(counter: CounterClient) {
        counter.stop().await.expect("stop a counter");
    }

    async fn spawn_relay(target: CounterClient) -> RelayClient {
        Relay::start(Relay { target }).await.expect("start a relay")
    }

    async fn relay_add(relay: &RelayClient, by: u64) -> u64 {
        relay.add(by).await.expect("relay add")
    }

    async fn stop_relay(relay: RelayClient) {
        relay.stop().await.expect("stop a relay");
    }
}

/// The counter's state.
pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// The current total.
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    /// Adds `by`, without a reply.
    #[cast]
    pub fn bump(&mut self, by: u64) {
        self.total += by;
    }
}

/// The relay's state: the counter it forwards to.
pub struct Relay {
    target: CounterClient,
}

#[genserver]
impl Relay {
    /// Calls the counter's `add` from inside this handler.
    #[call]
    pub async fn add(&mut self, by: u64) -> u64 {
        self.target.add(by).await.expect("the counter replies")
    }
}
