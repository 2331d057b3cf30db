//! The call deadline mechanism, under tokio's paused clock: a call times
//! out at its deadline, not earlier and not never, including when a
//! wake-up scheduled by an earlier call of the same task is reused.

use std::time::Duration;

use genserver_core::{
    CallError, Client, Context, ExitReason, GenServer, ReplyTo, ServerRef, StartOptions, start,
};
use tokio::time::Instant;

struct Echo;

enum EchoMessage {
    /// Replies with the value after the delay.
    After(u64, Duration, ReplyTo<u64>),
}

#[derive(Clone)]
struct EchoClient(ServerRef<Echo>);

impl Client for EchoClient {
    type Server = Echo;
    fn from_server_ref(server: ServerRef<Echo>) -> Self {
        EchoClient(server)
    }
    fn server_ref(&self) -> &ServerRef<Echo> {
        &self.0
    }
}

impl GenServer for Echo {
    type Args = Echo;
    type Message = EchoMessage;
    type Client = EchoClient;
    const NAME: &'static str = "Echo";
    const HAS_INIT: bool = false;

    async fn init(args: Echo, _: &mut Context<Self>) -> Result<Self, ExitReason> {
        Ok(args)
    }

    async fn handle(
        &mut self,
        message: EchoMessage,
        ctx: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        let EchoMessage::After(value, delay, reply) = message;
        tokio::time::sleep(delay).await;
        ctx.__reply(reply, value);
        Ok(())
    }

    fn message_name(_: &EchoMessage) -> &'static str {
        "After"
    }
}

async fn echo(server: &ServerRef<Echo>, value: u64, delay: Duration) -> Result<u64, CallError> {
    server
        .call(|reply| EchoMessage::After(value, delay, reply))
        .await
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn a_slow_call_times_out_after_the_default_five_seconds() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    let began = Instant::now();
    assert_eq!(echo(&server, 1, 10 * SECOND).await, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), 5 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn a_wake_up_scheduled_by_an_earlier_call_does_not_end_a_later_call_early() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    // Schedules this task's wake-up for t = 5 s.
    assert_eq!(echo(&server, 1, Duration::ZERO).await, Ok(1));
    tokio::time::sleep(3 * SECOND).await;
    let began = Instant::now();
    // Deadline t = 8 s: the wake-up at 5 s must neither end the call nor be
    // its last chance to end.
    assert_eq!(echo(&server, 2, 10 * SECOND).await, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), 5 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn many_sequential_calls_then_a_slow_one_time_out_on_time() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    for i in 0..1000 {
        assert_eq!(echo(&server, i, Duration::from_millis(7)).await, Ok(i));
    }
    let began = Instant::now();
    assert_eq!(
        server
            .with_timeout(Duration::from_millis(1500))
            .call(|reply| EchoMessage::After(0, 3 * SECOND, reply))
            .await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_millis(1500));
}

#[tokio::test(start_paused = true)]
async fn a_late_reply_is_dropped_and_never_reaches_the_next_call() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    assert_eq!(echo(&server, 1, 6 * SECOND).await, Err(CallError::Timeout));
    // The late reply (1) is produced at t = 6 s, while this call waits.
    assert_eq!(echo(&server, 2, Duration::ZERO).await, Ok(2));
    assert_eq!(echo(&server, 3, Duration::ZERO).await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn without_timeout_a_call_waits_as_long_as_the_reply_takes() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    let began = Instant::now();
    let reply = server
        .without_timeout()
        .call(|reply| EchoMessage::After(9, 3600 * SECOND, reply))
        .await;
    assert_eq!(reply, Ok(9));
    assert_eq!(began.elapsed(), 3600 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_each_time_out_at_their_own_deadline() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..20u64 {
        let server = server.with_timeout(Duration::from_millis(100 * (i + 1)));
        tasks.push(tokio::spawn(async move {
            let r = server
                .call(|reply| EchoMessage::After(i, 3600 * SECOND, reply))
                .await;
            (r, Instant::now())
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (result, ended) = task.await.unwrap();
        assert_eq!(result, Err(CallError::Timeout));
        assert_eq!(ended - began, Duration::from_millis(100 * (i as u64 + 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_runtime_the_timeout_fires_and_the_server_keeps_serving() {
    let server = start::<Echo>(Echo, StartOptions::new()).await.unwrap();
    let began = std::time::Instant::now();
    let slow = server.with_timeout(Duration::from_millis(50));
    assert_eq!(
        slow.call(|reply| EchoMessage::After(1, Duration::from_millis(300), reply))
            .await,
        Err(CallError::Timeout)
    );
    assert!(began.elapsed() >= Duration::from_millis(50));
    assert_eq!(echo(&server, 2, Duration::ZERO).await, Ok(2));
}
