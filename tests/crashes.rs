//! Let it crash: a panic or an `Err` ends one server with a typed reason
//! and touches nothing else (docs/semantics.md, section 5).

use std::sync::{Arc, Mutex};

use genserver::prelude::*;

/// Logs its end to a shared list, and keeps the reason `terminate` got.
struct Fragile {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
    ended_with: Arc<Mutex<Option<ExitReason>>>,
}

impl Fragile {
    fn new(name: &'static str, log: &Arc<Mutex<Vec<String>>>) -> Self {
        Fragile {
            name,
            log: log.clone(),
            ended_with: Arc::default(),
        }
    }
}

/// An info message that makes the server panic.
struct Explode;

/// An info message whose handler returns `Err`.
struct Refuse;

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[genserver]
impl Fragile {
    #[call]
    fn ping(&self) -> &'static str {
        self.name
    }

    #[call]
    fn crash_call(&mut self) -> u32 {
        panic!("call panicked")
    }

    #[cast]
    fn crash_cast(&mut self) {
        panic!("cast panicked")
    }

    #[cast]
    fn refuse(&mut self) -> Result<(), Refused> {
        Err(Refused)
    }

    #[cast]
    async fn crash_after_await(&mut self) {
        tokio::task::yield_now().await;
        panic!("async cast panicked")
    }

    #[cast]
    fn crash_with_text(&mut self, n: u32) {
        panic!("formatted {n}")
    }

    #[cast]
    fn crash_with_a_number(&mut self) {
        std::panic::panic_any(42_u32)
    }

    #[info]
    fn explode(&mut self, _: Explode) {
        panic!("info panicked")
    }

    #[info]
    fn refuse_info(&mut self, _: Refuse) -> Result<(), Refused> {
        Err(Refused)
    }

    /// A call's `Err` is its reply.
    #[call]
    fn refuse_call(&mut self) -> Result<u32, Refused> {
        Err(Refused)
    }

    /// Renames the server, then panics.
    #[cast]
    fn rename_then_crash(&mut self, name: &'static str) {
        self.name = name;
        panic!("renamed")
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} terminated: {reason}", self.name));
        *self.ended_with.lock().unwrap() = Some(reason.clone());
    }
}

async fn pair() -> (FragileClient, FragileClient, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let a = Fragile::start(Fragile::new("a", &log)).await.unwrap();
    let b = Fragile::start(Fragile::new("b", &log)).await.unwrap();
    (a, b, log)
}

fn panicked(message: &str) -> ExitReason {
    ExitReason::Panicked {
        message: message.into(),
    }
}

#[tokio::test]
async fn a_panicking_call_handler_ends_its_server_and_only_its_server() {
    let (a, b, log) = pair().await;
    assert_eq!(
        a.crash_call().await,
        Err(CallError::Exited(panicked("call panicked")))
    );
    assert_eq!(a.wait().await, panicked("call panicked"));
    assert!(!a.is_alive());
    assert_eq!(b.ping().await, Ok("b"));
    assert_eq!(
        *log.lock().unwrap(),
        ["a terminated: panicked: call panicked"]
    );
}

#[tokio::test]
async fn a_panicking_cast_handler_ends_its_server_with_the_panic_message() {
    let (a, b, log) = pair().await;
    a.crash_cast().await.unwrap();
    assert_eq!(a.wait().await, panicked("cast panicked"));
    assert_eq!(a.ping().await, Err(CallError::NoProc));
    assert_eq!(b.ping().await, Ok("b"));
    assert_eq!(
        *log.lock().unwrap(),
        ["a terminated: panicked: cast panicked"]
    );
}

#[tokio::test]
async fn a_panic_after_an_await_is_caught_too() {
    let (a, b, _) = pair().await;
    a.crash_after_await().await.unwrap();
    assert_eq!(a.wait().await, panicked("async cast panicked"));
    assert_eq!(b.ping().await, Ok("b"));
}

#[tokio::test]
async fn a_panicking_info_handler_ends_its_server() {
    let (a, b, _) = pair().await;
    a.info(Explode).await.unwrap();
    assert_eq!(a.wait().await, panicked("info panicked"));
    assert_eq!(b.ping().await, Ok("b"));
}

// 5.1 with `ExitReason`: "every observer of an exit sees the same
// reason", the error "shared between every observer". Errors compare by
// identity, so equality here means one `Arc` for the caller queued behind
// the failing cast, `wait` and `terminate`; each can match the handler's
// typed error with `downcast_ref`.
#[tokio::test(start_paused = true)]
async fn an_err_from_a_cast_stops_the_server_with_that_error_shared_by_every_observer() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let fragile = Fragile::new("a", &log);
    let ended_with = fragile.ended_with.clone();
    let a = Fragile::start(fragile).await.unwrap();
    let waiter = tokio::spawn({
        let a = a.clone();
        async move { a.wait().await }
    });
    // Both are queued before the server runs: this runtime has one thread.
    a.refuse().await.unwrap();
    let Err(CallError::Exited(told_the_caller)) = a.ping().await else {
        panic!("the call queued behind the failing cast is told the exit")
    };
    let from_wait = waiter.await.unwrap();
    assert_eq!(
        told_the_caller
            .downcast_ref::<Refused>()
            .map(ToString::to_string),
        Some("refused".into())
    );
    assert_eq!(told_the_caller, from_wait);
    assert_eq!(Some(told_the_caller), *ended_with.lock().unwrap());
    assert_eq!(*log.lock().unwrap(), ["a terminated: error: refused"]);
}

// `ExitReason::Panicked::message`: the panic payload when it was a string
// (a formatted one included), otherwise a placeholder, for `terminate` as
// for `wait`.
#[tokio::test(start_paused = true)]
async fn a_panic_keeps_a_text_payload_as_its_message_and_replaces_any_other() {
    let (a, b, log) = pair().await;
    a.crash_with_text(3).await.unwrap();
    assert_eq!(a.wait().await, panicked("formatted 3"));
    b.crash_with_a_number().await.unwrap();
    assert_eq!(b.wait().await, panicked("Box<dyn Any>"));
    assert_eq!(
        *log.lock().unwrap(),
        [
            "a terminated: panicked: formatted 3",
            "b terminated: panicked: Box<dyn Any>"
        ]
    );
}

#[tokio::test]
async fn a_cast_to_a_crashed_server_hands_the_message_back() {
    let (a, _, _) = pair().await;
    a.crash_cast().await.unwrap();
    a.wait().await;
    let err = a.crash_cast().await.unwrap_err();
    assert!(matches!(err.into_inner(), FragileMessage::CrashCast(..)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_crashing_servers_leave_the_runtime_and_their_peers_running() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let survivor = Fragile::start(Fragile::new("survivor", &log))
        .await
        .unwrap();
    let mut doomed = Vec::new();
    for _ in 0..100 {
        doomed.push(Fragile::start(Fragile::new("doomed", &log)).await.unwrap());
    }
    for server in &doomed {
        server.crash_cast().await.unwrap();
    }
    for server in &doomed {
        assert_eq!(server.wait().await, panicked("cast panicked"));
    }
    assert_eq!(survivor.ping().await, Ok("survivor"));
    assert_eq!(log.lock().unwrap().len(), 100);
}

/// Logs its end after a yield, which gives a caller told too early the
/// chance to look.
struct SlowEnd {
    log: Arc<Mutex<Vec<String>>>,
}

#[genserver]
impl SlowEnd {
    #[call]
    fn crash(&mut self) -> u32 {
        panic!("crashed")
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::task::yield_now().await;
        self.log
            .lock()
            .unwrap()
            .push(format!("terminated: {reason}"));
    }
}

/// 6.2 and 3.1: the caller of the handler that panicked hears the exit
/// reason after `terminate` has run, as the callers of queued requests do.
#[tokio::test]
async fn the_caller_of_a_panicking_handler_is_told_after_terminate() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let server = SlowEnd::start(SlowEnd { log: log.clone() }).await.unwrap();
    assert_eq!(
        server.crash().await,
        Err(CallError::Exited(panicked("crashed")))
    );
    assert_eq!(*log.lock().unwrap(), ["terminated: panicked: crashed"]);
}

/// A state whose `Drop` panics.
struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("the state's drop panicked")
    }
}

#[genserver]
impl PanicsWhenDropped {
    #[call]
    fn ping(&self) {}
}

/// 5.2 and 6.2: a panic in a state's `Drop` while its server ends is
/// reported by the panic hook and stays with that server: a crash of
/// another server on the same thread afterwards reports its own reason to
/// its caller.
#[tokio::test]
async fn a_panicking_state_drop_leaves_the_next_crash_on_its_thread_its_own_reason() {
    let messy = PanicsWhenDropped::start(PanicsWhenDropped).await.unwrap();
    messy.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(messy.wait().await, ExitReason::Shutdown);

    let (a, _b, _log) = pair().await;
    assert_eq!(
        a.crash_call().await,
        Err(CallError::Exited(panicked("call panicked")))
    );
}

/// A value whose `Drop` panics.
struct DropPanics;

impl Drop for DropPanics {
    fn drop(&mut self) {
        panic!("dropped while killed")
    }
}

/// Never finishes `init`, holding a [`DropPanics`] there.
struct StuckInInit;

#[genserver]
impl StuckInInit {
    #[init]
    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, std::convert::Infallible> {
        let _held = DropPanics;
        std::future::pending().await
    }

    #[call]
    fn ping(&self) {}
}

/// As above, for what user code holds when its task is aborted: a panic
/// in dropping it (here `init`'s future, at its start timeout) does not
/// reach a later crash on the same thread.
#[tokio::test(start_paused = true)]
async fn a_panicking_drop_in_a_killed_init_leaves_the_next_crash_on_its_thread_its_own_reason() {
    let options = StartOptions::new().init_timeout(std::time::Duration::from_millis(10));
    assert!(matches!(
        StuckInInit::start_with((), options).await,
        Err(StartError::Timeout)
    ));

    let (a, _b, _log) = pair().await;
    assert_eq!(
        a.crash_call().await,
        Err(CallError::Exited(panicked("call panicked")))
    );
}

/// A timer message that panics when dropped unhandled.
struct Fuse {
    lit: bool,
}

impl Drop for Fuse {
    fn drop(&mut self) {
        assert!(!self.lit, "a cancelled message's drop panicked");
    }
}

/// Sets a timer with a lit fuse, lets it queue, then cancels it.
struct Defuser;

#[genserver]
impl Defuser {
    #[call]
    async fn queue_then_cancel(&mut self, ctx: &mut Context<Self>) {
        let timer = ctx.send_after(std::time::Duration::from_millis(10), Fuse { lit: true });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        timer.cancel();
    }

    #[info]
    fn fuse(&mut self, mut fuse: Fuse) {
        fuse.lit = false;
    }

    #[call]
    fn ping(&self) -> u32 {
        1
    }
}

// Semantics 6.2, 18.4: a message cancelled after it was queued is dropped
// unhandled; a panic in its `Drop` is reported by the panic hook and costs
// the server nothing, as for a queued message dropped at the end.
#[tokio::test(start_paused = true)]
async fn a_panicking_drop_of_a_cancelled_message_leaves_the_server_running() {
    let defuser = Defuser::start(Defuser).await.unwrap();
    defuser.queue_then_cancel().await.unwrap();
    assert_eq!(defuser.ping().await, Ok(1));
    assert!(defuser.is_alive());
}

/// 5.1: an `#[info]` handler returning `Err(e)` stops the server with
/// `ExitReason::Error { source: e }`, `terminate` running with it.
#[tokio::test]
async fn an_err_from_an_info_handler_stops_the_server_with_that_error() {
    let (a, b, log) = pair().await;
    a.info(Refuse).await.unwrap();
    let reason = a.wait().await;
    assert_eq!(
        reason.downcast_ref::<Refused>().map(ToString::to_string),
        Some("refused".into())
    );
    assert_eq!(*log.lock().unwrap(), ["a terminated: error: refused"]);
    assert_eq!(b.ping().await, Ok("b"));
}

/// 5.1: a `#[call]` handler's `Err` is its reply: the caller receives it
/// and the server runs on.
#[tokio::test]
async fn an_err_from_a_call_handler_is_the_reply_and_the_server_runs_on() {
    let (a, _, log) = pair().await;
    assert!(matches!(a.refuse_call().await, Ok(Err(Refused))));
    assert!(a.is_alive());
    assert_eq!(a.ping().await, Ok("a"));
    assert!(log.lock().unwrap().is_empty(), "terminate did not run");
}

/// 5.2: `terminate` runs with the state as the panicking handler left it.
#[tokio::test]
async fn terminate_sees_the_state_as_the_panicking_handler_left_it() {
    let (a, _, log) = pair().await;
    a.rename_then_crash("renamed a").await.unwrap();
    assert_eq!(a.wait().await, panicked("renamed"));
    assert_eq!(
        *log.lock().unwrap(),
        ["renamed a terminated: panicked: renamed"]
    );
}

/// 5.4: `Normal` and `Shutdown` are the clean exits; every other reason,
/// an error whatever its text included, is a failure.
#[test]
fn only_normal_and_shutdown_are_clean_exits() {
    assert!(ExitReason::Normal.is_clean());
    assert!(ExitReason::Shutdown.is_clean());
    for failure in [
        ExitReason::Killed,
        ExitReason::NoProc,
        panicked("boom"),
        ExitReason::error("shutdown"),
        ExitReason::error("normal"),
    ] {
        assert!(!failure.is_clean(), "{failure:?}");
    }
}

// `Error::source` of `CallError`, `StartError` and `SupervisorError`: each
// leads to the error inside it, down to the one the server failed with, as
// its own type; errors that hold none have no source.
#[test]
fn errors_lead_to_the_error_inside_them() {
    use std::error::Error as _;

    let exited = CallError::Exited(ExitReason::error(Refused));
    assert!(exited.source().unwrap().downcast_ref::<Refused>().is_some());
    assert!(CallError::Exited(panicked("boom")).source().is_none());
    assert!(CallError::Timeout.source().is_none());

    let init = StartError::Init(ExitReason::error(Refused));
    assert!(init.source().unwrap().downcast_ref::<Refused>().is_some());
    assert!(StartError::Timeout.source().is_none());

    let failed = genserver::SupervisorError::StartFailed(init);
    let inner = failed.source().unwrap();
    assert!(inner.downcast_ref::<StartError>().is_some());
    assert!(inner.source().unwrap().downcast_ref::<Refused>().is_some());
    let call = genserver::SupervisorError::Call(CallError::NoProc);
    assert_eq!(
        call.source().unwrap().downcast_ref::<CallError>(),
        Some(&CallError::NoProc)
    );
    assert!(genserver::SupervisorError::NotFound.source().is_none());
}

// `ExitReason`'s `PartialEq`: the same variant with equal messages; errors
// compare by identity, and a clone shares its error (payloads are
// reference counted), so it is equal.
#[test]
fn panics_compare_by_message_and_errors_by_identity() {
    assert_eq!(panicked("a"), panicked("a"));
    assert_ne!(panicked("a"), panicked("b"));
    assert_ne!(panicked("x"), ExitReason::error("x"));
    assert_ne!(ExitReason::Normal, ExitReason::Shutdown);
    assert_ne!(ExitReason::Killed, ExitReason::NoProc);

    let error = ExitReason::error("same text");
    let copy = error.clone();
    assert_eq!(error, copy);
    assert_ne!(error, ExitReason::error("same text"));
    let (ExitReason::Error { source: a }, ExitReason::Error { source: b }) = (&error, &copy) else {
        unreachable!()
    };
    assert!(Arc::ptr_eq(a, b));
}

// What a reason shows in logs and in the crash report.
#[test]
fn each_reason_displays_as_its_own_short_text() {
    let shown = [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::Killed,
        ExitReason::NoProc,
        panicked("boom"),
        ExitReason::error(Refused),
    ]
    .map(|reason| reason.to_string());
    assert_eq!(
        shown,
        [
            "normal exit",
            "shutdown",
            "killed",
            "no such server",
            "panicked: boom",
            "error: refused"
        ]
    );
}

// `ExitReason::downcast_ref`: an error given as a `String`, as `&str` is,
// is kept as its text, which no error type of the user's matches.
#[test]
fn an_error_given_as_a_string_is_kept_as_its_text() {
    let reason = ExitReason::error(format!("no item {}", 9));
    let ExitReason::Error { source } = &reason else {
        unreachable!()
    };
    assert_eq!(source.to_string(), "no item 9");
    assert!(reason.downcast_ref::<Refused>().is_none());
}
