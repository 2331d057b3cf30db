//! ractor, with its defaults: `Actor::spawn` (unbounded mailbox), `call`
//! without a timeout, `cast`, message span propagation on.

use ::ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, rpc::CallResult};

use crate::driver::Server;

/// The benchmark's entry for ractor.
pub struct Ractor;

pub struct Counter;

pub enum CounterMessage {
    Add(u64, RpcReplyPort<u64>),
    Get(RpcReplyPort<u64>),
    Bump(u64),
}

impl Actor for Counter {
    type Msg = CounterMessage;
    type State = u64;
    type Arguments = u64;

    async fn pre_start(
        &self,
        _: ActorRef<CounterMessage>,
        start: u64,
    ) -> Result<u64, ActorProcessingErr> {
        Ok(start)
    }

    async fn handle(
        &self,
        _: ActorRef<CounterMessage>,
        message: CounterMessage,
        total: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            CounterMessage::Add(by, reply) => {
                *total += by;
                let _ = reply.send(*total);
            }
            CounterMessage::Get(reply) => {
                let _ = reply.send(*total);
            }
            CounterMessage::Bump(by) => *total += by,
        }
        Ok(())
    }
}

pub struct Relay;

pub enum RelayMessage {
    Add(u64, RpcReplyPort<u64>),
}

impl Actor for Relay {
    type Msg = RelayMessage;
    type State = ActorRef<CounterMessage>;
    type Arguments = ActorRef<CounterMessage>;

    async fn pre_start(
        &self,
        _: ActorRef<RelayMessage>,
        target: ActorRef<CounterMessage>,
    ) -> Result<ActorRef<CounterMessage>, ActorProcessingErr> {
        Ok(target)
    }

    async fn handle(
        &self,
        _: ActorRef<RelayMessage>,
        message: RelayMessage,
        target: &mut ActorRef<CounterMessage>,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RelayMessage::Add(by, reply) => {
                let total = call(target, |port| CounterMessage::Add(by, port)).await;
                let _ = reply.send(total);
            }
        }
        Ok(())
    }
}

async fn call<M: ::ractor::Message, T: Send + 'static>(
    actor: &ActorRef<M>,
    message: impl FnOnce(RpcReplyPort<T>) -> M,
) -> T {
    match actor.call(message, None).await {
        Ok(CallResult::Success(value)) => value,
        Ok(_) => panic!("the call got no reply"),
        Err(_) => panic!("the actor has stopped"),
    }
}

impl Server for Ractor {
    type Handle = ActorRef<CounterMessage>;
    type Relay = ActorRef<RelayMessage>;

    async fn spawn(start: u64) -> ActorRef<CounterMessage> {
        let (actor, _join) = Actor::spawn(None, Counter, start)
            .await
            .expect("spawn a counter");
        actor
    }

    async fn add(counter: &ActorRef<CounterMessage>, by: u64) -> u64 {
        call(counter, |port| CounterMessage::Add(by, port)).await
    }

    async fn bump(counter: &ActorRef<CounterMessage>, by: u64) {
        if counter.cast(CounterMessage::Bump(by)).is_err() {
            panic!("the counter has stopped");
        }
    }

    async fn get(counter: &ActorRef<CounterMessage>) -> u64 {
        call(counter, CounterMessage::Get).await
    }

    async fn stop(counter: ActorRef<CounterMessage>) {
        counter
            .stop_and_wait(None, None)
            .await
            .expect("stop a counter");
    }

    async fn spawn_relay(target: ActorRef<CounterMessage>) -> ActorRef<RelayMessage> {
        let (actor, _join) = Actor::spawn(None, Relay, target)
            .await
            .expect("spawn a relay");
        actor
    }

    async fn relay_add(relay: &ActorRef<RelayMessage>, by: u64) -> u64 {
        call(relay, |port| RelayMessage::Add(by, port)).await
    }

    async fn stop_relay(relay: ActorRef<RelayMessage>) {
        relay.stop_and_wait(None, None).await.expect("stop a relay");
    }
}
