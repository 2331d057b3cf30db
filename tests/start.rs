//! Start: `init`, its failures, and what is left running (docs/semantics.md,
//! section 1).

mod runtime_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use runtime_support::without_a_timer;

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
}

struct Service {
    _canary: Canary,
    greeting: String,
}

#[genserver]
impl Service {
    #[init]
    async fn init(plan: Plan, canary: Canary) -> Result<Self, BadConfig> {
        match plan {
            Plan::Succeed => Ok(Service {
                _canary: canary,
                greeting: "hello".into(),
            }),
            Plan::Fail => Err(BadConfig("port")),
            Plan::Panic => panic!("init panicked"),
            Plan::Hang => std::future::pending().await,
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
        Err(StartError::Init(ExitReason::Error { source })) => {
            assert_eq!(source.to_string(), "bad config: port");
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
