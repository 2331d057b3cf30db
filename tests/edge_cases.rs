//! Edge cases of the runtime contract (docs/semantics.md) that cross
//! sections: calls against full mailboxes, runtime shutdown, timers whose
//! target ends, supervisors with bounded mailboxes, servers whose clients
//! are all dropped, and what identifies and addresses a server.

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{
    AsServerRef, CallError, ChildSpec, ExitReason, Strategy, Supervisor, SupervisorSpec,
    send_after, whereis,
};
use tokio::sync::Notify;

struct Sink {
    received: Vec<u32>,
}

/// Holds the server in its handler until notified.
struct Hold(Arc<Notify>);

/// A timer's message.
struct Note;

#[genserver]
impl Sink {
    #[cast]
    fn put(&mut self, n: u32) {
        self.received.push(n);
    }

    #[call]
    fn received(&self) -> Vec<u32> {
        self.received.clone()
    }

    #[info]
    async fn hold(&mut self, Hold(gate): Hold) {
        gate.notified().await;
    }

    #[info]
    fn note(&mut self, _: Note) {}

    /// Whether `other` addresses this server.
    #[call]
    fn is_me(&self, other: ServerRef<Sink>, ctx: &mut Context<Self>) -> bool {
        *ctx.server_ref() == other
    }
}

fn sink() -> Sink {
    Sink {
        received: Vec::new(),
    }
}

/// A sink with a mailbox of one, busy in a handler until `gate` is
/// notified, with its mailbox full.
async fn full_sink(gate: &Arc<Notify>) -> SinkClient {
    let sink = Sink::start_with(
        sink(),
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    sink.info(Hold(Arc::clone(gate))).await.unwrap();
    // The hold is being handled once the mailbox has room again.
    while sink.try_info(Note).is_err() {
        tokio::task::yield_now().await;
    }
    assert!(matches!(sink.try_info(Note), Err(TrySendError::Full(_))));
    sink
}

/// A call with a 100 ms timeout to `sink`, whose mailbox is full, still
/// waiting for room 60 ms later.
async fn call_waiting_for_room(
    sink: &SinkClient,
) -> tokio::task::JoinHandle<Result<Vec<u32>, CallError>> {
    let call = tokio::spawn({
        let sink = sink.with_timeout(Duration::from_millis(100));
        async move { sink.received().await }
    });
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(!call.is_finished(), "the call waits for room");
    call
}

async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

// 3.1: a call ends at its timeout, also when it waits for room in a full
// bounded mailbox.
#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_room_in_a_full_mailbox_times_out() {
    let gate = Arc::new(Notify::new());
    let sink = full_sink(&gate).await;
    let began = tokio::time::Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(60),
        sink.with_timeout(Duration::from_millis(100)).received(),
    )
    .await
    .expect("the call ends at its own timeout");
    assert_eq!(outcome, Err(CallError::Timeout));
    assert_eq!(began.elapsed(), Duration::from_millis(100));
    gate.notify_one();
    assert_eq!(sink.received().await, Ok(vec![]));
}

// 3.1: a call that waits for room is queued once there is some, and
// answered.
#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_room_is_answered_once_there_is_room() {
    let gate = Arc::new(Notify::new());
    let sink = full_sink(&gate).await;
    let began = tokio::time::Instant::now();
    let call = call_waiting_for_room(&sink).await;
    gate.notify_one();
    assert_eq!(call.await.unwrap(), Ok(vec![]));
    assert_eq!(began.elapsed(), Duration::from_millis(60));
}

// 3.1: the timeout of a call counts its wait for room: room after 60 ms of
// 100 leaves 40 ms for the answer.
#[tokio::test(start_paused = true)]
async fn the_wait_for_room_counts_toward_the_timeout_of_a_call() {
    let (first, second) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let sink = Sink::start_with(
        sink(),
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    sink.info(Hold(Arc::clone(&first))).await.unwrap();
    // Queued once the first hold is being handled: the mailbox is full.
    while sink.try_info(Hold(Arc::clone(&second))).is_err() {
        tokio::task::yield_now().await;
    }
    let call = call_waiting_for_room(&sink).await;
    // The second hold is taken: the call is queued behind it.
    first.notify_one();
    let queued = tokio::time::Instant::now();
    assert_eq!(call.await.unwrap(), Err(CallError::Timeout));
    assert_eq!(queued.elapsed(), Duration::from_millis(40));
    second.notify_one();
    assert_eq!(sink.received().await, Ok(vec![]));
}

// 3.1: a server that stops while a call waits for room in its mailbox
// ends that call with its exit reason: the call was made while it ran.
#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_room_gets_the_exit_reason_when_the_server_stops() {
    let gate = Arc::new(Notify::new());
    let sink = full_sink(&gate).await;
    let call = tokio::spawn({
        let sink = sink.without_timeout();
        async move { sink.received().await }
    });
    settle().await;
    assert!(!call.is_finished(), "the call waits for room");
    let reason = ExitReason::error("closing");
    let stop = tokio::spawn({
        let (sink, reason) = (sink.clone(), reason.clone());
        async move { sink.stop_with(reason).await }
    });
    settle().await;
    gate.notify_one();
    stop.await.unwrap().unwrap();
    assert_eq!(call.await.unwrap(), Err(CallError::Exited(reason)));
    assert_eq!(sink.received().await, Err(CallError::NoProc));
}

// 6.5: a server whose runtime shuts down before its task ever ran is
// `Killed`: waiters are told and later calls fail, nothing hangs.
#[test]
fn a_server_whose_runtime_shuts_down_before_it_runs_is_killed() {
    let server_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A server without `init`: start returns before its task first runs.
    let sink = server_rt.block_on(async { Sink::start(sink()).await.unwrap() });
    drop(server_rt);

    let caller_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    caller_rt.block_on(async {
        let reason = tokio::time::timeout(Duration::from_secs(60), sink.wait())
            .await
            .expect("wait returns");
        assert_eq!(reason, ExitReason::Killed);
        assert!(!sink.is_alive());
        let call = tokio::time::timeout(Duration::from_secs(60), sink.without_timeout().received())
            .await
            .expect("the call ends");
        assert_eq!(call, Err(CallError::NoProc));
        assert!(matches!(sink.put(1).await, Err(SendError(_))));
    });
}

// 6.5: a call waiting on a server whose runtime shuts down ends with
// `Exited(Killed)`, even without a timeout.
#[test]
fn a_call_waiting_on_a_server_whose_runtime_shuts_down_ends() {
    let server_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let gate = Arc::new(Notify::new());
    let sink = server_rt.block_on(async {
        let sink = Sink::start(sink()).await.unwrap();
        sink.info(Hold(Arc::clone(&gate))).await.unwrap();
        settle().await;
        sink
    });
    let caller_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let call = caller_rt.spawn({
        let sink = sink.without_timeout();
        async move { sink.received().await }
    });
    caller_rt.block_on(settle());
    drop(server_rt);
    let outcome = caller_rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(5), call).await })
        .expect("the call ends")
        .unwrap();
    assert_eq!(outcome, Err(CallError::Exited(ExitReason::Killed)));
    assert_eq!(caller_rt.block_on(sink.wait()), ExitReason::Killed);
}

// 6.6: a server is not stopped when every client is dropped; it runs
// until it is stopped, as an OTP process does.
#[tokio::test]
async fn a_server_keeps_running_when_every_client_is_dropped() {
    let name = "edge:orphan";
    let sink = Sink::start_with(sink(), StartOptions::named(name))
        .await
        .unwrap();
    sink.put(7).await.unwrap();
    drop(sink);
    settle().await;
    let found = whereis::<Sink>(name).expect("still running");
    assert_eq!(found.received().await, Ok(vec![7]));
    found.stop().await.unwrap();
}

// `ServerRef`'s equality: two references are equal when they address the
// same server, whatever timeout each carries, held by a client or by the
// server's own context, and still once the server has stopped.
#[tokio::test(start_paused = true)]
async fn references_are_equal_when_they_address_the_same_server() {
    let a = Sink::start(sink()).await.unwrap();
    let b = Sink::start(sink()).await.unwrap();
    let to_a = a.server_ref().clone();
    assert_eq!(to_a, *a.server_ref());
    assert_eq!(to_a.with_timeout(Duration::from_millis(1)), to_a);
    assert_eq!(to_a.without_timeout(), to_a);
    assert_ne!(to_a, *b.server_ref());
    assert_eq!(a.is_me(to_a.clone()).await, Ok(true));
    assert_eq!(a.is_me(b.server_ref().clone()).await, Ok(false));

    a.stop().await.unwrap();
    assert_eq!(to_a, *a.server_ref());
    assert_ne!(to_a, *b.server_ref());
    b.stop().await.unwrap();
}

// `ServerId`: shown as `<n>`, `n` being `as_u64`, in `Display` and
// `Debug` alike; never reused, also once its server has stopped.
#[tokio::test(start_paused = true)]
async fn server_ids_show_as_their_number_and_are_never_reused() {
    let first = Sink::start(sink()).await.unwrap();
    let id = first.id();
    assert_eq!(id.to_string(), format!("<{}>", id.as_u64()));
    assert_eq!(format!("{id:?}"), format!("<{}>", id.as_u64()));
    first.stop().await.unwrap();
    let mut seen = vec![id];
    for _ in 0..20 {
        let next = Sink::start(sink()).await.unwrap();
        assert!(!seen.contains(&next.id()), "{:?} reused", next.id());
        seen.push(next.id());
        next.stop().await.unwrap();
    }
}

// `AsServerRef`: a client, a `ServerRef` and a `&ServerRef` (as
// `&client.server_ref()` gives) all address the server, so timers (and
// monitors and links) take any of them as they are.
#[tokio::test(start_paused = true)]
async fn a_client_a_reference_and_a_reference_to_it_all_address_the_server() {
    fn id_of<T: AsServerRef>(target: &T) -> genserver::ServerId {
        target.as_server_ref().id()
    }
    let sink = Sink::start(sink()).await.unwrap();
    assert_eq!(id_of(&sink), sink.id());
    assert_eq!(id_of(sink.server_ref()), sink.id());
    assert_eq!(id_of(&sink.server_ref()), sink.id());
    // Held: a dropped timer is cancelled.
    let _timers = [
        send_after(&sink, Duration::from_secs(1), Note),
        send_after(sink.server_ref(), Duration::from_secs(1), Note),
        send_after(&sink.server_ref(), Duration::from_secs(1), Note),
    ];
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.stats().await.unwrap().messages_handled, 3);
    sink.stop().await.unwrap();
}

struct Worker;

#[genserver]
impl Worker {
    #[call]
    fn ping(&self) -> u32 {
        1
    }

    #[cast]
    fn crash(&mut self) -> Result<(), String> {
        Err("crash".to_owned())
    }
}

/// A child whose `init` tells it has started, then waits for the gate.
struct Slow;

#[genserver]
impl Slow {
    #[init]
    async fn init((entered, gate): (Arc<Notify>, Arc<Notify>)) -> Result<Self, String> {
        entered.notify_one();
        gate.notified().await;
        Ok(Slow)
    }
}

// 15.2, 15.14, 16.7: an exit notice reaches a supervisor whose bounded
// mailbox is full, queued over the bound; the child is restarted once the
// supervisor is free again.
#[tokio::test(start_paused = true)]
async fn a_supervisor_with_a_full_bounded_mailbox_still_restarts_its_child() {
    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Worker>("worker", || Worker));
    let sup = Supervisor::start_with(
        spec,
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let worker = sup.child::<Worker>("worker").await.unwrap();

    // The supervisor is busy starting a slow child...
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let slow = tokio::spawn({
        let (sup, entered, gate) = (sup.clone(), Arc::clone(&entered), Arc::clone(&gate));
        async move {
            sup.start_child(ChildSpec::server::<Slow>("slow", move || {
                (Arc::clone(&entered), Arc::clone(&gate))
            }))
            .await
        }
    });
    entered.notified().await;
    // ...and its mailbox is full.
    let queued = tokio::spawn({
        let sup = sup.clone();
        async move { sup.which_children().await }
    });
    settle().await;

    worker.crash().await.unwrap();
    worker.wait().await;
    gate.notify_one();
    slow.await.unwrap().unwrap();
    queued.await.unwrap().unwrap();

    let pong = worker.with_timeout(Duration::from_secs(1)).ping().await;
    assert_eq!(pong, Ok(1), "the worker was restarted");
    sup.stop().await.unwrap();
}

// 18.5: `remaining()` is `None` once the timer's target has ended.
#[tokio::test(start_paused = true)]
async fn a_timer_reports_nothing_remaining_once_its_target_has_stopped() {
    let sink = Sink::start(sink()).await.unwrap();
    let timer = send_after(&sink, Duration::from_secs(60), Note);
    assert_eq!(timer.remaining(), Some(Duration::from_secs(60)));
    sink.stop().await.unwrap();
    assert_eq!(timer.remaining(), None);
    assert!(!timer.is_active());
}

/// A server whose `terminate` waits for a gate, then may panic.
struct Ender {
    gate: Arc<Notify>,
    entered: Arc<Notify>,
    panic: bool,
}

#[genserver]
impl Ender {
    #[call]
    fn ping(&self) -> u32 {
        1
    }

    #[terminate]
    async fn terminate(&mut self) {
        self.entered.notify_one();
        self.gate.notified().await;
        assert!(!self.panic, "terminate failed");
    }
}

// 5.3, 6.1, 6.4: two concurrent stops both return once the server has
// ended, the first reason wins; a call made while `terminate` runs gets
// that reason; a panic in `terminate` keeps it.
#[tokio::test(start_paused = true)]
async fn concurrent_stops_calls_during_terminate_and_a_panicking_terminate() {
    let (gate, entered) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let ender = Ender::start(Ender {
        gate: Arc::clone(&gate),
        entered: Arc::clone(&entered),
        panic: true,
    })
    .await
    .unwrap();
    let first = ExitReason::error("first");
    let stop_a = tokio::spawn({
        let (ender, first) = (ender.clone(), first.clone());
        async move { ender.stop_with(first).await }
    });
    entered.notified().await;
    let stop_b = tokio::spawn({
        let ender = ender.clone();
        async move { ender.stop_with(ExitReason::error("second")).await }
    });
    let call = tokio::spawn({
        let ender = ender.without_timeout();
        async move { ender.ping().await }
    });
    settle().await;
    assert!(!ender.is_alive());
    gate.notify_one();
    assert_eq!(stop_a.await.unwrap(), Ok(()));
    assert_eq!(stop_b.await.unwrap(), Ok(()));
    assert_eq!(call.await.unwrap(), Err(CallError::Exited(first.clone())));
    assert_eq!(ender.wait().await, first);
    assert_eq!(ender.stop().await, Err(genserver::StopError::NoProc));
}
