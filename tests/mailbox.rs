//! Bounded and unbounded mailboxes (docs/semantics.md, section 2).

mod runtime_support;

use std::sync::Arc;

use genserver::prelude::*;
use runtime_support::poll_once;
use tokio::sync::Notify;

struct Sink {
    received: Vec<u32>,
}

/// Holds the server until notified.
struct Hold(Arc<Notify>);

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
}

async fn bounded(capacity: usize) -> SinkClient {
    Sink::start_with(
        Sink {
            received: Vec::new(),
        },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(capacity)),
    )
    .await
    .unwrap()
}

/// Holds `sink` in a handler, then queues a `put(0)` behind it once the
/// hold is being handled (the mailbox has room again); returns the gate
/// that releases the hold.
async fn holding_then_put_zero(sink: &SinkClient) -> Arc<Notify> {
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    while sink.try_put(0).is_err() {
        tokio::task::yield_now().await;
    }
    gate
}

#[tokio::test]
async fn a_full_bounded_mailbox_reports_full_and_hands_the_message_back() {
    let sink = bounded(2).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    let held = loop {
        match sink.try_info(Hold(gate.clone())) {
            Ok(()) => {}
            Err(TrySendError::Full(message)) => break message,
            Err(other) => panic!("unexpected {other:?}"),
        }
    };
    assert!(matches!(held, SinkMessage::Hold(_)));
}

#[tokio::test]
async fn the_non_waiting_twin_of_a_cast_reports_full_with_the_message() {
    let sink = bounded(2).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    let mut sent = Vec::new();
    let refused = loop {
        let n = u32::try_from(sent.len()).unwrap();
        match sink.try_put(n) {
            Ok(()) => sent.push(n),
            Err(TrySendError::Full(message)) => break message,
            Err(other) => panic!("unexpected {other:?}"),
        }
    };
    assert!(matches!(refused, SinkMessage::Put((n,)) if n as usize == sent.len()));
    gate.notify_one();
    assert_eq!(sink.received().await.unwrap(), sent);
    sink.stop().await.unwrap();
    assert!(matches!(
        sink.try_put(9),
        Err(TrySendError::NoProc(SinkMessage::Put((9,))))
    ));
}

#[tokio::test]
async fn a_full_bounded_mailbox_makes_casts_wait_and_loses_nothing() {
    let sink = bounded(4).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    let producer = tokio::spawn({
        let sink = sink.clone();
        async move {
            for n in 0..100 {
                sink.put(n).await.unwrap();
            }
        }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!producer.is_finished(), "the producer waits for room");
    gate.notify_one();
    producer.await.unwrap();
    assert_eq!(sink.received().await.unwrap(), (0..100).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn senders_waiting_for_room_are_let_in_in_the_order_they_began_to_wait() {
    let sink = bounded(1).await;
    let gate = holding_then_put_zero(&sink).await;
    let mut senders = Vec::new();
    for n in 1..=5 {
        let sink = sink.clone();
        senders.push(tokio::spawn(async move { sink.put(n).await }));
        // Each sender waits for room before the next one starts.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert!(!senders.last().unwrap().is_finished());
    }
    gate.notify_one();
    for sender in senders {
        sender.await.unwrap().unwrap();
    }
    assert_eq!(sink.received().await.unwrap(), vec![0, 1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_unbounded_mailbox_never_makes_a_sender_wait() {
    let sink = Sink::start(Sink {
        received: Vec::new(),
    })
    .await
    .unwrap();
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    for n in 0..10_000 {
        assert!(
            sink.try_info(Hold(Arc::new(Notify::new()))).is_ok(),
            "full at {n}"
        );
    }
}

#[tokio::test]
async fn two_servers_casting_to_each_other_do_not_deadlock() {
    /// Forwards each number to its peer until it reaches zero.
    struct Relay {
        peer: Option<RelayClient>,
        seen: u32,
    }

    #[genserver]
    impl Relay {
        #[cast]
        fn connect(&mut self, peer: RelayClient) {
            self.peer = Some(peer);
        }

        #[cast]
        async fn bounce(&mut self, n: u32) {
            self.seen += 1;
            if let (Some(peer), true) = (&self.peer, n > 0) {
                // Many messages in flight at once, both ways.
                for _ in 0..2 {
                    let _ = peer.bounce(n - 1).await;
                }
            }
        }

        #[call]
        fn seen(&self) -> u32 {
            self.seen
        }
    }

    let a = Relay::start(Relay {
        peer: None,
        seen: 0,
    })
    .await
    .unwrap();
    let b = Relay::start(Relay {
        peer: None,
        seen: 0,
    })
    .await
    .unwrap();
    a.connect(b.clone()).await.unwrap();
    b.connect(a.clone()).await.unwrap();
    a.bounce(12).await.unwrap();
    // 2^13 - 1 bounces in all; wait until both have seen them.
    loop {
        let total = a.seen().await.unwrap() + b.seen().await.unwrap();
        if total == (1 << 13) - 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
}

/// 2.5: a flooded server lets the other tasks on its thread run.
#[tokio::test]
async fn a_server_with_a_long_queue_lets_other_tasks_on_its_thread_run() {
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Watcher {
        handled: u32,
        flag: Arc<AtomicBool>,
        /// How many messages had been handled when the flag was first seen.
        first_seen_after: Option<u32>,
    }

    #[genserver]
    impl Watcher {
        #[cast]
        fn tick(&mut self) {
            if self.first_seen_after.is_none() && self.flag.load(Ordering::SeqCst) {
                self.first_seen_after = Some(self.handled);
            }
            self.handled += 1;
        }

        #[call]
        fn first_seen_after(&self) -> Option<u32> {
            self.first_seen_after
        }
    }

    const QUEUED: u32 = 10_000;
    let flag = Arc::new(AtomicBool::new(false));
    // One thread: the server and the flag's task take turns on it.
    let watcher = Watcher::start(Watcher {
        handled: 0,
        flag: flag.clone(),
        first_seen_after: None,
    })
    .await
    .unwrap();
    for _ in 0..QUEUED {
        watcher.tick().await.unwrap();
    }
    // Scheduled behind the server, which has all its messages queued.
    tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
    let seen = watcher.first_seen_after().await.unwrap();
    assert!(
        seen.is_some_and(|n| n > 0 && n < QUEUED),
        "the flag's task ran after {seen:?} of {QUEUED} messages"
    );
}

/// 2.1: senders on several threads at once, tasks of a multi-thread
/// runtime and threads of their own, pushing into one mailbox (unbounded,
/// and bounded to 16 with the threads retrying `try_` sends): every
/// message is handled once, and each sender's in the order it sent them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn senders_on_several_threads_at_once_lose_nothing_and_keep_their_order() {
    const TASKS: u32 = 8;
    const THREADS: u32 = 4;
    const EACH: u32 = 5_000;
    for capacity in [None, Some(16)] {
        let sink = match capacity {
            None => Sink::start(Sink {
                received: Vec::new(),
            })
            .await
            .unwrap(),
            Some(capacity) => bounded(capacity).await,
        };
        let tasks: Vec<_> = (0..TASKS)
            .map(|from| {
                let sink = sink.clone();
                tokio::spawn(async move {
                    for n in 0..EACH {
                        sink.put(from * EACH + n).await.unwrap();
                    }
                })
            })
            .collect();
        let threads: Vec<_> = (TASKS..TASKS + THREADS)
            .map(|from| {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    for n in 0..EACH {
                        while let Err(error) = sink.try_put(from * EACH + n) {
                            assert!(matches!(error, TrySendError::Full(_)), "{error:?}");
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        for thread in threads {
            thread.join().unwrap();
        }
        let received = sink.received().await.unwrap();
        assert_eq!(received.len(), ((TASKS + THREADS) * EACH) as usize);
        for from in 0..TASKS + THREADS {
            let theirs: Vec<u32> = received
                .iter()
                .copied()
                .filter(|message| message / EACH == from)
                .collect();
            let sent: Vec<u32> = (from * EACH..(from + 1) * EACH).collect();
            assert_eq!(theirs, sent, "sender {from}, capacity {capacity:?}");
        }
        sink.stop().await.unwrap();
    }
}

/// 2.1 and 2.2: senders contending for a mailbox of one, each waiting for
/// room for some messages and retrying `try_` sends for others, each have
/// every message handled once, in the order they sent them.
#[tokio::test(start_paused = true)]
async fn senders_contending_for_a_mailbox_of_one_lose_nothing_and_keep_their_order() {
    const SENDERS: u32 = 6;
    const EACH: u32 = 200;
    let sink = bounded(1).await;
    let senders: Vec<_> = (0..SENDERS)
        .map(|from| {
            let sink = sink.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    let message = from * EACH + n;
                    if n % 3 == 0 {
                        loop {
                            match sink.try_put(message) {
                                Ok(()) => break,
                                Err(TrySendError::Full(_)) => tokio::task::yield_now().await,
                                Err(other) => panic!("unexpected {other:?}"),
                            }
                        }
                    } else {
                        sink.put(message).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let received = sink.received().await.unwrap();
    assert_eq!(received.len(), (SENDERS * EACH) as usize);
    for from in 0..SENDERS {
        let theirs: Vec<u32> = received
            .iter()
            .filter(|m| **m / EACH == from)
            .map(|m| m % EACH)
            .collect();
        assert_eq!(theirs, (0..EACH).collect::<Vec<_>>(), "sender {from}");
    }
}

/// 2.2: `Bounded(0)` holds one message, as `Bounded(1)` does.
#[tokio::test(start_paused = true)]
async fn a_mailbox_bounded_at_zero_holds_one_message() {
    let sink = bounded(0).await;
    let gate = Arc::new(Notify::new());
    // The server takes the hold and waits in it: the mailbox is empty.
    sink.info(Hold(Arc::clone(&gate))).await.unwrap();
    tokio::task::yield_now().await;
    sink.try_put(1).unwrap();
    assert!(matches!(sink.try_put(2), Err(TrySendError::Full(_))));
    gate.notify_one();
    assert_eq!(sink.received().await.unwrap(), [1]);
}

/// A bounded server whose `terminate` waits until let through.
struct Closing {
    terminating: Arc<Notify>,
    release: Arc<Notify>,
}

#[genserver]
impl Closing {
    #[cast]
    fn put(&mut self, _n: u32) {}

    #[call]
    fn ping(&self) {}

    #[info]
    async fn hold(&mut self, Hold(gate): Hold) {
        gate.notified().await;
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.terminating.notify_one();
        self.release.notified().await;
    }
}

/// 2.3: an ending server takes nothing more from its full bounded
/// mailbox, so a cast waiting for room keeps waiting through `terminate`
/// and gets its message back in `SendError` when the mailbox closes; a
/// call waiting for room ends with `Exited(reason)`.
#[tokio::test]
async fn sends_waiting_for_room_in_an_ending_server_fail_when_its_mailbox_closes() {
    let (terminating, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let server = Closing::start_with(
        Closing {
            terminating: terminating.clone(),
            release: release.clone(),
        },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap()
    .without_timeout();
    let gate = Arc::new(Notify::new());
    server.info(Hold(gate.clone())).await.unwrap();
    // The hold is being handled once the mailbox has room again; the put
    // then fills it.
    while server.try_put(0).is_err() {
        tokio::task::yield_now().await;
    }
    let mut cast = Box::pin(server.put(1));
    let mut call = Box::pin(server.ping());
    assert!(poll_once(cast.as_mut()).await.is_none(), "the cast waits");
    assert!(poll_once(call.as_mut()).await.is_none(), "the call waits");

    let mut stopping = Box::pin(server.stop_with(ExitReason::Shutdown));
    assert!(poll_once(stopping.as_mut()).await.is_none());
    gate.notify_one();
    terminating.notified().await;
    // The server is in `terminate`: the senders still wait for room.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(
        poll_once(cast.as_mut()).await.is_none(),
        "the cast still waits"
    );
    assert!(
        poll_once(call.as_mut()).await.is_none(),
        "the call still waits"
    );

    release.notify_one();
    assert_eq!(stopping.await, Ok(()));
    assert!(matches!(
        cast.await,
        Err(SendError(ClosingMessage::Put((1,))))
    ));
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Shutdown)));
}

/// 3.4 with 2.2: in a full bounded mailbox a zero timeout runs out while
/// the request waits for room, so it is never queued nor handled.
#[tokio::test(start_paused = true)]
async fn a_zero_timeout_call_to_a_full_mailbox_is_never_queued() {
    let sink = bounded(1).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    // The server takes `Hold` and waits in it; then `put(1)` fills the box.
    tokio::task::yield_now().await;
    sink.put(1).await.unwrap();
    assert!(matches!(sink.try_put(2), Err(TrySendError::Full(_))));

    let began = tokio::time::Instant::now();
    assert_eq!(
        sink.with_timeout(std::time::Duration::ZERO)
            .received()
            .await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), std::time::Duration::ZERO);

    gate.notify_one();
    assert_eq!(sink.received().await, Ok(vec![1]));
    // `Hold`, `put(1)` and the last `received`: the timed-out one never ran.
    assert_eq!(sink.stats().await.unwrap().messages_handled, 3);
}

/// 2.1: messages from different senders are handled in the order they
/// reached the mailbox, not taken in turns from each sender.
#[tokio::test]
async fn messages_from_different_senders_are_handled_in_arrival_order() {
    let sink = Sink::start(Sink {
        received: Vec::new(),
    })
    .await
    .unwrap();
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    // Two senders, each a task with a client of its own; all is queued
    // while the server holds: a, a, b, a.
    let send = |from: &SinkClient, n: u32| {
        let from = from.clone();
        tokio::spawn(async move { from.put(n).await.unwrap() })
    };
    let (a, b) = (sink.clone(), sink.clone());
    for (from, n) in [(&a, 1), (&a, 2), (&b, 3), (&a, 4)] {
        send(from, n).await.unwrap();
    }
    gate.notify_one();
    assert_eq!(sink.received().await.unwrap(), [1, 2, 3, 4]);
}

/// 2.3: an info send to a server that has stopped hands the message back
/// in `SendError`.
#[tokio::test]
async fn an_info_send_to_a_stopped_server_hands_the_message_back() {
    let sink = bounded(4).await;
    sink.stop().await.unwrap();
    let gate = Arc::new(Notify::new());
    match sink.info(Hold(gate.clone())).await {
        Err(SendError(SinkMessage::Hold(Hold(back)))) => assert!(Arc::ptr_eq(&back, &gate)),
        other => panic!("expected SendError(Hold), got {other:?}"),
    }
}

/// 2.2: the address's own `send` waits for room in a full bounded mailbox
/// as casts do, and `try_send` hands the message back in `Full`.
#[tokio::test(start_paused = true)]
async fn the_addresss_send_waits_for_room_and_try_send_reports_full() {
    let sink = bounded(1).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    tokio::task::yield_now().await;
    let address = sink.server_ref().clone();
    address.try_send(SinkMessage::Put((1,))).unwrap();
    assert!(matches!(
        address.try_send(SinkMessage::Put((2,))),
        Err(TrySendError::Full(SinkMessage::Put((2,))))
    ));
    let mut sending = Box::pin(address.send(SinkMessage::Put((3,))));
    assert!(poll_once(sending.as_mut()).await.is_none(), "it waits");
    gate.notify_one();
    sending.await.unwrap();
    assert_eq!(sink.received().await.unwrap(), [1, 3]);
}

/// 2.2: `info` returns a `SendFuture`: nothing is queued until it is
/// polled, and a send dropped while it waits for room queued nothing.
#[tokio::test(start_paused = true)]
async fn a_send_queues_nothing_before_it_is_polled_nor_once_dropped_waiting() {
    let sink = bounded(1).await;
    let gate = Arc::new(Notify::new());
    sink.info(Hold(gate.clone())).await.unwrap();
    tokio::task::yield_now().await;
    let open = Arc::new(Notify::new());
    open.notify_one();
    let unpolled = sink.info(Hold(open));
    sink.try_put(1).expect("the unpolled send took no place");
    let mut waiting = Box::pin(sink.server_ref().send(SinkMessage::Put((2,))));
    assert!(poll_once(waiting.as_mut()).await.is_none(), "it waits");
    drop(waiting);
    drop(unpolled);
    gate.notify_one();
    sink.put(3).await.unwrap();
    assert_eq!(sink.received().await.unwrap(), [1, 3]);
    assert_eq!(
        sink.stats().await.unwrap().messages_handled,
        4,
        "Hold, 1, 3, received"
    );
}

/// 2.2: a sender given room queues when its future is next polled; until
/// then the senders behind it wait, and `try_` sends report `Full`, even
/// with room free. Dropped (or polled), it lets the line move on at once.
#[tokio::test(start_paused = true)]
async fn a_waiting_send_kept_unpolled_holds_up_the_line_until_dropped() {
    let sink = bounded(2).await;
    let gate = holding_then_put_zero(&sink).await;
    sink.put(1).await.unwrap();
    let mut kept = Box::pin(sink.put(2));
    assert!(
        poll_once(kept.as_mut()).await.is_none(),
        "it waits for room"
    );

    gate.notify_one();
    // The server takes 0 and 1, and room goes to `kept`, which is not
    // polled: the line stays held though the mailbox has room.
    let received = tokio::time::timeout(std::time::Duration::from_secs(1), sink.received()).await;
    assert!(received.is_err(), "the call waited behind the kept send");
    assert!(matches!(sink.try_put(3), Err(TrySendError::Full(_))));

    drop(kept);
    assert!(sink.try_put(4).is_ok());
    assert_eq!(sink.received().await.unwrap(), vec![0, 1, 4]);
}

/// Ends on a cast, for a monitor to hear of.
struct Crasher;

#[genserver]
impl Crasher {
    #[cast]
    fn crash(&mut self) {
        panic!("crashed on purpose")
    }
}

/// A sink that monitors, and records what it handles.
struct Watching {
    log: Vec<String>,
}

/// Holds the server until `gate` is notified, after telling `entered`.
struct HoldTelling {
    entered: Arc<Notify>,
    gate: Arc<Notify>,
}

#[genserver]
impl Watching {
    #[cast]
    fn put(&mut self, n: u32) {
        self.log.push(format!("put {n}"));
    }

    #[call]
    fn watch(&mut self, target: CrasherClient, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    #[call]
    fn log(&self) -> Vec<String> {
        self.log.clone()
    }

    #[info]
    async fn hold(&mut self, hold: HoldTelling) {
        hold.entered.notify_one();
        hold.gate.notified().await;
    }

    #[info]
    fn down(&mut self, _: Down) {
        self.log.push("down".into());
    }
}

fn hold_telling() -> (HoldTelling, Arc<Notify>, Arc<Notify>) {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let hold = HoldTelling {
        entered: entered.clone(),
        gate: gate.clone(),
    };
    (hold, entered, gate)
}

/// 16.7 and 2.2: a notice takes a free place when there is one, also while
/// a sender in line holds the place it was given: it goes over the bound
/// of a full mailbox only, and the mailbox never holds more than its bound.
#[tokio::test(start_paused = true)]
async fn a_notice_takes_a_free_place_while_a_sender_in_line_holds_its_own() {
    let sink = Watching::start_with(
        Watching { log: Vec::new() },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(2)),
    )
    .await
    .unwrap();
    let crasher = Crasher::start(Crasher).await.unwrap();
    sink.watch(crasher.clone()).await.unwrap();
    let (hold, entered, gate) = hold_telling();
    sink.info(hold).await.unwrap();
    entered.notified().await;
    let (next_hold, next_entered, next_gate) = hold_telling();
    sink.try_put(1).unwrap();
    sink.try_info(next_hold).unwrap();
    let mut waiting = Box::pin(sink.put(3));
    assert!(poll_once(waiting.as_mut()).await.is_none(), "full: in line");

    // The server takes `put 1`, whose place goes to the sender in line, and
    // the second hold, whose place is free.
    gate.notify_one();
    next_entered.notified().await;
    crasher.crash().await.unwrap();
    crasher.wait().await;
    assert!(matches!(poll_once(waiting.as_mut()).await, Some(Ok(()))));
    // The `Down` and `put 3`: the mailbox is at its bound.
    assert!(matches!(sink.try_put(4), Err(TrySendError::Full(_))));

    next_gate.notify_one();
    assert_eq!(sink.log().await.unwrap(), ["put 1", "down", "put 3"]);
}

/// Tells whether it was handled, and whether it was dropped.
struct Parcel {
    handled: Arc<std::sync::atomic::AtomicBool>,
    dropped: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Parcel {
    fn drop(&mut self) {
        self.dropped
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Crashes on a cast, after a `terminate` that waits for `slow_end` when
/// it has one.
struct Fragile {
    slow_end: Option<Arc<Notify>>,
}

#[genserver]
impl Fragile {
    #[cast]
    fn crash(&mut self) {
        panic!("crashed on purpose")
    }

    #[info]
    async fn hold(&mut self, Hold(gate): Hold) {
        gate.notified().await;
    }

    #[info]
    fn parcel(&mut self, parcel: Parcel) {
        parcel
            .handled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        if let Some(gate) = &self.slow_end {
            gate.notified().await;
        }
    }
}

/// A `Fragile` with a mailbox of one, held in a handler with a crash
/// queued behind it, and a parcel's send waiting for room behind that.
async fn a_crash_ahead_of_a_waiting_send(
    slow_end: Option<Arc<Notify>>,
) -> (
    FragileClient,
    Arc<Notify>,
    tokio::task::JoinHandle<Result<(), SendError<FragileMessage>>>,
    [Arc<std::sync::atomic::AtomicBool>; 2],
) {
    let server = Fragile::start_with(
        Fragile { slow_end },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let gate = Arc::new(Notify::new());
    server.info(Hold(gate.clone())).await.unwrap();
    while server.try_crash().is_err() {
        tokio::task::yield_now().await;
    }
    let flags = [Arc::default(), Arc::default()];
    let parcel = Parcel {
        handled: Arc::clone(&flags[0]),
        dropped: Arc::clone(&flags[1]),
    };
    let send = tokio::spawn({
        let server = server.clone();
        async move { server.info(parcel).await }
    });
    tokio::task::yield_now().await;
    assert!(!send.is_finished(), "the send waits for room");
    (server, gate, send, flags)
}

/// 2.2 and 2.3: the room a server frees as it takes the message it
/// crashes on goes to the sender in line. Queued while the server ends
/// (here during its `terminate`), the message is accepted, the send
/// returns `Ok`, and the message is dropped with the mailbox, unhandled.
#[tokio::test(start_paused = true)]
async fn a_send_given_room_by_a_crashing_server_is_accepted_then_dropped() {
    let slow_end = Arc::new(Notify::new());
    let (server, gate, send, [handled, dropped]) =
        a_crash_ahead_of_a_waiting_send(Some(slow_end.clone())).await;
    gate.notify_one();
    assert!(
        send.await.unwrap().is_ok(),
        "accepted while the server ends"
    );
    assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
    slow_end.notify_one();
    assert!(matches!(server.wait().await, ExitReason::Panicked { .. }));
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    assert!(!handled.load(std::sync::atomic::Ordering::SeqCst));
}

/// 2.2 and 2.3: a sender given room by a crashing server that queues its
/// message only after the mailbox closed gets `SendError`, with the
/// message handed back.
#[tokio::test(start_paused = true)]
async fn a_send_given_room_after_the_mailbox_closed_gets_its_message_back() {
    let (server, gate, send, [handled, dropped]) = a_crash_ahead_of_a_waiting_send(None).await;
    gate.notify_one();
    assert!(matches!(server.wait().await, ExitReason::Panicked { .. }));
    let SendError(message) = send.await.unwrap().unwrap_err();
    assert!(
        !dropped.load(std::sync::atomic::Ordering::SeqCst),
        "handed back"
    );
    drop(message);
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    assert!(!handled.load(std::sync::atomic::Ordering::SeqCst));
}
