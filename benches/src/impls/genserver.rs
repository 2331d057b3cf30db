//! Our library, with its defaults: unbounded mailbox, the 5 s default call
//! timeout, the `tracing` feature on (no subscriber is installed).
//!
//! The servers are written as `#[genserver]` expands them, following
//! `examples/counter-expanded.rs`: the user's impl block, the message enum,
//! the client, and the `GenServer` impl with its dispatch. The source they
//! expand from is:
//!
//! ```ignore
//! pub struct Counter { total: u64 }
//!
//! #[genserver]
//! impl Counter {
//!     #[call]
//!     pub fn add(&mut self, by: u64) -> u64 { self.total += by; self.total }
//!     #[call]
//!     pub fn get(&self) -> u64 { self.total }
//!     #[cast]
//!     pub fn bump(&mut self, by: u64) { self.total += by }
//! }
//!
//! pub struct Relay { target: CounterClient }
//!
//! #[genserver]
//! impl Relay {
//!     #[call]
//!     pub async fn add(&mut self, by: u64) -> u64 {
//!         self.target.add(by).await.expect("the counter replies")
//!     }
//! }
//! ```
//!
//! Neither has an `#[init]`, so the start argument is the state itself and
//! starting does not wait for the server's task. Client methods the
//! benchmark does not use are left out.

use ::genserver::__private as gs;
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

// The user's impl block, with the marker attributes removed.
impl Counter {
    fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        self.total
    }

    fn get(&self) -> u64 {
        self.total
    }

    fn bump(&mut self, by: u64) {
        self.total += by;
    }
}

/// What the macro generates for `Counter` from here on.
pub enum CounterMessage {
    Add((u64,), gs::ReplyTo<u64>),
    Get((), gs::ReplyTo<u64>),
    Bump((u64,)),
}

pub struct CounterClient {
    server: gs::ServerRef<Counter>,
}

impl Clone for CounterClient {
    fn clone(&self) -> Self {
        CounterClient {
            server: self.server.clone(),
        }
    }
}

impl CounterClient {
    pub async fn add(&self, by: u64) -> Result<u64, CallError> {
        self.server
            .call_with(
                |reply| CounterMessage::Add((by,), reply),
                self.server.call_timeout(None),
            )
            .await
    }

    pub async fn get(&self) -> Result<u64, CallError> {
        self.server
            .call_with(
                |reply| CounterMessage::Get((), reply),
                self.server.call_timeout(None),
            )
            .await
    }

    pub async fn bump(&self, by: u64) -> Result<(), SendError<CounterMessage>> {
        self.server.send(CounterMessage::Bump((by,))).await
    }

    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }
}

impl gs::Client for CounterClient {
    type Server = Counter;

    fn from_server_ref(server: gs::ServerRef<Counter>) -> Self {
        CounterClient { server }
    }

    fn server_ref(&self) -> &gs::ServerRef<Counter> {
        &self.server
    }
}

impl gs::GenServer for Counter {
    type Args = Counter;
    type Message = CounterMessage;
    type Client = CounterClient;

    const NAME: &'static str = "Counter";
    const HAS_INIT: bool = false;

    async fn init(args: Counter, _ctx: &mut Context<Self>) -> Result<Self, ExitReason> {
        Ok(args)
    }

    async fn handle(
        &mut self,
        message: CounterMessage,
        ctx: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        match message {
            CounterMessage::Add((by,), reply) => {
                let value = Counter::add(self, by);
                ctx.__reply(reply, value);
                Ok(())
            }
            CounterMessage::Get((), reply) => {
                let value = Counter::get(self);
                ctx.__reply(reply, value);
                Ok(())
            }
            CounterMessage::Bump((by,)) => {
                gs::HandlerOutcome::into_outcome(Counter::bump(self, by))
            }
        }
    }

    fn message_name(message: &CounterMessage) -> &'static str {
        match message {
            CounterMessage::Add(..) => "Add",
            CounterMessage::Get(..) => "Get",
            CounterMessage::Bump(..) => "Bump",
        }
    }
}

impl Counter {
    pub async fn start(state: Counter) -> Result<CounterClient, StartError> {
        gs::start::<Counter>(state, StartOptions::new())
            .await
            .map(<CounterClient as gs::Client>::from_server_ref)
    }
}

/// The relay's state: the counter it forwards to.
pub struct Relay {
    target: CounterClient,
}

// The user's impl block, with the marker attributes removed.
impl Relay {
    async fn add(&mut self, by: u64) -> u64 {
        self.target.add(by).await.expect("the counter replies")
    }
}

/// What the macro generates for `Relay` from here on.
pub enum RelayMessage {
    Add((u64,), gs::ReplyTo<u64>),
}

pub struct RelayClient {
    server: gs::ServerRef<Relay>,
}

impl Clone for RelayClient {
    fn clone(&self) -> Self {
        RelayClient {
            server: self.server.clone(),
        }
    }
}

impl RelayClient {
    pub async fn add(&self, by: u64) -> Result<u64, CallError> {
        self.server
            .call_with(
                |reply| RelayMessage::Add((by,), reply),
                self.server.call_timeout(None),
            )
            .await
    }

    pub async fn stop(&self) -> Result<(), StopError> {
        self.server.stop().await
    }
}

impl gs::Client for RelayClient {
    type Server = Relay;

    fn from_server_ref(server: gs::ServerRef<Relay>) -> Self {
        RelayClient { server }
    }

    fn server_ref(&self) -> &gs::ServerRef<Relay> {
        &self.server
    }
}

impl gs::GenServer for Relay {
    type Args = Relay;
    type Message = RelayMessage;
    type Client = RelayClient;

    const NAME: &'static str = "Relay";
    const HAS_INIT: bool = false;

    async fn init(args: Relay, _ctx: &mut Context<Self>) -> Result<Self, ExitReason> {
        Ok(args)
    }

    async fn handle(
        &mut self,
        message: RelayMessage,
        ctx: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        match message {
            RelayMessage::Add((by,), reply) => {
                let value = Relay::add(self, by).await;
                ctx.__reply(reply, value);
                Ok(())
            }
        }
    }

    fn message_name(message: &RelayMessage) -> &'static str {
        match message {
            RelayMessage::Add(..) => "Add",
        }
    }
}

impl Relay {
    pub async fn start(state: Relay) -> Result<RelayClient, StartError> {
        gs::start::<Relay>(state, StartOptions::new())
            .await
            .map(<RelayClient as gs::Client>::from_server_ref)
    }
}
