//! What `#[genserver]` generates, at run time and under the workspace's
//! strict lints (clippy `pedantic`, `missing_docs`): calls, casts, info
//! messages, deferred replies, timeouts, `init` and `terminate`.

#![deny(missing_docs, clippy::pedantic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use genserver::prelude::*;

/// A running total that remembers callers waiting for a threshold.
pub struct Counter {
    total: u64,
    waiting: Vec<(u64, Reply<u64>)>,
    terminated: Arc<AtomicBool>,
}

/// Sent by a timer.
pub struct Tick;

/// Asks the counter to stop itself.
pub struct Halt;

#[genserver]
impl Counter {
    #[init]
    async fn init(start: u64, terminated: Arc<AtomicBool>) -> Result<Self, String> {
        tokio::task::yield_now().await;
        if start == u64::MAX {
            return Err("start too large".to_owned());
        }
        Ok(Counter {
            total: start,
            waiting: Vec::new(),
            terminated,
        })
    }

    /// Adds `by` and returns the new total.
    #[call]
    pub fn add(&mut self, by: u64) -> u64 {
        self.total += by;
        let total = self.total;
        let (ready, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(at, _)| *at <= total);
        self.waiting = waiting;
        for (_, reply) in ready {
            reply.send(total);
        }
        total
    }

    /// Answers once the total reaches `at`.
    #[call(timeout = "infinity")]
    pub fn wait_for(&mut self, at: u64, reply: Reply<u64>) {
        if self.total >= at {
            reply.send(self.total);
        } else {
            self.waiting.push((at, reply));
        }
    }

    /// Sleeps, then answers: longer than its own timeout.
    #[call(timeout = "50ms")]
    pub async fn slow(&self) -> u64 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.total
    }

    /// The total.
    #[call(timeout = Duration::from_secs(1))]
    #[must_use]
    pub fn get(&self) -> u64 {
        self.total
    }

    /// Fails: its `Err` stops the server.
    ///
    /// # Errors
    ///
    /// Always.
    #[cast]
    pub fn fail(&mut self) -> Result<(), String> {
        Err(format!("failed at {}", self.total))
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        self.total += 1;
    }

    #[info]
    fn halt(&mut self, ctx: &mut Context<Self>, _: Halt) {
        self.waiting.clear();
        ctx.stop(ExitReason::Normal);
    }

    #[terminate]
    fn stopped(&mut self) {
        self.terminated.store(true, Ordering::SeqCst);
    }
}

async fn counter(start: u64) -> (CounterClient, Arc<AtomicBool>) {
    let terminated = Arc::new(AtomicBool::new(false));
    let client = Counter::start(start, Arc::clone(&terminated))
        .await
        .expect("starts");
    (client, terminated)
}

#[tokio::test]
async fn calls_casts_and_info_messages() {
    let (counter, terminated) = counter(5).await;
    assert_eq!(counter.add(2).await.unwrap(), 7);
    counter.info(Tick).await.unwrap();
    counter.try_info(Tick).unwrap();
    assert_eq!(counter.get().await.unwrap(), 9);
    counter.stop().await.unwrap();
    assert!(terminated.load(Ordering::SeqCst));
    assert!(!counter.is_alive());
}

// The crate docs' table of what each client method returns, type by type:
// `start`, a call, an info message, a cast and its `try_` form.
#[tokio::test]
async fn client_methods_return_what_the_crate_docs_table_says() {
    let started: Result<CounterClient, StartError> = Counter::start(5, Arc::default()).await;
    let counter = started.unwrap();
    let call: Result<u64, CallError> = counter.add(1).await;
    assert_eq!(call, Ok(6));
    let info: Result<(), SendError<CounterMessage>> = counter.info(Tick).await;
    assert!(info.is_ok());
    let cast: Result<(), SendError<CounterMessage>> = counter.fail().await;
    assert!(cast.is_ok());
    counter.wait().await;
    let try_cast: Result<(), TrySendError<CounterMessage>> = counter.try_fail();
    assert!(matches!(
        try_cast,
        Err(TrySendError::NoProc(CounterMessage::Fail(..)))
    ));
}

#[tokio::test]
async fn init_errors_fail_the_start() {
    let error = Counter::start(u64::MAX, Arc::default()).await.unwrap_err();
    assert!(matches!(error, StartError::Init(_)), "{error:?}");
}

#[tokio::test]
async fn deferred_replies_answer_later() {
    let (counter, _) = counter(0).await;
    let waiter = {
        let counter = counter.clone();
        tokio::spawn(async move { counter.wait_for(3).await })
    };
    tokio::task::yield_now().await;
    counter.add(1).await.unwrap();
    counter.add(2).await.unwrap();
    assert_eq!(waiter.await.unwrap().unwrap(), 3);
}

#[tokio::test(start_paused = true)]
async fn handler_timeouts_apply_unless_the_client_sets_one() {
    let (counter, _) = counter(0).await;
    assert!(matches!(counter.slow().await, Err(CallError::Timeout)));
    let patient = counter.with_timeout(Duration::from_secs(2));
    assert_eq!(patient.slow().await.unwrap(), 0);
    assert_eq!(counter.without_timeout().slow().await.unwrap(), 0);
}

#[tokio::test]
async fn a_failing_cast_stops_the_server_with_its_error() {
    let (counter, terminated) = counter(4).await;
    counter.fail().await.unwrap();
    let reason = counter.wait().await;
    assert!(matches!(reason, ExitReason::Error { .. }), "{reason:?}");
    assert!(terminated.load(Ordering::SeqCst));
    assert!(counter.get().await.is_err());
}

#[tokio::test]
async fn info_handlers_reach_the_context() {
    let (counter, terminated) = counter(0).await;
    counter.info(Halt).await.unwrap();
    assert!(counter.wait().await.is_clean());
    assert!(terminated.load(Ordering::SeqCst));
}

#[test]
fn clients_and_their_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug + 'static>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (counter, _) = counter(0).await;
        send_sync(&counter);
        send(&counter.add(1));
        send(&counter.fail());
        send(&counter.info(Tick));
        send(&Counter::start(0, Arc::default()));
        assert_eq!(
            <Counter as GenServer>::message_name(&CounterMessage::Tick(Tick)),
            "Tick"
        );
        assert_eq!(format!("{:?}", CounterMessage::Halt(Halt)), "Halt { .. }");
    });
}
