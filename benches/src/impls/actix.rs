//! actix, with its defaults (mailbox capacity 16, `send` for calls,
//! `do_send` for casts). actix runs its actors on an actix `System`, a
//! single-threaded runtime: here every actor and every client of a run
//! share that one thread, where the others have 2 workers.

use ::actix::{Actor, ActorContext, Addr, Context, Handler, Message, ResponseFuture, System};
use tokio::sync::oneshot;

use crate::driver::Server;

/// The benchmark's entry for actix.
pub struct Actix;

pub struct Counter {
    total: u64,
    stopped: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.send(());
        }
    }
}

pub struct Add(u64);
pub struct Get;
pub struct Bump(u64);
/// Stops the actor; the sender hears when it has stopped.
pub struct Stop(oneshot::Sender<()>);

impl Message for Add {
    type Result = u64;
}

impl Message for Get {
    type Result = u64;
}

impl Message for Bump {
    type Result = ();
}

impl Message for Stop {
    type Result = ();
}

impl Handler<Add> for Counter {
    type Result = u64;

    fn handle(&mut self, Add(by): Add, _: &mut Context<Self>) -> u64 {
        self.total += by;
        self.total
    }
}

impl Handler<Get> for Counter {
    type Result = u64;

    fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.total
    }
}

impl Handler<Bump> for Counter {
    type Result = ();

    fn handle(&mut self, Bump(by): Bump, _: &mut Context<Self>) {
        self.total += by;
    }
}

impl Handler<Stop> for Counter {
    type Result = ();

    fn handle(&mut self, Stop(stopped): Stop, ctx: &mut Context<Self>) {
        self.stopped = Some(stopped);
        ctx.stop();
    }
}

pub struct Relay {
    target: Addr<Counter>,
    stopped: Option<oneshot::Sender<()>>,
}

impl Actor for Relay {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.send(());
        }
    }
}

impl Handler<Add> for Relay {
    type Result = ResponseFuture<u64>;

    fn handle(&mut self, add: Add, _: &mut Context<Self>) -> ResponseFuture<u64> {
        let target = self.target.clone();
        Box::pin(async move { target.send(add).await.expect("the counter replies") })
    }
}

impl Handler<Stop> for Relay {
    type Result = ();

    fn handle(&mut self, Stop(stopped): Stop, ctx: &mut Context<Self>) {
        self.stopped = Some(stopped);
        ctx.stop();
    }
}

async fn stop_actor<A>(actor: Addr<A>)
where
    A: Actor<Context = Context<A>> + Handler<Stop>,
{
    let (tx, rx) = oneshot::channel();
    actor.do_send(Stop(tx));
    rx.await.expect("the actor reports its stop");
}

impl Server for Actix {
    type Handle = Addr<Counter>;
    type Relay = Addr<Relay>;

    fn run<F>(scenario: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        System::new().block_on(scenario)
    }

    fn spawn_client<F>(client: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // Actors can only be reached from the System's own thread.
        tokio::task::spawn_local(client)
    }

    async fn spawn(start: u64) -> Addr<Counter> {
        Counter {
            total: start,
            stopped: None,
        }
        .start()
    }

    async fn add(counter: &Addr<Counter>, by: u64) -> u64 {
        counter.send(Add(by)).await.expect("add")
    }

    async fn bump(counter: &Addr<Counter>, by: u64) {
        counter.do_send(Bump(by));
    }

    async fn get(counter: &Addr<Counter>) -> u64 {
        counter.send(Get).await.expect("get")
    }

    async fn stop(counter: Addr<Counter>) {
        stop_actor(counter).await;
    }

    async fn spawn_relay(target: Addr<Counter>) -> Addr<Relay> {
        Relay {
            target,
            stopped: None,
        }
        .start()
    }

    async fn relay_add(relay: &Addr<Relay>, by: u64) -> u64 {
        relay.send(Add(by)).await.expect("relay add")
    }

    async fn stop_relay(relay: Addr<Relay>) {
        stop_actor(relay).await;
    }
}
