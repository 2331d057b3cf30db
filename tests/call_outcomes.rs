//! Every call ends in exactly one outcome (docs/semantics.md, section 3).

mod runtime_support;

use std::time::Duration;

use genserver::prelude::*;
use runtime_support::{on_a_thread_of_its_own, without_a_timer};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;

/// Records what it is sent, and can be told to block or crash.
struct Recorder {
    seen: Vec<u32>,
}

/// Makes the next handled message wait until notified.
struct Block(std::sync::Arc<Notify>);

#[genserver]
impl Recorder {
    #[call]
    fn push(&mut self, n: u32) -> usize {
        self.seen.push(n);
        self.seen.len()
    }

    #[cast]
    fn push_later(&mut self, n: u32) {
        self.seen.push(n);
    }

    #[call]
    fn seen(&self) -> Vec<u32> {
        self.seen.clone()
    }

    #[call]
    async fn block_until(&mut self, gate: std::sync::Arc<Notify>) -> u32 {
        gate.notified().await;
        1
    }

    #[call]
    fn crash(&mut self) -> u32 {
        panic!("boom")
    }

    #[call(timeout = "250ms")]
    async fn slow(&mut self, delay: Duration) -> u32 {
        tokio::time::sleep(delay).await;
        2
    }

    #[call]
    async fn call_myself(&mut self, ctx: &mut Context<Self>) -> Result<usize, CallError> {
        ctx.client().push(9).await
    }

    /// Calls its own server through the client its name gives.
    #[call]
    async fn call_myself_by_name(&mut self, name: &'static str) -> Result<usize, CallError> {
        let me = genserver::whereis::<Recorder>(name).expect("a server under the name");
        me.push(9).await
    }

    #[info]
    async fn block(&mut self, Block(gate): Block) {
        gate.notified().await;
    }
}

/// A recorder busy in `block` until the gate it is returned with is
/// notified: what is sent meanwhile stays queued.
async fn a_blocked_recorder() -> (RecorderClient, std::sync::Arc<Notify>) {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    server.info(Block(gate.clone())).await.unwrap();
    (server, gate)
}

/// Waits, within `limit`, for every caller to end, and checks what each
/// returned: a caller left without a wake-up would wait for ever, and
/// this fails instead. Then lets the server that `gate` blocks go, and
/// checks that it handles every request all the same (3.5).
async fn every_caller_ends_and_the_server_handles_all<T: Send + 'static>(
    limit: Duration,
    callers: Vec<tokio::task::JoinHandle<T>>,
    check: impl Fn(T),
    (server, gate): (RecorderClient, std::sync::Arc<Notify>),
) {
    let requests = callers.len();
    tokio::time::timeout(limit, async {
        for caller in callers {
            check(caller.await.unwrap());
        }
    })
    .await
    .expect("every caller ended");
    gate.notify_one();
    assert_eq!(server.seen().await.map(|seen| seen.len()), Ok(requests));
}

#[tokio::test]
async fn messages_from_one_client_are_handled_in_the_order_they_were_sent() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    for n in 0..100 {
        if n % 3 == 0 {
            server.push(n).await.unwrap();
        } else {
            server.push_later(n).await.unwrap();
        }
    }
    assert_eq!(server.seen().await.unwrap(), (0..100).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_call_to_a_stopped_server_returns_no_proc_at_once() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    server.stop().await.unwrap();
    assert_eq!(server.push(1).await, Err(CallError::NoProc));
}

#[tokio::test(start_paused = true)]
async fn no_proc_is_returned_without_waiting_for_the_timeout() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    server.stop().await.unwrap();
    let began = Instant::now();
    assert_eq!(server.push(1).await, Err(CallError::NoProc));
    assert_eq!(began.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_crash_while_the_call_is_handled_returns_exited_at_once() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let began = Instant::now();
    match server.crash().await {
        Err(CallError::Exited(ExitReason::Panicked { message })) => assert_eq!(&*message, "boom"),
        other => panic!("expected Exited(Panicked), got {other:?}"),
    }
    assert_eq!(began.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn calls_queued_behind_a_crash_return_exited_at_once() {
    let (server, gate) = a_blocked_recorder().await;
    let crash = tokio::spawn({
        let server = server.clone();
        async move { server.crash().await }
    });
    tokio::task::yield_now().await;
    let queued = tokio::spawn({
        let server = server.clone();
        async move { server.push(1).await }
    });
    tokio::task::yield_now().await;
    let began = Instant::now();
    gate.notify_one();
    let panicked = ExitReason::Panicked {
        message: "boom".into(),
    };
    assert_eq!(
        crash.await.unwrap(),
        Err(CallError::Exited(panicked.clone()))
    );
    assert_eq!(queued.await.unwrap(), Err(CallError::Exited(panicked)));
    assert_eq!(began.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_slow_reply_times_out_with_the_handler_timeout_and_the_server_goes_on() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let began = Instant::now();
    assert_eq!(
        server.slow(Duration::from_secs(1)).await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_millis(250));
    // The late reply (2) is dropped; this call gets its own answer.
    assert_eq!(server.push(7).await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn the_client_timeout_overrides_the_handler_timeout() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let patient = server.with_timeout(Duration::from_secs(2));
    let began = Instant::now();
    assert_eq!(patient.slow(Duration::from_secs(1)).await, Ok(2));
    assert_eq!(began.elapsed(), Duration::from_secs(1));
    let began = Instant::now();
    assert_eq!(
        patient.slow(Duration::from_secs(3)).await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn the_longest_client_timeout_waits_as_long_as_it_takes() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let patient = server.with_timeout(Duration::MAX);
    let began = Instant::now();
    let day = Duration::from_secs(24 * 3600);
    assert_eq!(patient.slow(day).await, Ok(2));
    assert_eq!(began.elapsed(), day);
}

/// 3.4: a call waiting longer than a second waits for its deadline on a
/// timer of its own. Under the paused clock a day-long timeout is then
/// reached in a few polls of the caller, as with `tokio::time::timeout`,
/// not one poll per second of it.
#[tokio::test(start_paused = true)]
async fn a_day_long_timeout_is_reached_in_a_few_wake_ups() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    let day = Duration::from_secs(24 * 3600);
    let began = Instant::now();
    let patient = server.with_timeout(day);
    let mut call = std::pin::pin!(patient.block_until(gate.clone()));
    let mut polls = 0;
    let outcome = std::future::poll_fn(|cx| {
        polls += 1;
        call.as_mut().poll(cx)
    })
    .await;
    assert_eq!(outcome, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), day);
    assert!(polls <= 4, "polled {polls} times");
    gate.notify_one();
    assert_eq!(server.push(1).await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn the_default_timeout_is_five_seconds() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    let began = Instant::now();
    assert_eq!(
        server.block_until(gate.clone()).await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(5));
    gate.notify_one();
    assert_eq!(server.push(1).await, Ok(1));
}

/// 3.4: more tasks calling at once than the runtime keeps wake-ups for
/// (16,384): every call still times out at its own deadline, none before,
/// and the server handles the requests afterwards (3.5).
#[tokio::test(start_paused = true)]
async fn twenty_thousand_waiting_callers_each_time_out_at_their_deadline() {
    const CALLERS: u32 = 20_000;
    let (server, gate) = a_blocked_recorder().await;
    let began = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|n| {
            let server = server.with_timeout(Duration::from_millis(100 + u64::from(n % 7)));
            tokio::spawn(async move {
                let outcome = server.push(n).await;
                (n, outcome, began.elapsed())
            })
        })
        .collect();
    // Once nothing else is left to run, the paused clock jumps to the
    // limit: a caller never woken fails the test there.
    every_caller_ends_and_the_server_handles_all(
        Duration::from_secs(10),
        callers,
        |(n, outcome, waited)| {
            assert_eq!(outcome, Err(CallError::Timeout));
            assert_eq!(waited, Duration::from_millis(100 + u64::from(n % 7)));
        },
        (server, gate),
    )
    .await;
}

/// 3.4: a task whose place in the table holds another task's wake-up
/// waits beside it. A second wave of callers, in the places of a first
/// wave still waiting, is woken with that wave's wake-ups, goes on
/// waiting past the first wave's end, and each call times out at its own
/// deadline.
#[tokio::test(start_paused = true)]
async fn callers_waiting_beside_earlier_callers_wake_ups_time_out_at_their_deadline() {
    const CALLERS: u32 = 20_000;
    let (server, gate) = a_blocked_recorder().await;
    let began = Instant::now();
    let wave = |first: u32, after: Duration, timeout: Duration| {
        (first..first + CALLERS).map(move |n| (n, after, timeout))
    };
    let callers: Vec<_> = wave(0, Duration::ZERO, Duration::from_millis(1500))
        .chain(wave(
            CALLERS,
            Duration::from_millis(700),
            Duration::from_millis(2500),
        ))
        .map(|(n, after, timeout)| {
            let server = server.with_timeout(timeout);
            tokio::spawn(async move {
                tokio::time::sleep_until(began + after).await;
                let called = Instant::now();
                let outcome = server.push(n).await;
                (outcome, called.elapsed(), timeout)
            })
        })
        .collect();
    every_caller_ends_and_the_server_handles_all(
        Duration::from_secs(10),
        callers,
        |(outcome, waited, timeout)| {
            assert_eq!(outcome, Err(CallError::Timeout));
            assert_eq!(waited, timeout);
        },
        (server, gate),
    )
    .await;
}

/// 3.4 on two worker threads, whose tasks move between them: every one
/// of many callers times out, none before its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_on_two_workers_never_time_out_before_their_deadline() {
    const CALLERS: u32 = 20_000;
    const TIMEOUT: Duration = Duration::from_millis(50);
    let (server, gate) = a_blocked_recorder().await;
    let callers: Vec<_> = (0..CALLERS)
        .map(|n| {
            let server = server.with_timeout(TIMEOUT);
            tokio::spawn(async move {
                let called = Instant::now();
                let outcome = server.push(n).await;
                (outcome, called.elapsed())
            })
        })
        .collect();
    // The calls take a fraction of a second.
    every_caller_ends_and_the_server_handles_all(
        Duration::from_secs(60),
        callers,
        |(outcome, waited)| {
            assert_eq!(outcome, Err(CallError::Timeout));
            assert!(waited >= TIMEOUT, "timed out after {waited:?}");
        },
        (server, gate),
    )
    .await;
}

/// 3.4: a zero timeout has passed once the request is queued, as
/// Elixir's `call(server, msg, 0)`; the request is still handled (3.5).
#[tokio::test(start_paused = true)]
async fn a_zero_timeout_times_out_at_once_and_the_request_is_still_handled() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let began = Instant::now();
    assert_eq!(
        server.with_timeout(Duration::ZERO).push(1).await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert_eq!(server.seen().await, Ok(vec![1]));
}

#[tokio::test(start_paused = true)]
async fn a_handler_calling_its_own_server_fails_at_once() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let began = Instant::now();
    assert_eq!(server.call_myself().await, Ok(Err(CallError::CallingSelf)));
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert!(server.is_alive());
}

/// 3.1: a handler that reaches its own server through a client found by
/// its name is calling itself all the same, and fails at once.
#[tokio::test(start_paused = true)]
async fn a_handler_calling_its_own_server_by_its_name_fails_at_once() {
    const NAME: &str = "call_outcomes: calls itself by its name";
    let server = Recorder::start_with(Recorder { seen: Vec::new() }, StartOptions::named(NAME))
        .await
        .unwrap();
    let began = Instant::now();
    assert_eq!(
        server.call_myself_by_name(NAME).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert_eq!(server.seen().await, Ok(vec![]));
    server.stop().await.unwrap();
}

/// What a call to itself answered, and the time it took.
type SelfCall = (Result<(), CallError>, Duration);

/// Calls its own server from `init` and from `terminate`, and sends what
/// each call answered.
struct CallsItself {
    answers: mpsc::UnboundedSender<SelfCall>,
}

async fn call_itself(me: &CallsItselfClient) -> SelfCall {
    let began = Instant::now();
    (me.ping().await, began.elapsed())
}

#[genserver]
impl CallsItself {
    #[init]
    async fn init(
        answers: mpsc::UnboundedSender<SelfCall>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        let _ = answers.send(call_itself(&ctx.client()).await);
        Ok(CallsItself { answers })
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = self.answers.send(call_itself(&ctx.client()).await);
    }
}

/// 3.1: `init` and `terminate` run in the server's task as its handlers
/// do, so a call they make to their own server fails at once with
/// `CallingSelf` instead of waiting for its timeout.
#[tokio::test(start_paused = true)]
async fn a_call_from_init_or_terminate_to_its_own_server_fails_at_once() {
    let (tx, mut answers) = mpsc::unbounded_channel();
    let server = CallsItself::start(tx).await.unwrap();
    let from_init = answers.recv().await.unwrap();
    assert_eq!(server.ping().await, Ok(()));
    server.stop().await.unwrap();
    let from_terminate = answers.recv().await.unwrap();

    let at_once = (Err(CallError::CallingSelf), Duration::ZERO);
    assert_eq!(from_init, at_once);
    assert_eq!(from_terminate, at_once);
}

#[tokio::test]
async fn a_task_spawned_by_a_handler_may_call_the_server() {
    /// Spawns a task that calls back, and reports its answer.
    struct Spawner;

    #[genserver]
    impl Spawner {
        #[call]
        fn ping(&self) -> &'static str {
            "pong"
        }

        #[cast]
        fn spawn_caller(&mut self, done: Sender, ctx: &mut Context<Self>) {
            let me = ctx.client();
            tokio::spawn(async move {
                let _ = done.0.send(me.ping().await);
            });
        }
    }

    struct Sender(oneshot::Sender<Result<&'static str, CallError>>);

    let server = Spawner::start(Spawner).await.unwrap();
    let (tx, rx) = oneshot::channel();
    server.spawn_caller(Sender(tx)).await.unwrap();
    assert_eq!(rx.await.unwrap(), Ok("pong"));
}

/// A call, with `timeout`, whose handler waits on a gate nobody opens.
async fn a_call_that_is_never_answered(timeout: Duration) -> Result<u32, CallError> {
    let server = Recorder::start(Recorder { seen: vec![] }).await.unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    server.with_timeout(timeout).block_until(gate).await
}

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A runtime in which this thread's `block_on` made a call with a timeout
/// of a second, answered at once: the wake-up scheduled for it, due
/// within the second, is still pending there.
fn a_runtime_with_a_wake_up_left() -> tokio::runtime::Runtime {
    let runtime = multi_thread_runtime();
    runtime.block_on(async {
        let server = Recorder::start(Recorder { seen: vec![] }).await.unwrap();
        let server = server.with_timeout(Duration::from_secs(1));
        assert_eq!(server.push(1).await, Ok(1));
    });
    runtime
}

// Semantics 3.1 and 3.4: a wake-up scheduled for a call in a runtime that
// has shut down is gone; a later runtime on the same thread hands out
// wakers at the same address, and its calls must still time out.
#[test]
fn a_call_times_out_in_a_runtime_made_after_another_one_on_the_same_thread() {
    let outcome = on_a_thread_of_its_own(|| {
        // Its wake-up is due before the deadline of the call below if
        // that one is made within the second.
        drop(a_runtime_with_a_wake_up_left());
        let second = multi_thread_runtime();
        second.block_on(async { a_call_that_is_never_answered(Duration::from_secs(1)).await })
    });
    assert_eq!(outcome, Some(Err(CallError::Timeout)));
}

// Semantics 3.4: a call may rely on a wake-up scheduled for an earlier
// call of the same thread's `block_on` in another runtime; when that
// runtime shuts down, the wake-up is lost, and the call must still time
// out.
#[test]
fn a_call_times_out_when_the_runtime_of_a_wake_up_it_relied_on_shuts_down() {
    let outcome = on_a_thread_of_its_own(|| {
        let first = a_runtime_with_a_wake_up_left();
        let second = multi_thread_runtime();
        second.block_on(async move {
            let server = Recorder::start(Recorder { seen: vec![] }).await.unwrap();
            let gate = std::sync::Arc::new(Notify::new());
            let server = server.with_timeout(Duration::from_secs(2));
            // The first runtime goes once the call waits: a tenth of a
            // second is ample for it to park, and the outcome must be the
            // same if it has not.
            let dropper = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                drop(first);
            });
            let outcome = server.block_until(gate).await;
            dropper.join().unwrap();
            outcome
        })
    });
    assert_eq!(outcome, Some(Err(CallError::Timeout)));
}

// Semantics 3.4: through the handle of a runtime that has shut down, no
// timer of that runtime runs; a call made there still times out.
#[test]
fn a_call_times_out_through_the_handle_of_a_runtime_that_has_shut_down() {
    let outcome = on_a_thread_of_its_own(|| {
        let servers = multi_thread_runtime();
        let server = servers
            .block_on(Recorder::start(Recorder { seen: vec![] }))
            .unwrap();
        let gone = multi_thread_runtime();
        let handle = gone.handle().clone();
        gone.shutdown_timeout(Duration::from_secs(5));
        let gate = std::sync::Arc::new(Notify::new());
        let server = server.with_timeout(Duration::from_millis(100));
        handle.block_on(server.block_until(gate))
    });
    assert_eq!(outcome, Some(Err(CallError::Timeout)));
}

// Semantics 3.4: on a runtime built without tokio's timer, a call still
// ends at its deadline rather than waiting for ever.
#[test]
fn a_call_times_out_on_a_runtime_without_a_timer() {
    let outcome = without_a_timer(|| a_call_that_is_never_answered(Duration::from_millis(100)));
    assert_eq!(outcome, Some(Err(CallError::Timeout)));
}

// `ServerRef::call_timeout` (3.2): a timeout chosen on the reference wins
// over the handler's, which wins over the 5 s default; of two choices made
// on the reference, the later one holds, and copies keep it.
#[tokio::test(start_paused = true)]
async fn call_timeout_takes_the_references_choice_then_the_handlers_then_five_seconds() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let plain = server.server_ref();
    let (second, handler_timeout) = (Duration::from_secs(1), Duration::from_millis(250));
    assert_eq!(genserver::DEFAULT_CALL_TIMEOUT, Duration::from_secs(5));
    assert_eq!(plain.call_timeout(None), Some(Duration::from_secs(5)));
    assert_eq!(
        plain.call_timeout(Some(Some(handler_timeout))),
        Some(handler_timeout)
    );
    assert_eq!(plain.call_timeout(Some(None)), None);

    let limited = plain.with_timeout(second);
    for handler in [None, Some(Some(handler_timeout)), Some(None)] {
        assert_eq!(limited.call_timeout(handler), Some(second));
    }
    assert_eq!(limited.clone().call_timeout(None), Some(second));

    let unlimited = plain.without_timeout();
    assert_eq!(unlimited.call_timeout(None), None);
    assert_eq!(unlimited.call_timeout(Some(Some(handler_timeout))), None);
    assert_eq!(
        unlimited.with_timeout(second).call_timeout(None),
        Some(second)
    );
    assert_eq!(limited.without_timeout().call_timeout(None), None);
}

/// 3.2: `without_timeout()` on the client overrides the handler's
/// `#[call(timeout = "250ms")]`: the call waits as long as the handler
/// takes.
#[tokio::test(start_paused = true)]
async fn without_timeout_overrides_the_handler_timeout() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let began = Instant::now();
    assert_eq!(
        server.without_timeout().slow(Duration::from_secs(60)).await,
        Ok(2)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(60));
}

/// 3.6: dropping a call future once its request is queued withdraws the
/// caller only: the request is still handled.
#[tokio::test(start_paused = true)]
async fn a_dropped_call_leaves_its_request_to_be_handled() {
    let (server, gate) = a_blocked_recorder().await;
    let mut call = Box::pin(server.push(1));
    assert!(runtime_support::poll_once(call.as_mut()).await.is_none());
    drop(call);
    gate.notify_one();
    assert_eq!(server.seen().await, Ok(vec![1]));
}

/// 4.1: a cast returns once its message is queued, without waiting for
/// the server to handle it.
#[tokio::test(start_paused = true)]
async fn a_cast_returns_once_queued_without_waiting_for_its_handler() {
    let (server, gate) = a_blocked_recorder().await;
    let began = Instant::now();
    // The server is busy in `block` until the gate opens: a cast that
    // waited for its handler would run into the limit.
    let cast = tokio::time::timeout(Duration::from_secs(60), server.push_later(1)).await;
    assert!(matches!(cast, Ok(Ok(()))));
    assert_eq!(began.elapsed(), Duration::ZERO);
    gate.notify_one();
    assert_eq!(server.seen().await, Ok(vec![1]));
}

/// A server written without the macro, against the core traits.
#[derive(Default)]
struct ByHand {
    /// Reply channels kept unanswered, dropped by `terminate`.
    kept: Vec<genserver::ReplyTo<u32>>,
}

enum ByHandMessage {
    /// Drops the request's reply channel without answering.
    DropTheReply(genserver::ReplyTo<u32>),
    /// Keeps the request's reply channel until `terminate`.
    Keep(genserver::ReplyTo<u32>),
    /// Carries no reply channel at all.
    Nothing,
    /// Answers the newest kept reply channel with the value, and replies
    /// what its `send` returned (`false` when none is kept).
    Answer(u32, genserver::ReplyTo<bool>),
}

#[derive(Clone)]
struct ByHandClient(ServerRef<ByHand>);

impl Client for ByHandClient {
    type Server = ByHand;

    fn from_server_ref(server: ServerRef<ByHand>) -> Self {
        ByHandClient(server)
    }

    fn server_ref(&self) -> &ServerRef<ByHand> {
        &self.0
    }
}

impl GenServer for ByHand {
    type Args = ByHand;
    type Message = ByHandMessage;
    type Client = ByHandClient;
    const NAME: &'static str = "ByHand";
    const HAS_INIT: bool = false;

    async fn init(args: ByHand, _: &mut Context<Self>) -> Result<Self, ExitReason> {
        Ok(args)
    }

    async fn handle(
        &mut self,
        message: ByHandMessage,
        _: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        match message {
            ByHandMessage::DropTheReply(reply_to) => drop(reply_to),
            ByHandMessage::Keep(reply_to) => self.kept.push(reply_to),
            ByHandMessage::Nothing => {}
            ByHandMessage::Answer(value, told) => {
                let sent = self.kept.pop().is_some_and(|kept| kept.send(value));
                told.send(sent);
            }
        }
        Ok(())
    }

    async fn terminate(&mut self, _: &ExitReason, _: &mut Context<Self>) {
        self.kept.pop();
        // And one after an await: `terminate` may take several polls.
        tokio::task::yield_now().await;
        self.kept.clear();
    }

    fn message_name(_: &ByHandMessage) -> &'static str {
        "ByHandMessage"
    }
}

// 3.1: a reply channel dropped unanswered while its server runs (by a
// hand-written server, or by a request that never put it in its message)
// is `ReplyDropped` at once, not a wait for the timeout.
#[tokio::test(start_paused = true)]
async fn a_reply_channel_dropped_by_a_running_server_is_reply_dropped_at_once() {
    let server = genserver::start::<ByHand>(ByHand::default(), StartOptions::new())
        .await
        .unwrap();
    let before = Instant::now();
    assert_eq!(
        server.call(ByHandMessage::DropTheReply).await,
        Err(CallError::ReplyDropped)
    );
    assert_eq!(
        server
            .without_timeout()
            .call(|_: genserver::ReplyTo<u32>| ByHandMessage::Nothing)
            .await,
        Err(CallError::ReplyDropped)
    );
    assert_eq!(before.elapsed(), Duration::ZERO);
    assert!(server.is_alive());
    server.stop().await.unwrap();
}

// 3.1, 7.2: a reply channel that `terminate` drops unanswered is dropped
// by an exiting server: its caller hears the exit reason, as one dropped
// with the state after `terminate` would.
#[tokio::test(start_paused = true)]
async fn a_reply_channel_dropped_in_terminate_is_exited() {
    let server = genserver::start::<ByHand>(ByHand::default(), StartOptions::new())
        .await
        .unwrap();
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.call(ByHandMessage::Keep).await })
        })
        .collect();
    while server.stats().await.unwrap().messages_handled < 2 {
        tokio::task::yield_now().await;
    }
    server.stop_with(ExitReason::Shutdown).await.unwrap();
    for caller in callers {
        assert_eq!(
            caller.await.unwrap(),
            Err(CallError::Exited(ExitReason::Shutdown))
        );
    }
}

/// Whether each reply channel `server` keeps is closed, oldest first.
async fn kept_closed(server: &ServerRef<ByHand>) -> Vec<bool> {
    server
        .inspect_state(|s| s.kept.iter().map(genserver::ReplyTo::is_closed).collect())
        .await
        .unwrap()
}

// `ReplyTo::is_closed` and `ReplyTo::send` (3.3): a kept reply channel is
// open while its caller waits, and a send then reaches the caller; once
// the caller has timed out it is closed, and a send is refused.
#[tokio::test(start_paused = true)]
async fn a_kept_reply_channel_is_open_while_its_caller_waits_and_closed_once_it_timed_out() {
    let server = genserver::start::<ByHand>(ByHand::default(), StartOptions::new())
        .await
        .unwrap();
    let brief = tokio::spawn({
        let server = server.with_timeout(Duration::from_secs(1));
        async move { server.call(ByHandMessage::Keep).await }
    });
    while kept_closed(&server).await.is_empty() {
        tokio::task::yield_now().await;
    }
    assert_eq!(kept_closed(&server).await, [false], "its caller waits");
    assert_eq!(brief.await.unwrap(), Err(CallError::Timeout));
    assert_eq!(kept_closed(&server).await, [true]);
    assert_eq!(
        server.call(|told| ByHandMessage::Answer(1, told)).await,
        Ok(false)
    );

    let waiting = tokio::spawn({
        let server = server.clone();
        async move { server.call(ByHandMessage::Keep).await }
    });
    while kept_closed(&server).await.is_empty() {
        tokio::task::yield_now().await;
    }
    assert_eq!(kept_closed(&server).await, [false]);
    assert_eq!(
        server.call(|told| ByHandMessage::Answer(9, told)).await,
        Ok(true)
    );
    assert_eq!(waiting.await.unwrap(), Ok(9));
    server.stop().await.unwrap();
}

/// Whether `waited` is within tokio's timer resolution of `timeout`,
/// never before it.
fn at_its_deadline(waited: Duration, timeout: Duration) -> bool {
    waited >= timeout && waited <= timeout + Duration::from_millis(1)
}

/// 3.4: a task's calls reuse the wake-up scheduled for its earlier ones;
/// each call, whatever its timeout (shorter or longer than the one before,
/// or than a second), still times out at its own deadline.
#[tokio::test(start_paused = true)]
async fn successive_calls_of_one_task_each_time_out_at_their_own_deadline() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    server.info(Block(gate)).await.unwrap();
    for ms in [3000, 100, 1500, 999, 1001, 2000, 1, 2500, 10, 5] {
        let timeout = Duration::from_millis(ms);
        let began = Instant::now();
        assert_eq!(
            server.with_timeout(timeout).push(1).await,
            Err(CallError::Timeout)
        );
        let waited = began.elapsed();
        assert!(at_its_deadline(waited, timeout), "{timeout:?}: {waited:?}");
    }
}

/// 3.4: calls of several tasks waiting at once, each with its own
/// timeout, each time out at their own deadline.
#[tokio::test(start_paused = true)]
async fn concurrent_calls_of_several_tasks_each_time_out_at_their_own_deadline() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let gate = std::sync::Arc::new(Notify::new());
    server.info(Block(gate)).await.unwrap();
    let began = Instant::now();
    let callers: Vec<_> = [1500, 300, 2200, 1000, 50, 4000]
        .into_iter()
        .map(|ms| {
            let timeout = Duration::from_millis(ms);
            let server = server.with_timeout(timeout);
            tokio::spawn(async move { (timeout, server.push(1).await, began.elapsed()) })
        })
        .collect();
    for caller in callers {
        let (timeout, outcome, waited) = caller.await.unwrap();
        assert_eq!(outcome, Err(CallError::Timeout));
        assert!(at_its_deadline(waited, timeout), "{timeout:?}: {waited:?}");
    }
}

/// 3.4: a call's wake-up is due at most a second ahead, and holds its
/// task only until it fires: tasks that made one call with a long timeout
/// and ended leave nothing behind a second later, rather than a wake-up
/// (and their own allocation in tokio) each until their deadline, an hour
/// ahead.
#[tokio::test(start_paused = true)]
async fn tasks_that_called_and_ended_leave_no_wake_up_behind_after_a_second() {
    let server = Recorder::start(Recorder { seen: Vec::new() })
        .await
        .unwrap();
    let alive = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = alive();
    for n in 0..50 {
        let server = server.with_timeout(Duration::from_secs(3600));
        tokio::spawn(async move { server.push(n).await.unwrap() })
            .await
            .unwrap();
    }
    assert!(alive() > before, "the callers' wake-ups are still to fire");

    tokio::time::sleep(Duration::from_secs(1) + Duration::from_millis(1)).await;
    assert_eq!(alive(), before);
}

/// A server whose `terminate` waits for its gate.
struct Lingers {
    entered: std::sync::Arc<Notify>,
    gate: std::sync::Arc<Notify>,
}

#[genserver]
impl Lingers {
    #[call]
    fn ping(&self) {}

    #[terminate]
    async fn terminate(&mut self, _: &ExitReason) {
        self.entered.notify_one();
        self.gate.notified().await;
    }
}

/// A `Lingers` held in `terminate` by `stop_with(reason)`, and its gate.
async fn lingering(
    reason: ExitReason,
) -> (
    LingersClient,
    std::sync::Arc<Notify>,
    tokio::task::JoinHandle<Result<(), StopError>>,
) {
    let (entered, gate) = (std::sync::Arc::default(), std::sync::Arc::default());
    let server = Lingers::start(Lingers {
        entered: std::sync::Arc::clone(&entered),
        gate: std::sync::Arc::clone(&gate),
    })
    .await
    .unwrap();
    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop_with(reason).await }
    });
    entered.notified().await;
    (server, gate, stopping)
}

// Semantics 3.1 and 2.3: a call made while `terminate` runs waits for the
// end within its timeout: it times out at its deadline when `terminate`
// outlasts it...
#[tokio::test(start_paused = true)]
async fn a_call_made_during_a_terminate_that_outlasts_it_times_out_at_its_deadline() {
    let (server, gate, stopping) = lingering(ExitReason::Normal).await;
    let began = Instant::now();
    assert_eq!(
        server.with_timeout(Duration::from_secs(1)).ping().await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(1));
    gate.notify_one();
    assert_eq!(stopping.await.unwrap(), Ok(()));
}

// ...and ends with the exit reason the moment the task ends, when it ends
// within the timeout.
#[tokio::test(start_paused = true)]
async fn a_call_made_during_terminate_gets_the_reason_as_the_task_ends() {
    let (server, gate, stopping) = lingering(ExitReason::Shutdown).await;
    let patient = server.with_timeout(Duration::from_secs(10));
    let mut call = Box::pin(patient.ping());
    assert!(runtime_support::poll_once(call.as_mut()).await.is_none());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let released = Instant::now();
    gate.notify_one();
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert_eq!(released.elapsed(), Duration::ZERO);
    assert_eq!(stopping.await.unwrap(), Ok(()));
}

/// Holds a deferred reply until told to answer it.
struct Holder {
    held: Option<Reply<u32>>,
}

#[genserver]
impl Holder {
    #[call]
    fn wait_for(&mut self, reply: Reply<u32>) {
        self.held = Some(reply);
    }

    #[call]
    fn holds(&self) -> bool {
        self.held.is_some()
    }

    #[call]
    fn answer(&mut self, value: u32) -> bool {
        self.held.take().expect("a reply held").send(value)
    }
}

// Semantics 3.3 and 3.4: a reply that is there when a caller whose
// deadline has passed looks wins over the deadline: its sender was told
// it was accepted, and the caller receives it.
#[tokio::test(start_paused = true)]
async fn a_reply_there_when_a_late_caller_looks_is_received() {
    let holder = Holder::start(Holder { held: None }).await.unwrap();
    let brief = holder.with_timeout(Duration::from_secs(1));
    let mut call = Box::pin(brief.wait_for());
    assert!(runtime_support::poll_once(call.as_mut()).await.is_none());
    assert_eq!(holder.holds().await, Ok(true));
    // The deadline passes while nobody polls the call.
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(holder.answer(5).await, Ok(true), "the reply is accepted");
    assert_eq!(call.await, Ok(5));
}

// Semantics 3.3: a reply sent a millisecond before its caller's deadline,
// at the deadline itself, or a millisecond after, reaches the caller
// exactly when its sender was told it was accepted: an accepted reply is
// never lost to the timeout, and a refused one never arrives.
#[tokio::test(start_paused = true)]
async fn a_reply_sent_about_the_deadline_is_received_exactly_when_it_was_accepted() {
    let holder = Holder::start(Holder { held: None }).await.unwrap();
    let (deadline, ms) = (Duration::from_secs(1), Duration::from_millis(1));
    for sent_at in [Duration::from_millis(999), deadline, deadline + ms] {
        let began = Instant::now();
        let call = tokio::spawn({
            let brief = holder.with_timeout(deadline);
            async move { brief.wait_for().await }
        });
        let answer = tokio::spawn({
            let holder = holder.clone();
            async move {
                tokio::time::sleep_until(began + sent_at).await;
                holder.answer(5).await
            }
        });
        let (outcome, accepted) = (call.await.unwrap(), answer.await.unwrap().unwrap());
        if accepted {
            assert_eq!(outcome, Ok(5), "sent at {sent_at:?}");
        } else {
            assert_eq!(outcome, Err(CallError::Timeout), "sent at {sent_at:?}");
        }
        if sent_at < deadline {
            assert!(accepted, "sent before the deadline");
        }
        if sent_at > deadline {
            assert!(!accepted, "sent after the deadline");
        }
    }
}
