//! Start: `init`, its failures, and what is left running (docs/semantics.md,
//! section 1).

mod runtime_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use runtime_support::{poll_once, without_a_timer};
use tokio::sync::{Notify, oneshot};

/// Sets its flag when dropped.
struct Canary(Arc<AtomicBool>);

impl Drop for Canary {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug)]
struct BadConfig(&'static str);

impl std::fmt::Display for BadConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad config: {}", self.0)
    }
}

impl std::error::Error for BadConfig {}

/// How `init` should behave.
enum Plan {
    Succeed,
    Fail,
    Panic,
    Hang,
    /// `ctx.stop(Shutdown)`, then `Err`.
    StopThenFail,
    /// `ctx.stop(Shutdown)`, then a panic.
    StopThenPanic,
}

struct Service {
    _canary: Canary,
    greeting: String,
}

#[genserver]
impl Service {
    #[init]
    async fn init(plan: Plan, canary: Canary, ctx: &mut Context<Self>) -> Result<Self, BadConfig> {
        match plan {
            Plan::Succeed => Ok(Service {
                _canary: canary,
                greeting: "hello".into(),
            }),
            Plan::Fail => Err(BadConfig("port")),
            Plan::Panic => panic!("init panicked"),
            Plan::Hang => std::future::pending().await,
            Plan::StopThenFail => {
                ctx.stop(ExitReason::Shutdown);
                Err(BadConfig("stopped, then failed"))
            }
            Plan::StopThenPanic => {
                ctx.stop(ExitReason::Shutdown);
                panic!("init panicked after stopping")
            }
        }
    }

    #[call]
    fn greet(&self) -> String {
        self.greeting.clone()
    }
}

/// Stops itself from `init`.
struct Quitter;

// `init` returns a `Result`: the shape a fallible init has, kept so that
// the test exercises it.
#[allow(clippy::unnecessary_wraps)]
#[genserver]
impl Quitter {
    #[init]
    fn init(ctx: &mut Context<Self>) -> Result<Self, std::convert::Infallible> {
        ctx.stop(ExitReason::Shutdown);
        Ok(Quitter)
    }

    #[call]
    fn ping(&self) {}
}

struct GatedArgs {
    entered: Arc<Notify>,
    gate: Arc<Notify>,
    ended: oneshot::Sender<ExitReason>,
}

/// Waits in `init` until let through; `terminate` sends its reason.
struct Gated {
    ended: Option<oneshot::Sender<ExitReason>>,
}

#[genserver]
impl Gated {
    #[init]
    async fn init(args: GatedArgs) -> Result<Self, std::convert::Infallible> {
        args.entered.notify_one();
        args.gate.notified().await;
        Ok(Gated {
            ended: Some(args.ended),
        })
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send(reason.clone());
        }
    }
}

fn canary() -> (Canary, Arc<AtomicBool>) {
    let flag = Arc::new(AtomicBool::new(false));
    (Canary(flag.clone()), flag)
}

#[tokio::test]
async fn start_returns_a_client_once_init_has_succeeded() {
    let (canary, dropped) = canary();
    let service = Service::start(Plan::Succeed, canary).await.unwrap();
    assert_eq!(service.greet().await.unwrap(), "hello");
    service.stop().await.unwrap();
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn an_init_error_is_the_start_error_and_nothing_is_left_running() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let (canary, dropped) = canary();
    match Service::start(Plan::Fail, canary).await {
        // `ExitReason::downcast_ref`: the caller matches the typed error
        // `init` returned.
        Err(StartError::Init(reason)) => {
            assert_eq!(
                reason.downcast_ref::<BadConfig>().map(|e| e.0),
                Some("port")
            );
        }
        other => panic!("expected Init(Error), got {:?}", other.map(|_| ())),
    }
    assert!(dropped.load(Ordering::SeqCst));
    tokio::task::yield_now().await;
    assert_eq!(metrics.num_alive_tasks(), before);
}

#[tokio::test]
async fn an_init_panic_is_the_start_error_and_nothing_is_left_running() {
    let (canary, dropped) = canary();
    let result = Service::start(Plan::Panic, canary).await;
    assert_eq!(
        result.map(|_| ()),
        Err(StartError::Init(ExitReason::Panicked {
            message: "init panicked".into()
        }))
    );
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn ctx_stop_in_init_fails_the_start_with_that_reason() {
    let result = Quitter::start().await;
    assert_eq!(
        result.map(|_| ()),
        Err(StartError::Init(ExitReason::Shutdown))
    );
}

/// 1.2 with 6.3: an `init` that calls `ctx.stop` and then returns `Err`
/// fails with that error, not with the reason it asked for.
#[tokio::test]
async fn an_init_that_stops_then_fails_fails_with_its_error() {
    let (canary, dropped) = canary();
    match Service::start(Plan::StopThenFail, canary).await {
        Err(StartError::Init(ExitReason::Error { source })) => {
            assert_eq!(source.to_string(), "bad config: stopped, then failed");
        }
        other => panic!("expected Init(Error), got {:?}", other.map(|_| ())),
    }
    assert!(dropped.load(Ordering::SeqCst));
}

/// 1.2 with 6.3: an `init` that calls `ctx.stop` and then panics fails
/// with that panic, not with the reason it asked for.
#[tokio::test]
async fn an_init_that_stops_then_panics_fails_with_its_panic() {
    let (canary, dropped) = canary();
    let result = Service::start(Plan::StopThenPanic, canary).await;
    assert_eq!(
        result.map(|_| ()),
        Err(StartError::Init(ExitReason::Panicked {
            message: "init panicked after stopping".into()
        }))
    );
    assert!(dropped.load(Ordering::SeqCst));
}

/// 1.2: a stop request made through the server's name while `init` runs
/// waits for `init`: `start` returns `Ok`, then the server stops with the
/// request's reason, running `terminate` (6.1).
#[tokio::test]
async fn a_stop_requested_while_init_runs_waits_for_init_then_stops() {
    const NAME: &str = "start: a stop requested while init runs";
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (ended, terminated) = oneshot::channel();
    let starting = tokio::spawn(Gated::start_with(
        GatedArgs {
            entered: entered.clone(),
            gate: gate.clone(),
            ended,
        },
        StartOptions::named(NAME),
    ));
    entered.notified().await;
    let early = genserver::whereis::<Gated>(NAME).expect("the name is taken before init");
    let mut stopping = Box::pin(early.stop_with(ExitReason::Shutdown));
    // The request is made; it waits for `init`.
    assert!(poll_once(stopping.as_mut()).await.is_none());
    assert!(!starting.is_finished());

    gate.notify_one();
    let server = starting.await.unwrap().expect("start returns Ok");
    assert_eq!(stopping.await, Ok(()));
    assert_eq!(terminated.await, Ok(ExitReason::Shutdown));
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(server.ping().await, Err(CallError::NoProc));
}

#[tokio::test(start_paused = true)]
async fn an_init_that_outlives_the_start_timeout_is_aborted() {
    let (canary, dropped) = canary();
    let began = tokio::time::Instant::now();
    let options = StartOptions::new().init_timeout(Duration::from_secs(2));
    let result = Service::start_with(Plan::Hang, canary, options).await;
    assert_eq!(result.map(|_| ()), Err(StartError::Timeout));
    assert_eq!(began.elapsed(), Duration::from_secs(2));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the aborted init dropped its arguments"
    );
}

#[test]
fn starting_outside_a_runtime_is_an_error_not_a_panic() {
    let (canary, _) = canary();
    let result = futures_util::FutureExt::now_or_never(Service::start(Plan::Succeed, canary));
    assert_eq!(
        result.map(|r| r.map(|_| ())),
        Some(Err(StartError::NoRuntime))
    );
}

// Semantics 1.3: on a runtime built without tokio's timer the start
// timeout still holds (a thread keeps it, as for call deadlines, 3.4)
// instead of panicking in `start`.
#[test]
fn the_start_timeout_holds_on_a_runtime_without_a_timer() {
    let (canary, dropped) = canary();
    let result = without_a_timer(move || async move {
        let options = StartOptions::new().init_timeout(Duration::from_millis(20));
        Service::start_with(Plan::Hang, canary, options)
            .await
            .map(|_| ())
    });
    assert_eq!(result, Some(Err(StartError::Timeout)));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the aborted init dropped its arguments"
    );
}

/// How [`Logged`]'s `init` fails.
enum Failure {
    Error,
    Panic,
    Stop,
}

/// Fails in `init` as told; its `terminate` would set its flag.
struct Logged {
    terminated: Arc<AtomicBool>,
}

#[genserver]
impl Logged {
    #[init]
    fn init(
        (failure, terminated): (Failure, Arc<AtomicBool>),
        ctx: &mut Context<Self>,
    ) -> Result<Self, BadConfig> {
        match failure {
            Failure::Error => Err(BadConfig("logged")),
            Failure::Panic => panic!("logged init panicked"),
            Failure::Stop => {
                ctx.stop(ExitReason::Shutdown);
                Ok(Logged { terminated })
            }
        }
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    fn terminate(&mut self, _reason: &ExitReason) {
        self.terminated.store(true, Ordering::SeqCst);
    }
}

/// 1.2: whichever way `init` fails (`Err`, a panic, `ctx.stop`), the start
/// fails, `terminate` does not run and no task is left running.
#[tokio::test]
async fn a_failed_init_runs_no_terminate_and_leaves_no_task() {
    let metrics = tokio::runtime::Handle::current().metrics();
    for failure in [Failure::Error, Failure::Panic, Failure::Stop] {
        let before = metrics.num_alive_tasks();
        let terminated = Arc::new(AtomicBool::new(false));
        let result = Logged::start((failure, terminated.clone())).await;
        assert!(matches!(result, Err(StartError::Init(_))));
        tokio::task::yield_now().await;
        assert!(!terminated.load(Ordering::SeqCst), "terminate ran");
        assert_eq!(metrics.num_alive_tasks(), before);
    }
}

/// 1.3: without `init_timeout` there is no limit: an `init` that takes a
/// day still starts the server.
#[tokio::test(start_paused = true)]
async fn by_default_init_has_no_time_limit() {
    let day = Duration::from_secs(24 * 3600);
    let began = tokio::time::Instant::now();
    let slow = Slow::start(day).await.unwrap();
    assert_eq!(began.elapsed(), day);
    assert_eq!(slow.ping().await, Ok(()));
}

// `StartOptions::new` (1.3, 2.2): no start timeout, an unbounded mailbox
// and no name, as `Default` gives; `StartOptions::named` adds only the name.
#[test]
fn start_options_default_to_no_start_timeout_an_unbounded_mailbox_and_no_name() {
    for options in [StartOptions::new(), StartOptions::default()] {
        assert_eq!(options.get_init_timeout(), None);
        assert_eq!(options.mailbox_capacity(), MailboxCapacity::Unbounded);
        assert_eq!(options.registered_name(), None);
    }
    let named = StartOptions::named("start:options");
    assert_eq!(named.registered_name(), Some("start:options"));
    assert_eq!(named.get_init_timeout(), None);
    assert_eq!(named.mailbox_capacity(), MailboxCapacity::Unbounded);
}

/// 1.3: a limit past what tokio's clock can hold is no limit either, not
/// a panic nor an at-once timeout.
#[tokio::test(start_paused = true)]
async fn an_init_timeout_past_the_end_of_the_clock_is_no_limit() {
    let day = Duration::from_secs(24 * 3600);
    let began = tokio::time::Instant::now();
    let options = StartOptions::new().init_timeout(Duration::MAX);
    let slow = Slow::start_with(day, options).await.unwrap();
    assert_eq!(began.elapsed(), day);
    assert_eq!(slow.ping().await, Ok(()));
}

/// Takes the given time in `init`.
struct Slow;

#[genserver]
impl Slow {
    #[init]
    async fn init(takes: Duration) -> Result<Self, std::convert::Infallible> {
        tokio::time::sleep(takes).await;
        Ok(Slow)
    }

    #[call]
    fn ping(&self) {}
}

/// No `#[init]`: the state is the start argument.
struct Plain(u32);

#[genserver]
impl Plain {
    #[call]
    fn value(&self) -> u32 {
        self.0
    }
}

/// 1.4: a server without `#[init]` starts at once: the start future is
/// ready on its first poll, before the server's task has run.
#[tokio::test]
async fn a_server_without_init_starts_on_the_first_poll() {
    let started = futures_util::FutureExt::now_or_never(Plain::start(Plain(3)));
    let plain = started.expect("ready at once").unwrap();
    assert_eq!(plain.value().await, Ok(3));
}

/// Written without the macro, with an `init` that says it ran.
struct LateInit;

/// What [`LateInit`]'s `init` sets.
struct InitRan(Arc<AtomicBool>);

enum LateInitMessage {
    Ping(genserver::ReplyTo<()>),
}

#[derive(Clone)]
struct LateInitClient(ServerRef<LateInit>);

impl Client for LateInitClient {
    type Server = LateInit;

    fn from_server_ref(server: ServerRef<LateInit>) -> Self {
        LateInitClient(server)
    }

    fn server_ref(&self) -> &ServerRef<LateInit> {
        &self.0
    }
}

impl GenServer for LateInit {
    type Args = InitRan;
    type Message = LateInitMessage;
    type Client = LateInitClient;
    const NAME: &'static str = "LateInit";
    const HAS_INIT: bool = false;

    async fn init(InitRan(ran): InitRan, _: &mut Context<Self>) -> Result<Self, ExitReason> {
        ran.store(true, Ordering::SeqCst);
        Ok(LateInit)
    }

    async fn handle(
        &mut self,
        LateInitMessage::Ping(reply_to): LateInitMessage,
        _: &mut Context<Self>,
    ) -> Result<(), ExitReason> {
        reply_to.send(());
        Ok(())
    }

    fn message_name(_: &LateInitMessage) -> &'static str {
        "Ping"
    }
}

/// `GenServer::HAS_INIT`: when `false`, start returns without waiting for
/// the server's task to run `init`; it runs before the first message. The
/// typed client of a server is reached from its type, as generic code
/// does, through `GenServer::Client`.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_server_whose_has_init_is_false_starts_before_its_init_runs() {
    let ran = Arc::new(AtomicBool::new(false));
    let server = genserver::start::<LateInit>(InitRan(ran.clone()), StartOptions::new())
        .await
        .unwrap();
    assert!(!ran.load(Ordering::SeqCst), "start waited for init");
    let client = <<LateInit as GenServer>::Client as Client>::from_server_ref(server);
    client.0.call(LateInitMessage::Ping).await.unwrap();
    assert!(ran.load(Ordering::SeqCst));
    client.0.stop().await.unwrap();
}

/// 1.4: a server without `#[init]` under a name already held fails at
/// once, on the first poll, with the holder's id, and leaves nothing
/// running.
#[tokio::test]
async fn a_server_without_init_under_a_held_name_fails_at_once() {
    let name = "start:held-without-init";
    let holder = Plain::start_with(Plain(1), StartOptions::named(name))
        .await
        .unwrap();
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let second = futures_util::FutureExt::now_or_never(Plain::start_with(
        Plain(2),
        StartOptions::named(name),
    ))
    .expect("ready at once");
    assert!(matches!(second, Err(StartError::AlreadyStarted(id)) if id == holder.id()));
    tokio::task::yield_now().await;
    assert_eq!(metrics.num_alive_tasks(), before, "nothing left running");
    assert_eq!(holder.value().await, Ok(1));
    holder.stop().await.unwrap();
}

/// 1.1 and 1.4: outside a runtime, a start under a name fails with
/// `NoRuntime`, with or without `init`, and leaves the name free.
#[test]
fn a_named_start_outside_a_runtime_leaves_the_name_free() {
    let name = "start:outside-a-runtime";
    let plain = futures_util::FutureExt::now_or_never(Plain::start_with(
        Plain(1),
        StartOptions::named(name),
    ));
    assert!(matches!(plain, Some(Err(StartError::NoRuntime))));
    let (canary, _) = canary();
    let service = futures_util::FutureExt::now_or_never(Service::start_with(
        Plan::Succeed,
        canary,
        StartOptions::named(name),
    ));
    assert!(matches!(service, Some(Err(StartError::NoRuntime))));
    assert!(genserver::whereis_id(name).is_none(), "name left behind");
}

/// 1.5: dropping the start future while `init` runs aborts the server's
/// task: `init`'s future and its arguments are dropped and no task is
/// left running.
#[tokio::test]
async fn dropping_the_start_future_while_init_runs_aborts_the_server() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let (canary, dropped) = canary();
    let mut starting = Box::pin(Service::start(Plan::Hang, canary));
    assert!(poll_once(starting.as_mut()).await.is_none());
    // `init` runs, and hangs, holding the canary.
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    assert_eq!(metrics.num_alive_tasks(), before + 1);
    assert!(!dropped.load(Ordering::SeqCst));

    drop(starting);
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    assert!(dropped.load(Ordering::SeqCst), "init's arguments dropped");
    assert_eq!(metrics.num_alive_tasks(), before);
}

/// 1.5: a caller that found the server by its name while `init` ran
/// hears `Exited(Killed)` when the start future is dropped; `terminate`
/// does not run and the name is freed.
#[tokio::test(start_paused = true)]
async fn a_caller_that_found_the_server_by_its_name_hears_killed_when_its_start_is_dropped() {
    const NAME: &str = "start: dropped while a caller waits";
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (ended, terminated) = oneshot::channel();
    let mut starting = Box::pin(Gated::start_with(
        GatedArgs {
            entered: entered.clone(),
            gate,
            ended,
        },
        StartOptions::named(NAME),
    ));
    assert!(poll_once(starting.as_mut()).await.is_none());
    entered.notified().await;
    let found = genserver::whereis::<Gated>(NAME).expect("the name is taken before init");
    let patient = found.without_timeout();
    let mut call = Box::pin(patient.ping());
    assert!(
        poll_once(call.as_mut()).await.is_none(),
        "the call is queued"
    );

    drop(starting);
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Killed)));
    assert_eq!(found.wait().await, ExitReason::Killed);
    assert!(terminated.await.is_err(), "terminate did not run");
    assert!(genserver::whereis_id(NAME).is_none());
}

/// 1.5: once `init` has succeeded, the server runs on even if the start
/// future is dropped before it returned the address: a client that found
/// the server by its name keeps it.
#[tokio::test]
async fn dropping_the_start_future_after_init_succeeded_leaves_the_server_running() {
    let (tx, _ended) = oneshot::channel();
    let entered = Arc::new(Notify::new());
    let gate = Arc::new(Notify::new());
    let args = GatedArgs {
        entered: entered.clone(),
        gate: gate.clone(),
        ended: tx,
    };
    let mut starting = Box::pin(Gated::start_with(
        args,
        StartOptions::named("start:late-drop"),
    ));
    assert!(poll_once(starting.as_mut()).await.is_none());
    entered.notified().await;
    gate.notify_one();
    let found = genserver::whereis::<Gated>("start:late-drop").expect("named before init");
    // Answered only once `init` has returned: the server is serving.
    assert_eq!(found.ping().await, Ok(()));

    drop(starting);
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    assert!(found.is_alive());
    assert_eq!(found.ping().await, Ok(()));
    found.stop().await.unwrap();
}

type StartingSlot = Arc<
    std::sync::Mutex<
        Option<
            std::pin::Pin<Box<dyn Future<Output = Result<DropsItsStartClient, StartError>> + Send>>,
        >,
    >,
>;

/// Drops its own start future from inside `init` once let through, then
/// succeeds: the start was cancelled while `init` ran. `ran` is set if
/// any of its code runs after `init`: a handler or `terminate`.
struct DropsItsStart {
    ran: Arc<AtomicBool>,
}

#[genserver]
impl DropsItsStart {
    #[init]
    async fn init(
        starting: StartingSlot,
        gate: Arc<Notify>,
        ran: Arc<AtomicBool>,
    ) -> Result<Self, std::convert::Infallible> {
        gate.notified().await;
        let start = starting.lock().unwrap().take();
        drop(start);
        Ok(DropsItsStart { ran })
    }

    #[call]
    fn ping(&self) {
        self.ran.store(true, Ordering::SeqCst);
    }

    #[terminate]
    fn terminate(&mut self, _: &ExitReason) {
        self.ran.store(true, Ordering::SeqCst);
    }
}

/// 1.5: an `init` that succeeds after its start future was dropped finds
/// nobody to report to: the server ends as `Killed`, as the abort ends
/// it, without handling the call queued meanwhile by a client that found
/// it by its name, and without `terminate`.
#[tokio::test]
async fn an_init_that_succeeds_after_its_start_was_dropped_handles_nothing() {
    let slot: StartingSlot = Arc::default();
    let gate = Arc::new(Notify::new());
    let ran = Arc::new(AtomicBool::new(false));
    let mut starting: std::pin::Pin<Box<dyn Future<Output = _> + Send>> =
        Box::pin(DropsItsStart::start_with(
            slot.clone(),
            gate.clone(),
            ran.clone(),
            StartOptions::named("start:dropped-in-init"),
        ));
    assert!(poll_once(starting.as_mut()).await.is_none());
    *slot.lock().unwrap() = Some(starting);
    let found = genserver::whereis::<DropsItsStart>("start:dropped-in-init").expect("named");
    let mut call = Box::pin(found.ping());
    assert!(
        poll_once(call.as_mut()).await.is_none(),
        "the call is queued"
    );

    gate.notify_one();
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Killed)));
    assert_eq!(found.wait().await, ExitReason::Killed);
    assert!(
        !ran.load(Ordering::SeqCst),
        "neither the queued call nor terminate ran"
    );
    assert!(genserver::whereis::<DropsItsStart>("start:dropped-in-init").is_none());
}
