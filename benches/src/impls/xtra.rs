//! xtra on tokio (`spawn_tokio`), with an unbounded mailbox (xtra makes
//! the caller choose; unbounded is our library's default). Calls are
//! `send(..).await`, casts `send(..).detach().await`.
//!
//! xtra's mailbox is a priority heap that does not keep the send order of
//! messages of equal priority (its issue #94), so a call sent after casts
//! can be handled before them. Casts are therefore sent with priority 1,
//! above the calls' default 0: that is what makes "casts, then one call to
//! sync" mean the same here as elsewhere.

use ::xtra::{Actor, Address, Context, Handler, Mailbox};

use crate::driver::Server;

/// The benchmark's entry for xtra.
pub struct Xtra;

pub struct Counter {
    total: u64,
}

impl Actor for Counter {
    type Stop = ();

    async fn stopped(self) {}
}

pub struct Add(u64);
pub struct Get;
pub struct Bump(u64);
pub struct Stop;

impl Handler<Add> for Counter {
    type Return = u64;

    async fn handle(&mut self, Add(by): Add, _: &mut Context<Self>) -> u64 {
        self.total += by;
        self.total
    }
}

impl Handler<Get> for Counter {
    type Return = u64;

    async fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.total
    }
}

impl Handler<Bump> for Counter {
    type Return = ();

    async fn handle(&mut self, Bump(by): Bump, _: &mut Context<Self>) {
        self.total += by;
    }
}

impl Handler<Stop> for Counter {
    type Return = ();

    async fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop_self();
    }
}

pub struct Relay {
    target: Address<Counter>,
}

impl Actor for Relay {
    type Stop = ();

    async fn stopped(self) {}
}

impl Handler<Add> for Relay {
    type Return = u64;

    async fn handle(&mut self, add: Add, _: &mut Context<Self>) -> u64 {
        self.target.send(add).await.expect("the counter replies")
    }
}

impl Handler<Stop> for Relay {
    type Return = ();

    async fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop_self();
    }
}

async fn stop_actor<A: Handler<Stop>>(actor: Address<A>) {
    // The reply of a detached message is not needed: dropping its
    // receiver does not withdraw the message.
    drop(actor.send(Stop).detach().await.expect("stop an actor"));
    actor.join().await;
}

impl Server for Xtra {
    type Handle = Address<Counter>;
    type Relay = Address<Relay>;

    async fn spawn(start: u64) -> Address<Counter> {
        ::xtra::spawn_tokio(Counter { total: start }, Mailbox::unbounded())
    }

    async fn add(counter: &Address<Counter>, by: u64) -> u64 {
        counter.send(Add(by)).await.expect("add")
    }

    async fn bump(counter: &Address<Counter>, by: u64) {
        drop(
            counter
                .send(Bump(by))
                .priority(1)
                .detach()
                .await
                .expect("bump"),
        );
    }

    async fn get(counter: &Address<Counter>) -> u64 {
        counter.send(Get).await.expect("get")
    }

    async fn stop(counter: Address<Counter>) {
        stop_actor(counter).await;
    }

    async fn spawn_relay(target: Address<Counter>) -> Address<Relay> {
        ::xtra::spawn_tokio(Relay { target }, Mailbox::unbounded())
    }

    async fn relay_add(relay: &Address<Relay>, by: u64) -> u64 {
        relay.send(Add(by)).await.expect("relay add")
    }

    async fn stop_relay(relay: Address<Relay>) {
        stop_actor(relay).await;
    }
}
