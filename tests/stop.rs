//! Stop: after the current message, terminate, then the end of the task
//! (docs/semantics.md, section 6).

mod runtime_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use runtime_support::poll_once;
use tokio::sync::Notify;

type Log = Arc<Mutex<Vec<String>>>;

/// Sets its flag when dropped, to prove the state is gone.
struct Canary(Arc<AtomicBool>);

impl Drop for Canary {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Worker {
    log: Log,
    _canary: Canary,
}

/// Holds the server in its current message: it notifies the first
/// `Notify` on entering, then waits for the second.
struct Hold(Arc<Notify>, Arc<Notify>);

/// Like [`Hold`], in a handler that has called `ctx.stop(Shutdown)` first.
struct StopThenHold(Arc<Notify>, Arc<Notify>);

/// A message whose `Drop` panics.
struct Bomb;

/// Like [`Hold`], in a handler that panics once let through.
struct HoldThenPanic(Arc<Notify>, Arc<Notify>);

/// A message that carries a [`Canary`].
struct Parcel(#[allow(dead_code)] Canary);

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("a queued message's drop panicked")
    }
}

#[genserver]
impl Worker {
    #[call]
    fn work(&mut self, n: u32) -> u32 {
        self.log.lock().unwrap().push(format!("work {n}"));
        n
    }

    #[call]
    fn finish(&mut self, ctx: &mut Context<Self>) -> &'static str {
        ctx.stop(ExitReason::Normal);
        self.log.lock().unwrap().push("finish".into());
        "bye"
    }

    /// Asks its own client for a queued stop.
    #[call]
    async fn stop_myself_after_queued(&mut self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.client().stop_after_queued(ExitReason::Normal).await
    }

    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }

    /// Asks to stop cleanly, then fails.
    #[cast]
    fn quit_then_fail(&mut self, ctx: &mut Context<Self>) -> Result<(), std::fmt::Error> {
        ctx.stop(ExitReason::Shutdown);
        Err(std::fmt::Error)
    }

    #[info]
    async fn hold(&mut self, Hold(entered, gate): Hold) {
        self.log.lock().unwrap().push("hold".into());
        entered.notify_one();
        gate.notified().await;
        self.log.lock().unwrap().push("released".into());
    }

    #[info]
    async fn stop_then_hold(
        &mut self,
        StopThenHold(entered, gate): StopThenHold,
        ctx: &mut Context<Self>,
    ) {
        ctx.stop(ExitReason::Shutdown);
        self.log.lock().unwrap().push("stop then hold".into());
        entered.notify_one();
        gate.notified().await;
    }

    #[info]
    fn bomb(&mut self, _: Bomb) {}

    /// Holds like [`Hold`], then panics.
    #[info]
    async fn hold_then_panic(&mut self, HoldThenPanic(entered, gate): HoldThenPanic) {
        entered.notify_one();
        gate.notified().await;
        panic!("panicked while a stop waited")
    }

    #[info]
    fn parcel(&mut self, _: Parcel) {
        self.log.lock().unwrap().push("parcel".into());
    }

    /// Asks to stop cleanly, then panics.
    #[cast]
    fn quit_then_panic(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
        panic!("panicked after asking to stop")
    }

    /// Asks its own client to stop.
    #[call]
    async fn stop_myself(&mut self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.client().stop().await
    }

    /// Waits for its own end, for at most a minute: `true` if it gave up.
    #[call]
    async fn wait_for_myself(&mut self, ctx: &mut Context<Self>) -> bool {
        let limit = Duration::from_secs(60);
        tokio::time::timeout(limit, ctx.server_ref().wait())
            .await
            .is_err()
    }

    /// Waits for its own monitor's `Down`, for at most a minute: `true` if
    /// it gave up.
    #[call]
    async fn monitor_myself(&mut self, ctx: &mut Context<Self>) -> bool {
        let limit = Duration::from_secs(60);
        tokio::time::timeout(limit, ctx.server_ref().monitor())
            .await
            .is_err()
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::task::yield_now().await;
        self.log
            .lock()
            .unwrap()
            .push(format!("terminate: {reason}"));
    }
}

async fn worker() -> (WorkerClient, Log, Arc<AtomicBool>) {
    let log = Log::default();
    let dropped = Arc::new(AtomicBool::new(false));
    let client = Worker::start(Worker {
        log: log.clone(),
        _canary: Canary(dropped.clone()),
    })
    .await
    .unwrap();
    (client, log, dropped)
}

/// Holds `server` in a handler until the returned gate is opened, so that
/// what is sent next waits in its mailbox.
async fn hold(server: &WorkerClient) -> Arc<Notify> {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    server
        .info(Hold(entered.clone(), gate.clone()))
        .await
        .unwrap();
    entered.notified().await;
    gate
}

/// As [`hold`], in a handler that panics once let through.
async fn hold_then_panic(server: &WorkerClient) -> Arc<Notify> {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    server
        .info(HoldThenPanic(entered.clone(), gate.clone()))
        .await
        .unwrap();
    entered.notified().await;
    gate
}

#[tokio::test]
async fn stop_returns_after_terminate_ran_and_the_state_was_dropped() {
    let (server, log, dropped) = worker().await;
    assert_eq!(server.work(1).await, Ok(1));
    server.stop().await.unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "state dropped before stop returned"
    );
    assert_eq!(*log.lock().unwrap(), ["work 1", "terminate: normal exit"]);
    assert!(!server.is_alive());
    assert_eq!(server.wait().await, ExitReason::Normal);
}

#[tokio::test]
async fn stop_finishes_the_current_message_and_fails_the_queued_ones() {
    let (server, log, _) = worker().await;
    let gate = hold(&server).await;
    // Each call is polled once, which queues its request, then left
    // waiting for the reply.
    let mut queued: Vec<_> = (0..3).map(|n| Box::pin(server.work(n))).collect();
    for call in &mut queued {
        assert!(poll_once(call.as_mut()).await.is_none());
    }
    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop_with(ExitReason::Shutdown).await }
    });
    tokio::task::yield_now().await;
    gate.notify_one();
    stopping.await.unwrap().unwrap();
    for call in queued {
        assert_eq!(call.await, Err(CallError::Exited(ExitReason::Shutdown)));
    }
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// 6.1 with a long queue: a server that has spent tokio's cooperative
/// budget (2.5) gives its thread back between two messages; a stop
/// requested then is seen before the next message, which is not handled.
#[tokio::test(start_paused = true)]
async fn a_stop_requested_while_a_busy_server_yields_comes_before_the_next_message() {
    let (server, log, _) = worker().await;
    let gate = hold(&server).await;
    let mut queued: Vec<_> = (0..300).map(|n| Box::pin(server.work(n))).collect();
    for call in &mut queued {
        assert!(poll_once(call.as_mut()).await.is_none());
    }
    gate.notify_one();
    // On this one thread, the server runs until its budget is spent.
    tokio::task::yield_now().await;
    let handled = log.lock().unwrap().len() - 2;
    assert!((1..300).contains(&handled), "{handled} handled in one turn");
    let mut stopping = Box::pin(server.stop_with(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    stopping.await.unwrap();
    for (n, call) in queued.into_iter().enumerate() {
        let expected = if n < handled {
            Ok(u32::try_from(n).unwrap())
        } else {
            Err(CallError::Exited(ExitReason::Shutdown))
        };
        assert_eq!(call.await, expected, "call {n}");
    }
    assert_eq!(log.lock().unwrap().len(), handled + 3);
}

/// 6.2: a queued message whose `Drop` panics when the mailbox is drained
/// at the end is reported by the panic hook; the messages behind it are
/// still dropped, their callers told the exit reason, and the end is
/// published.
#[tokio::test(start_paused = true)]
async fn a_panicking_drop_of_a_queued_message_does_not_hold_up_the_end() {
    let (server, log, dropped) = worker().await;
    let gate = hold(&server).await;
    let mut before = Box::pin(server.work(1));
    assert!(poll_once(before.as_mut()).await.is_none());
    server.info(Bomb).await.unwrap();
    let mut after = Box::pin(server.work(2));
    assert!(poll_once(after.as_mut()).await.is_none());
    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop_with(ExitReason::Shutdown).await }
    });
    tokio::task::yield_now().await;
    gate.notify_one();

    // On the paused clock, the limit is reached as soon as nothing else
    // can happen.
    let limit = Duration::from_secs(60);
    tokio::time::timeout(limit, stopping)
        .await
        .expect("stop returned")
        .unwrap()
        .unwrap();
    assert_eq!(
        tokio::time::timeout(limit, server.wait()).await,
        Ok(ExitReason::Shutdown)
    );
    assert_eq!(before.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert_eq!(after.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// 6.1 and 2.4 for a server that waits on an empty mailbox: what is
/// queued before the stop request, while the server has not yet run, is
/// not handled either.
#[tokio::test]
async fn an_idle_server_stops_before_what_was_queued_while_it_waited() {
    let (server, log, _) = worker().await;
    // The server has answered and waits on its empty mailbox.
    assert_eq!(server.work(0).await, Ok(0));
    let mut call = Box::pin(server.work(1));
    assert!(poll_once(call.as_mut()).await.is_none());
    server.quit().await.unwrap(); // a cast that would stop with `Shutdown`
    server.stop().await.unwrap();
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Normal)));
    assert_eq!(server.wait().await, ExitReason::Normal);
    assert_eq!(*log.lock().unwrap(), ["work 0", "terminate: normal exit"]);
}

/// 6.2: the reply of a call that stops the server is sent once
/// `terminate` has run and the state has been dropped.
#[tokio::test]
async fn a_call_that_stops_the_server_replies_after_terminate_and_the_drop() {
    let (server, log, dropped) = worker().await;
    assert_eq!(server.finish().await, Ok("bye"));
    assert!(dropped.load(Ordering::SeqCst), "replied before the drop");
    assert_eq!(*log.lock().unwrap(), ["finish", "terminate: normal exit"]);
    assert_eq!(server.wait().await, ExitReason::Normal);
}

#[tokio::test]
async fn a_server_can_stop_itself_from_a_cast() {
    let (server, log, _) = worker().await;
    server.quit().await.unwrap();
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(*log.lock().unwrap(), ["terminate: shutdown"]);
}

// Semantics 6.3: the handler's own failure after `ctx.stop` is the reason.
#[tokio::test]
async fn a_handler_that_fails_after_asking_to_stop_ends_with_its_failure() {
    let (worker, log, _) = worker().await;
    worker.quit_then_fail().await.unwrap();

    let reason = worker.wait().await;
    assert!(matches!(reason, ExitReason::Error { .. }), "{reason:?}");
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("terminate: ") && !l.contains("shutdown"))
    );
}

/// 2.4 and 6.4: a stop request that arrives during the handler that
/// called `ctx.stop` does not change the reason; its `stop_with` returns
/// `Ok` once the server has ended.
#[tokio::test]
async fn a_stop_request_during_the_handler_that_called_ctx_stop_keeps_its_reason() {
    let (server, log, dropped) = worker().await;
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    server
        .info(StopThenHold(entered.clone(), gate.clone()))
        .await
        .unwrap();
    entered.notified().await;
    let mut stopping = Box::pin(server.stop_with(ExitReason::Normal));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    gate.notify_one();
    assert_eq!(stopping.await, Ok(()));
    assert!(dropped.load(Ordering::SeqCst), "the server has ended");
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(
        *log.lock().unwrap(),
        ["stop then hold", "terminate: shutdown"]
    );
}

/// 6.4: of two stop requests made while the server is busy, the first
/// one's reason is the exit reason; both return `Ok` once it has ended.
#[tokio::test]
async fn of_two_stop_requests_the_first_decides_the_reason() {
    let (server, log, _) = worker().await;
    let gate = hold(&server).await;
    let mut first = Box::pin(server.stop_with(ExitReason::Shutdown));
    assert!(poll_once(first.as_mut()).await.is_none());
    let mut second = Box::pin(server.stop_with(ExitReason::Killed));
    assert!(poll_once(second.as_mut()).await.is_none());
    gate.notify_one();
    assert_eq!(second.await, Ok(()));
    assert_eq!(first.await, Ok(()));
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// 6.4: `stop_with(Killed)` is a stop like any other: `terminate` runs
/// with `Killed`, and `wait()` returns `Killed`.
#[tokio::test]
async fn stop_with_killed_runs_terminate_with_killed() {
    let (server, log, dropped) = worker().await;
    server.stop_with(ExitReason::Killed).await.unwrap();
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(*log.lock().unwrap(), ["terminate: killed"]);
    assert_eq!(server.wait().await, ExitReason::Killed);
}

#[tokio::test]
async fn stopping_a_stopped_server_reports_no_proc() {
    let (server, _, _) = worker().await;
    server.stop().await.unwrap();
    assert_eq!(server.stop().await, Err(StopError::NoProc));
}

#[tokio::test]
async fn concurrent_stops_all_return_once_the_server_has_ended() {
    let (server, log, _) = worker().await;
    let stops: Vec<_> = (0..5)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.stop().await })
        })
        .collect();
    for stop in stops {
        let result = stop.await.unwrap();
        assert!(matches!(result, Ok(()) | Err(StopError::NoProc)));
    }
    assert!(!server.is_alive());
    assert_eq!(log.lock().unwrap().len(), 1, "terminate ran exactly once");
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_is_seen_by_an_idle_server_at_once() {
    let (server, _, _) = worker().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let began = tokio::time::Instant::now();
    server.stop().await.unwrap();
    assert_eq!(began.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_stopped_server_leaves_no_task_running() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let (server, _, dropped) = worker().await;
    server.quit().await.unwrap();
    server.wait().await;
    tokio::task::yield_now().await;
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(metrics.num_alive_tasks(), before);
    // Every clone of the client now only reports the exit.
    let clone = server.clone();
    assert_eq!(clone.work(1).await, Err(CallError::NoProc));
    assert!(matches!(
        clone.try_info(Hold(Arc::new(Notify::new()), Arc::new(Notify::new()))),
        Err(TrySendError::NoProc(_))
    ));
}

/// An info message for [`Lingering`]'s log.
struct Noted(String);

/// Holds `terminate` until released.
struct Lingering {
    log: Log,
    entered: Arc<Notify>,
    gate: Arc<Notify>,
}

#[genserver]
impl Lingering {
    #[cast]
    fn note(&mut self, text: String) {
        self.log.lock().unwrap().push(text);
    }

    #[info]
    fn noted(&mut self, Noted(text): Noted) {
        self.log.lock().unwrap().push(text);
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.entered.notify_one();
        self.gate.notified().await;
        self.log.lock().unwrap().push("terminated".into());
    }
}

/// A started [`Lingering`], its log, and the notices of its `terminate`:
/// `entered` once it has begun, `gate` to let it end.
async fn lingering() -> (LingeringClient, Log, Arc<Notify>, Arc<Notify>) {
    let (log, entered, gate) = (
        Log::default(),
        Arc::new(Notify::new()),
        Arc::new(Notify::new()),
    );
    let server = Lingering::start(Lingering {
        log: log.clone(),
        entered: entered.clone(),
        gate: gate.clone(),
    })
    .await
    .unwrap();
    (server, log, entered, gate)
}

/// 2.3: while `terminate` runs, casts are accepted and dropped with the
/// mailbox; once the server has ended, they fail. `ServerRef::is_alive` is
/// already false then, the server having started to exit, though `stop`
/// has not returned.
#[tokio::test]
async fn casts_during_terminate_are_accepted_and_dropped() {
    let (server, log, entered, gate) = lingering().await;
    assert!(server.is_alive());
    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop().await }
    });
    entered.notified().await;
    assert!(!server.is_alive());
    assert!(!stopping.is_finished());
    assert!(server.note("during terminate".into()).await.is_ok());
    assert!(server.try_note("during terminate".into()).is_ok());
    gate.notify_one();
    stopping.await.unwrap().unwrap();
    assert_eq!(*log.lock().unwrap(), ["terminated"]);
    assert!(server.note("after".into()).await.is_err());
}

/// 6.4: a `stop` wrapped in `tokio::time::timeout` that runs out while
/// `terminate` is held only ends the wait: the request stands, and once
/// `terminate` is let through the server ends with `Normal`.
#[tokio::test(start_paused = true)]
async fn a_stop_whose_wait_timed_out_still_stops_the_server() {
    let (server, log, entered, gate) = lingering().await;
    let waited = tokio::time::timeout(Duration::from_secs(5), server.stop()).await;
    assert!(waited.is_err(), "the wait timed out");
    // `terminate` began and is held.
    entered.notified().await;
    assert!(!server.is_alive());
    assert!(log.lock().unwrap().is_empty());

    gate.notify_one();
    // On the paused clock, the limit is reached as soon as nothing else
    // can happen: a withdrawn request would fail here, not hang.
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(60), server.wait()).await,
        Ok(ExitReason::Normal)
    );
    assert_eq!(*log.lock().unwrap(), ["terminated"]);
}

/// 6.4: the stop request is made when `stop` is first polled: a wait that
/// ends while the server is still in a handler does not withdraw it, and
/// once that handler returns the server stops with the request's reason,
/// before what was queued.
#[tokio::test(start_paused = true)]
async fn a_stop_whose_wait_ended_during_a_handler_still_stops_the_server() {
    let (server, log, dropped) = worker().await;
    let gate = hold(&server).await;
    let waited = tokio::time::timeout(
        Duration::from_secs(1),
        server.stop_with(ExitReason::Shutdown),
    )
    .await;
    assert!(waited.is_err(), "the wait timed out");
    let mut queued = Box::pin(server.work(1));
    assert!(poll_once(queued.as_mut()).await.is_none());

    gate.notify_one();
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(queued.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// Stops itself from a call that returns a value; its `terminate` panics.
struct PanicsInTerminate;

#[genserver]
impl PanicsInTerminate {
    #[call]
    fn finish(&mut self, ctx: &mut Context<Self>) -> u32 {
        ctx.stop(ExitReason::Shutdown);
        7
    }

    #[terminate]
    fn terminate(&mut self, _reason: &ExitReason) {
        panic!("terminate panicked")
    }
}

/// 6.3 with 5.3: the reply held back by a stopping call is sent even if
/// `terminate` panics, and the exit reason is the one given to `ctx.stop`.
#[tokio::test]
async fn a_call_that_stops_the_server_still_replies_when_terminate_panics() {
    let server = PanicsInTerminate::start(PanicsInTerminate).await.unwrap();
    assert_eq!(server.finish().await, Ok(7));
    assert_eq!(server.wait().await, ExitReason::Shutdown);
}

/// Stops itself from a call that returns a value, then never finishes
/// `terminate`; `in_terminate` is told when it begins.
struct StuckInTerminate {
    in_terminate: Arc<Notify>,
}

#[genserver]
impl StuckInTerminate {
    #[call]
    fn finish(&mut self, ctx: &mut Context<Self>) -> u32 {
        ctx.stop(ExitReason::Normal);
        5
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.in_terminate.notify_one();
        std::future::pending::<()>().await;
    }
}

/// 6.3 and 6.5: a reply held back by a stopping call is sent once
/// `terminate` has run. A task aborted during `terminate` (here its runtime
/// shuts down) never sends it, as a process killed during its cleanup
/// never replies in OTP: the caller hears the exit reason, the one already
/// decided, as `wait()` does.
#[test]
fn a_reply_held_back_for_after_terminate_is_not_sent_when_terminate_is_cut_short() {
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let in_terminate = Arc::new(Notify::new());
    let server = server_runtime
        .block_on(StuckInTerminate::start(StuckInTerminate {
            in_terminate: in_terminate.clone(),
        }))
        .unwrap();
    let call = runtime.spawn({
        let server = server.clone();
        async move { server.finish().await }
    });
    runtime.block_on(in_terminate.notified());

    drop(server_runtime);
    let reason = runtime.block_on(server.wait());
    assert_eq!(reason, ExitReason::Normal);
    assert_eq!(
        runtime.block_on(call).unwrap(),
        Err(CallError::Exited(reason))
    );
}

/// 6.5 and 15.7: a supervisor's shutdown timeout that aborts a child in
/// `terminate` keeps the reason already decided: its monitors are told
/// `Shutdown`, not `Killed`.
#[tokio::test(start_paused = true)]
async fn a_monitor_of_a_child_cut_short_in_terminate_hears_the_decided_reason() {
    use genserver::{ChildSpec, Shutdown, Strategy, Supervisor, SupervisorSpec};

    let in_terminate = Arc::new(Notify::new());
    let spec = SupervisorSpec::new(Strategy::OneForOne).child(
        ChildSpec::server::<StuckInTerminate>("stuck", move || StuckInTerminate {
            in_terminate: in_terminate.clone(),
        })
        .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
    );
    let sup = Supervisor::start(spec).await.unwrap();
    let child = sup.child::<StuckInTerminate>("stuck").await.unwrap();
    let down = child.server_ref().monitor();
    let began = tokio::time::Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(
        began.elapsed(),
        Duration::from_secs(1),
        "aborted at its timeout"
    );
    assert_eq!(down.await.reason, ExitReason::Shutdown);
    assert_eq!(child.wait().await, ExitReason::Shutdown);
}

/// 6.8: `stop_after_queued` is OTP's `GenServer.stop`: what was queued
/// before it is handled, then the server stops with the reason, and what
/// was queued after it is not handled.
#[tokio::test(start_paused = true)]
async fn stop_after_queued_handles_what_was_queued_before_it() {
    let (server, log, dropped) = worker().await;
    let gate = hold(&server).await;
    let mut before: Vec<_> = (0..3).map(|n| Box::pin(server.work(n))).collect();
    for call in &mut before {
        assert!(poll_once(call.as_mut()).await.is_none());
    }
    let mut stopping = Box::pin(server.stop_after_queued(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    let mut after = Box::pin(server.work(9));
    assert!(poll_once(after.as_mut()).await.is_none());

    gate.notify_one();
    stopping.await.unwrap();
    assert!(dropped.load(Ordering::SeqCst), "ended when it returned");
    for (n, call) in before.into_iter().enumerate() {
        assert_eq!(call.await, Ok(u32::try_from(n).unwrap()));
    }
    assert_eq!(after.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert_eq!(
        *log.lock().unwrap(),
        [
            "hold",
            "released",
            "work 0",
            "work 1",
            "work 2",
            "terminate: shutdown"
        ]
    );
    assert_eq!(
        server.stop_after_queued(ExitReason::Normal).await,
        Err(StopError::NoProc)
    );
}

/// 6.8: from one of the server's own handlers, a queued stop would wait
/// for itself: it fails at once.
#[tokio::test(start_paused = true)]
async fn stop_after_queued_from_the_servers_own_handler_is_calling_self() {
    let (server, _, _) = worker().await;
    assert_eq!(
        server.stop_myself_after_queued().await,
        Ok(Err(StopError::CallingSelf))
    );
    assert!(server.is_alive());
}

/// 6.8: a `stop_with` asked for while the request waits in the queue comes
/// first; the queued stop then returns once the server has ended.
#[tokio::test(start_paused = true)]
async fn a_stop_with_overtakes_a_queued_stop() {
    let (server, log, _) = worker().await;
    let gate = hold(&server).await;
    let mut queued = Box::pin(server.work(1));
    assert!(poll_once(queued.as_mut()).await.is_none());
    let mut behind = Box::pin(server.stop_after_queued(ExitReason::Normal));
    assert!(poll_once(behind.as_mut()).await.is_none());
    let mut first = Box::pin(server.stop_with(ExitReason::Shutdown));
    assert!(poll_once(first.as_mut()).await.is_none());

    gate.notify_one();
    first.await.unwrap();
    behind.await.unwrap();
    assert_eq!(queued.await, Err(CallError::Exited(ExitReason::Shutdown)));
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// 6.2: the mailbox is closed and its queued messages dropped before
/// `stop()` returns, although clients that could send to it remain.
#[tokio::test]
async fn queued_messages_are_dropped_by_the_time_stop_returns() {
    let (server, log, _) = worker().await;
    let gate = hold(&server).await;
    let parcel_dropped = Arc::new(AtomicBool::new(false));
    server
        .info(Parcel(Canary(parcel_dropped.clone())))
        .await
        .unwrap();
    let mut stopping = Box::pin(server.stop_with(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    gate.notify_one();
    stopping.await.unwrap();
    assert!(parcel_dropped.load(Ordering::SeqCst), "the queued parcel");
    assert_eq!(
        *log.lock().unwrap(),
        ["hold", "released", "terminate: shutdown"]
    );
}

/// 6.3: a cast handler that asks to stop and then panics ends the server
/// with its panic, not with the reason it asked for.
#[tokio::test]
async fn a_handler_that_panics_after_asking_to_stop_ends_with_its_panic() {
    let (server, log, _) = worker().await;
    server.quit_then_panic().await.unwrap();
    let panicked = ExitReason::Panicked {
        message: "panicked after asking to stop".into(),
    };
    assert_eq!(server.wait().await, panicked);
    assert_eq!(
        *log.lock().unwrap(),
        ["terminate: panicked: panicked after asking to stop"]
    );
}

/// 6.4: `stop()` from one of the server's own handlers fails at once with
/// `CallingSelf`, and the server runs on.
#[tokio::test(start_paused = true)]
async fn stop_from_the_servers_own_handler_is_calling_self() {
    let (server, log, _) = worker().await;
    let began = tokio::time::Instant::now();
    assert_eq!(server.stop_myself().await, Ok(Err(StopError::CallingSelf)));
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert!(server.is_alive());
    assert!(log.lock().unwrap().is_empty(), "terminate did not run");
}

/// 6.7: `wait()`, or a monitor, awaited in one of the server's own
/// handlers does not return: the server cannot end while its handler
/// waits.
#[tokio::test(start_paused = true)]
async fn wait_or_a_monitor_in_the_servers_own_handler_does_not_return() {
    let (server, _, _) = worker().await;
    assert_eq!(server.without_timeout().wait_for_myself().await, Ok(true));
    assert_eq!(server.without_timeout().monitor_myself().await, Ok(true));
    assert!(server.is_alive());
}

/// 6.8: in a full bounded mailbox `stop_after_queued` waits for room in
/// turn, behind a sender that began to wait before it: that sender's
/// message is handled before the stop.
#[tokio::test(start_paused = true)]
async fn stop_after_queued_waits_for_room_in_a_full_mailbox() {
    let log = Log::default();
    let server = Worker::start_with(
        Worker {
            log: log.clone(),
            _canary: Canary(Arc::new(AtomicBool::new(false))),
        },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let gate = hold(&server).await;
    let mut first = Box::pin(server.work(1));
    assert!(poll_once(first.as_mut()).await.is_none());
    // The mailbox is full: this one waits for room.
    let mut second = Box::pin(server.work(2));
    assert!(poll_once(second.as_mut()).await.is_none());
    let mut stopping = Box::pin(server.stop_after_queued(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());

    gate.notify_one();
    // Each sender queues its message when polled once given room: await
    // them in the order they wait.
    assert_eq!(first.await, Ok(1));
    assert_eq!(second.await, Ok(2));
    stopping.await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "hold",
            "released",
            "work 1",
            "work 2",
            "terminate: shutdown"
        ]
    );
}

/// 6.8: the queued stop is not a message: a `queue_len` read before it
/// counts the messages on both sides of it, and not the request.
#[tokio::test(start_paused = true)]
async fn a_queue_len_read_before_a_queued_stop_counts_the_messages_behind_it() {
    let (server, _, _) = worker().await;
    let gate = hold(&server).await;
    let mut stats = Box::pin(server.stats());
    assert!(poll_once(stats.as_mut()).await.is_none());
    let mut before = Box::pin(server.work(1));
    assert!(poll_once(before.as_mut()).await.is_none());
    let mut stopping = Box::pin(server.stop_after_queued(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    let mut after = Box::pin(server.work(2));
    assert!(poll_once(after.as_mut()).await.is_none());

    gate.notify_one();
    assert_eq!(stats.await.map(|s| s.queue_len), Ok(2));
    stopping.await.unwrap();
    assert_eq!(before.await, Ok(1));
    assert_eq!(after.await, Err(CallError::Exited(ExitReason::Shutdown)));
}

/// 6.4: a stop requested while the server is in a handler that then
/// panics (the server ends on its own first) returns `Ok` once the server
/// has ended; the reason is the panic.
#[tokio::test]
async fn a_stop_returns_ok_when_the_server_ends_on_its_own_first() {
    let (server, log, dropped) = worker().await;
    let gate = hold_then_panic(&server).await;
    let mut stopping = Box::pin(server.stop());
    assert!(poll_once(stopping.as_mut()).await.is_none());
    gate.notify_one();
    assert_eq!(stopping.await, Ok(()));
    assert!(dropped.load(Ordering::SeqCst), "the server has ended");
    let panicked = ExitReason::Panicked {
        message: "panicked while a stop waited".into(),
    };
    assert_eq!(server.wait().await, panicked);
    assert_eq!(
        *log.lock().unwrap(),
        ["terminate: panicked: panicked while a stop waited"]
    );
}

/// 6.8: so does a queued stop whose server ends on its own before
/// reaching the request; once the server has ended, it is `NoProc`.
#[tokio::test]
async fn a_queued_stop_returns_ok_when_the_server_ends_on_its_own_first() {
    let (server, _, dropped) = worker().await;
    let gate = hold_then_panic(&server).await;
    let mut stopping = Box::pin(server.stop_after_queued(ExitReason::Normal));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    gate.notify_one();
    assert_eq!(stopping.await, Ok(()));
    assert!(dropped.load(Ordering::SeqCst), "the server has ended");
    assert!(matches!(server.wait().await, ExitReason::Panicked { .. }));
    assert_eq!(
        server.stop_after_queued(ExitReason::Normal).await,
        Err(StopError::NoProc)
    );
}

/// 2.3: while `terminate` runs, info sends are accepted and dropped with
/// the mailbox, as casts are; once the server has ended, they hand the
/// message back.
#[tokio::test]
async fn info_sends_during_terminate_are_accepted_and_dropped() {
    let (server, log, entered, gate) = lingering().await;
    let stopping = tokio::spawn({
        let server = server.clone();
        async move { server.stop().await }
    });
    entered.notified().await;
    assert!(server.info(Noted("during terminate".into())).await.is_ok());
    assert!(server.try_info(Noted("during terminate".into())).is_ok());
    gate.notify_one();
    stopping.await.unwrap().unwrap();
    assert_eq!(*log.lock().unwrap(), ["terminated"]);
    assert!(matches!(
        server.info(Noted("after".into())).await,
        Err(SendError(LingeringMessage::Noted(Noted(text)))) if text == "after"
    ));
}

/// Reports `Context::is_stopping` around its own `ctx.stop`, and in
/// `terminate`.
struct StopWatcher {
    in_terminate: Arc<Mutex<Option<bool>>>,
}

#[genserver]
impl StopWatcher {
    /// `is_stopping` before and after `ctx.stop`.
    #[call]
    fn stop_and_report(&mut self, ctx: &mut Context<Self>) -> (bool, bool) {
        let before = ctx.is_stopping();
        ctx.stop(ExitReason::Shutdown);
        (before, ctx.is_stopping())
    }

    #[call]
    fn is_stopping(&self, ctx: &mut Context<Self>) -> bool {
        ctx.is_stopping()
    }

    /// Asks to stop, then fails: the failure is the reason.
    #[cast]
    fn stop_then_fail(&mut self, panic: bool, ctx: &mut Context<Self>) -> Result<(), &'static str> {
        ctx.stop(ExitReason::Shutdown);
        assert!(!panic, "failed after stopping");
        Err("failed after stopping")
    }

    #[terminate]
    fn terminate(&mut self, ctx: &mut Context<Self>) {
        *self.in_terminate.lock().unwrap() = Some(ctx.is_stopping());
    }
}

// `Context::is_stopping`: from `ctx.stop` until the handler that called it
// returns; `terminate` has its reason as its argument instead.
#[tokio::test]
async fn is_stopping_holds_from_ctx_stop_to_the_end_of_its_handler() {
    let in_terminate = Arc::new(Mutex::new(None));
    let server = StopWatcher::start(StopWatcher {
        in_terminate: in_terminate.clone(),
    })
    .await
    .unwrap();
    assert_eq!(server.is_stopping().await, Ok(false));
    assert_eq!(server.stop_and_report().await, Ok((false, true)));
    assert_eq!(server.wait().await, ExitReason::Shutdown);
    assert_eq!(*in_terminate.lock().unwrap(), Some(false));
}

// A handler that asks to stop and then fails: the server ends with the
// failure, and `terminate` sees no stop pending, as after any end.
#[tokio::test]
async fn is_stopping_is_false_in_terminate_after_a_stop_then_a_failure() {
    for panic in [false, true] {
        let in_terminate = Arc::new(Mutex::new(None));
        let server = StopWatcher::start(StopWatcher {
            in_terminate: in_terminate.clone(),
        })
        .await
        .unwrap();
        server.stop_then_fail(panic).await.unwrap();
        let reason = server.wait().await;
        assert_eq!(
            matches!(reason, ExitReason::Panicked { .. }),
            panic,
            "{reason:?}"
        );
        assert_eq!(*in_terminate.lock().unwrap(), Some(false), "panic: {panic}");
    }
}

/// What `stop()` on its own server answered, and the time it took.
type SelfStop = (Result<(), StopError>, Duration);

/// Stops its own server through its client from `init` and from
/// `terminate`, and sends what each stop answered.
struct StopsItself {
    answers: tokio::sync::mpsc::UnboundedSender<SelfStop>,
}

async fn stop_itself(me: &StopsItselfClient) -> SelfStop {
    let began = tokio::time::Instant::now();
    (me.stop().await, began.elapsed())
}

#[genserver]
impl StopsItself {
    #[init]
    async fn init(
        answers: tokio::sync::mpsc::UnboundedSender<SelfStop>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        let _ = answers.send(stop_itself(&ctx.client()).await);
        Ok(StopsItself { answers })
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = self.answers.send(stop_itself(&ctx.client()).await);
    }
}

/// 6.4: `init` and `terminate` run in the server's task as its handlers
/// do: a `stop()` of their own server would wait for itself, and fails at
/// once with `CallingSelf`; the server runs on after `init`.
#[tokio::test(start_paused = true)]
async fn stop_from_init_or_terminate_is_calling_self() {
    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let server = StopsItself::start(tx).await.unwrap();
    let from_init = answers.recv().await.unwrap();
    assert_eq!(server.ping().await, Ok(()));
    server.stop().await.unwrap();
    let from_terminate = answers.recv().await.unwrap();

    let at_once = (Err(StopError::CallingSelf), Duration::ZERO);
    assert_eq!(from_init, at_once);
    assert_eq!(from_terminate, at_once);
}

/// A message `terminate` asks for later.
#[derive(Clone)]
struct Later(&'static str);

/// Asks in `terminate` for a timer, an interval, a continue and an idle
/// timeout, and logs any of them handled.
struct AsksInTerminate {
    log: Log,
}

#[genserver]
impl AsksInTerminate {
    #[info]
    fn later(&mut self, Later(what): Later) {
        self.log.lock().unwrap().push(what.into());
    }

    #[info]
    fn idle(&mut self, _: genserver::IdleTimeout) {
        self.log.lock().unwrap().push("idle".into());
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = ctx.send_after(Duration::ZERO, Later("timer"));
        let _ = ctx.send_interval(Duration::from_millis(10), Later("interval"));
        ctx.continue_with(Later("continue"));
        ctx.set_idle_timeout(Duration::ZERO);
        ctx.stop(ExitReason::Shutdown);
        self.log.lock().unwrap().push("terminated".into());
    }
}

/// 6.2: none of the server's code runs after `terminate`: what it asks of
/// its context for later is never handled, and the end keeps its reason.
#[tokio::test(start_paused = true)]
async fn what_terminate_asks_for_later_is_never_handled() {
    let log = Log::default();
    let server = AsksInTerminate::start(AsksInTerminate { log: log.clone() })
        .await
        .unwrap();
    server.stop().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(*log.lock().unwrap(), ["terminated"]);
    assert_eq!(server.wait().await, ExitReason::Normal);
}
