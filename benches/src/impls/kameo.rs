//! kameo, with its defaults: `Spawn::spawn` (bounded mailbox of 64),
//! `ask` for calls, `tell` for casts, the `tracing` feature on.

use ::kameo::Actor;
use ::kameo::actor::{ActorRef, Spawn};
use ::kameo::message::{Context, Message};

use crate::driver::Server;

/// The benchmark's entry for kameo.
pub struct Kameo;

#[derive(Actor)]
pub struct Counter {
    total: u64,
}

pub struct Add(u64);
pub struct Get;
pub struct Bump(u64);

impl Message<Add> for Counter {
    type Reply = u64;

    async fn handle(&mut self, Add(by): Add, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.total += by;
        self.total
    }
}

impl Message<Get> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.total
    }
}

impl Message<Bump> for Counter {
    type Reply = ();

    async fn handle(&mut self, Bump(by): Bump, _: &mut Context<Self, Self::Reply>) {
        self.total += by;
    }
}

#[derive(Actor)]
pub struct Relay {
    target: ActorRef<Counter>,
}

impl Message<Add> for Relay {
    type Reply = u64;

    async fn handle(&mut self, add: Add, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.target.ask(add).await.expect("the counter replies")
    }
}

async fn stop_actor<A: Actor>(actor: ActorRef<A>) {
    actor.stop_gracefully().await.expect("stop an actor");
    actor.wait_for_shutdown().await;
}

impl Server for Kameo {
    type Handle = ActorRef<Counter>;
    type Relay = ActorRef<Relay>;

    async fn spawn(start: u64) -> ActorRef<Counter> {
        Counter::spawn(Counter { total: start })
    }

    async fn add(counter: &ActorRef<Counter>, by: u64) -> u64 {
        counter.ask(Add(by)).await.expect("add")
    }

    async fn bump(counter: &ActorRef<Counter>, by: u64) {
        counter.tell(Bump(by)).await.expect("bump");
    }

    async fn get(counter: &ActorRef<Counter>) -> u64 {
        counter.ask(Get).await.expect("get")
    }

    async fn stop(counter: ActorRef<Counter>) {
        stop_actor(counter).await;
    }

    async fn spawn_relay(target: ActorRef<Counter>) -> ActorRef<Relay> {
        Relay::spawn(Relay { target })
    }

    async fn relay_add(relay: &ActorRef<Relay>, by: u64) -> u64 {
        relay.ask(Add(by)).await.expect("relay add")
    }

    async fn stop_relay(relay: ActorRef<Relay>) {
        stop_actor(relay).await;
    }
}
