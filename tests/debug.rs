//! Debugging and statistics: reading and replacing the state in the
//! server's task, and the counters of `stats` (docs/semantics.md,
//! section 9).

mod runtime_support;

use std::pin::pin;
use std::time::Duration;

use genserver::prelude::*;
use runtime_support::poll_once;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// A list of words, and a handler that waits on a gate.
struct Words {
    words: Vec<String>,
}

#[genserver]
impl Words {
    #[cast]
    fn push(&mut self, word: String) {
        self.words.push(word);
    }

    #[call]
    fn count(&self) -> usize {
        self.words.len()
    }

    /// Holds the server until `gate` opens.
    #[call]
    async fn hold(&mut self, gate: oneshot::Receiver<()>) -> usize {
        let _ = gate.await;
        self.words.len()
    }

    /// Asks for its own state through its own address.
    #[call]
    async fn inspect_self(&mut self, ctx: &mut Context<Self>) -> Result<usize, CallError> {
        ctx.server_ref().inspect_state(|w| w.words.len()).await
    }

    /// Pushes `word` in a continue, right after this call.
    #[call]
    fn push_next(&mut self, word: String, ctx: &mut Context<Self>) {
        ctx.continue_with(Later(word));
    }

    /// Pushes "idle" when nothing comes for `after`.
    #[call]
    fn push_when_idle(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.set_idle_timeout(after);
    }

    /// Pushes `word` from a timer, in `delay`.
    #[call]
    fn push_after(&mut self, delay: Duration, word: String, ctx: &mut Context<Self>) -> Timer {
        ctx.send_after(delay, Later(word))
    }

    /// Pushes `word` as the outcome of a task.
    #[call]
    fn push_from_a_task(&mut self, word: String, ctx: &mut Context<Self>) {
        ctx.spawn_task(async move { word });
    }

    #[info]
    fn later(&mut self, Later(word): Later) {
        self.words.push(word);
    }

    #[info]
    fn idle(&mut self, _: IdleTimeout) {
        self.words.push("idle".to_owned());
    }

    #[info]
    fn task_done(&mut self, done: TaskDone<String>) {
        self.words.push(done.result.unwrap());
    }
}

/// A word pushed by the runtime: from a continue or a timer.
#[derive(Clone)]
struct Later(String);

async fn words(initial: &[&str]) -> WordsClient {
    Words::start(Words {
        words: initial.iter().map(|w| (*w).to_owned()).collect(),
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn inspect_state_reads_the_state_in_the_servers_task() {
    let server = words(&["a", "b"]).await;
    let seen = server.inspect_state(|w| w.words.join(",")).await.unwrap();
    assert_eq!(seen, "a,b");
    // The same through the address.
    let len = server
        .server_ref()
        .inspect_state(|w| w.words.len())
        .await
        .unwrap();
    assert_eq!(len, 2);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn inspect_state_sees_the_messages_queued_before_it() {
    let server = words(&[]).await;
    server.push("one".to_owned()).await.unwrap();
    server.push("two".to_owned()).await.unwrap();
    let seen = server.inspect_state(|w| w.words.clone()).await.unwrap();
    assert_eq!(seen, ["one", "two"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn replace_state_replaces_it_for_the_messages_after() {
    let server = words(&["old"]).await;
    server
        .replace_state(|w| Words {
            words: w
                .words
                .iter()
                .map(|x| x.to_uppercase())
                .chain(["new".to_owned()])
                .collect(),
        })
        .await
        .unwrap();
    assert_eq!(server.count().await.unwrap(), 2);
    let seen = server.inspect_state(|w| w.words.clone()).await.unwrap();
    assert_eq!(seen, ["OLD", "new"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_replace_leaves_the_state_unchanged_and_the_server_running() {
    let server = words(&["kept"]).await;
    let result = server
        .replace_state(|_| -> Words { panic!("no new state") })
        .await;
    assert_eq!(
        result,
        Err(CallError::Panicked {
            message: "no new state".into()
        })
    );
    assert!(server.is_alive());
    assert_eq!(server.count().await.unwrap(), 1);
    let seen = server.inspect_state(|w| w.words.clone()).await.unwrap();
    assert_eq!(seen, ["kept"]);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_inspect_leaves_the_server_running() {
    let server = words(&["kept"]).await;
    let result = server
        .inspect_state(|w| -> usize { panic!("cannot read {} words", w.words.len()) })
        .await;
    assert_eq!(
        result,
        Err(CallError::Panicked {
            message: "cannot read 1 words".into()
        })
    );
    assert_eq!(server.count().await.unwrap(), 1);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn state_requests_to_a_stopped_server_or_to_itself_fail_at_once() {
    let server = words(&["x"]).await;
    assert_eq!(
        server.inspect_self().await.unwrap(),
        Err(CallError::CallingSelf)
    );
    server.stop().await.unwrap();
    assert_eq!(server.stats().await, Err(CallError::NoProc));
    assert_eq!(
        server.inspect_state(|w| w.words.len()).await,
        Err(CallError::NoProc)
    );
    assert_eq!(
        server.replace_state(|_| Words { words: Vec::new() }).await,
        Err(CallError::NoProc)
    );
}

#[tokio::test]
async fn stats_count_the_messages_handled_but_not_themselves() {
    let server = words(&[]).await;
    assert_eq!(server.stats().await.unwrap().messages_handled, 0);
    for word in ["a", "b", "c"] {
        server.push(word.to_owned()).await.unwrap();
    }
    assert_eq!(server.count().await.unwrap(), 3);
    let stats = server.stats().await.unwrap();
    assert_eq!(stats.messages_handled, 4);
    assert_eq!(stats.queue_len, 0);
    // Neither stats nor state requests count as handled messages.
    server.inspect_state(|_| ()).await.unwrap();
    assert_eq!(server.stats().await.unwrap().messages_handled, 4);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stats_report_the_messages_queued_behind_the_request() {
    let server = words(&[]).await;
    let (open, gate) = oneshot::channel();
    let mut held = pin!(server.hold(gate));
    poll_once(held.as_mut()).await;

    let mut stats = pin!(server.stats());
    poll_once(stats.as_mut()).await;
    for word in ["a", "b", "c"] {
        server.push(word.to_owned()).await.unwrap();
    }
    // Runtime requests queued behind are not messages: not counted.
    let mut later_stats = pin!(server.stats());
    poll_once(later_stats.as_mut()).await;
    let mut inspect = pin!(server.inspect_state(|w| w.words.len()));
    poll_once(inspect.as_mut()).await;
    open.send(()).unwrap();
    assert_eq!(held.await.unwrap(), 0);
    let stats = stats.await.unwrap();
    assert_eq!(stats.queue_len, 3);
    assert_eq!(stats.messages_handled, 1);
    assert_eq!(
        later_stats.await.unwrap().queue_len,
        0,
        "only an inspection behind"
    );
    assert_eq!(inspect.await.unwrap(), 3);
    assert_eq!(server.count().await.unwrap(), 3);
    server.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn stats_report_the_uptime() {
    let server = words(&[]).await;
    assert_eq!(server.stats().await.unwrap().uptime, Duration::ZERO);
    tokio::time::sleep(Duration::from_secs(90)).await;
    assert_eq!(
        server.stats().await.unwrap().uptime,
        Duration::from_secs(90)
    );
    server.stop().await.unwrap();
}

/// A state whose `Drop` panics when told to.
struct Fragile {
    explodes: bool,
}

impl Drop for Fragile {
    fn drop(&mut self) {
        assert!(!self.explodes, "the old state exploded");
    }
}

#[genserver]
impl Fragile {
    #[call]
    fn explodes(&self) -> bool {
        self.explodes
    }
}

// The new state is in place when the old one's `Drop` panics: the call
// succeeds at once instead of waiting for its timeout.
#[tokio::test(start_paused = true)]
async fn a_replace_whose_old_state_panics_when_dropped_still_succeeds() {
    let fragile = Fragile::start(Fragile { explodes: true }).await.unwrap();
    let began = tokio::time::Instant::now();

    let replaced = fragile
        .server_ref()
        .replace_state(|_| Fragile { explodes: false })
        .await;

    assert_eq!(replaced, Ok(()));
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert_eq!(fragile.explodes().await, Ok(false));
    fragile.stop().await.unwrap();
}

/// Takes `init_takes` to start.
struct SlowStart;

#[genserver]
impl SlowStart {
    #[init]
    async fn init(init_takes: Duration) -> Result<Self, std::convert::Infallible> {
        tokio::time::sleep(init_takes).await;
        Ok(SlowStart)
    }
}

// Semantics 13.2: the uptime counts from the start, `init` included.
#[tokio::test(start_paused = true)]
async fn the_uptime_includes_init() {
    let slow = SlowStart::start(Duration::from_secs(3)).await.unwrap();
    assert_eq!(
        slow.stats().await.map(|s| s.uptime),
        Ok(Duration::from_secs(3))
    );
    slow.stop().await.unwrap();
}

// Semantics 13.2: continues, idle timeouts, timer messages and task
// outcomes are info messages, and counted as handled; a cancelled timer's
// message, dropped unhandled, is not.
#[tokio::test(start_paused = true)]
async fn stats_count_continues_idle_timeouts_timer_messages_and_task_outcomes() {
    let server = words(&[]).await;
    let handled = async || server.stats().await.unwrap().messages_handled;
    let words = async || server.inspect_state(|w| w.words.clone()).await.unwrap();

    server.push_next("continued".to_owned()).await.unwrap();
    assert_eq!(words().await, ["continued"]);
    assert_eq!(handled().await, 2, "the call and its continue");

    server.push_when_idle(10 * MS).await.unwrap();
    tokio::time::sleep(20 * MS).await;
    assert_eq!(words().await, ["continued", "idle"]);
    assert_eq!(handled().await, 4, "the call and the idle timeout");

    let _timer = server
        .push_after(10 * MS, "timed".to_owned())
        .await
        .unwrap();
    tokio::time::sleep(20 * MS).await;
    assert_eq!(words().await, ["continued", "idle", "timed"]);
    assert_eq!(handled().await, 6, "the call and the timer message");

    server.push_from_a_task("tasked".to_owned()).await.unwrap();
    // The task and its outcome run before the paused clock moves.
    tokio::time::sleep(MS).await;
    assert_eq!(words().await, ["continued", "idle", "timed", "tasked"]);
    assert_eq!(handled().await, 8, "the call and the task outcome");

    // A timer message queued behind `hold`, then cancelled.
    let timer = server.push_after(MS, "cancelled".to_owned()).await.unwrap();
    let (open, gate) = oneshot::channel();
    let mut held = pin!(server.hold(gate));
    poll_once(held.as_mut()).await;
    tokio::time::sleep(10 * MS).await;
    assert!(!timer.is_active(), "fired: its message is queued");
    timer.cancel();
    open.send(()).unwrap();
    assert_eq!(held.await.unwrap(), 4);
    assert_eq!(words().await, ["continued", "idle", "timed", "tasked"]);
    assert_eq!(handled().await, 10, "`push_after` and `hold` only");
    server.stop().await.unwrap();
}

/// Asks for its own stats and state in `init` and in `terminate`, and
/// sends what it got.
struct AsksItself {
    answers: mpsc::UnboundedSender<SelfAnswers>,
}

/// What `stats` and `inspect_state` answered, and the time they took.
type SelfAnswers = (Result<(), CallError>, Result<(), CallError>, Duration);

async fn ask_itself(me: &ServerRef<AsksItself>) -> SelfAnswers {
    let began = Instant::now();
    let stats = me.stats().await.map(drop);
    let inspected = me.inspect_state(|_| ()).await;
    (stats, inspected, began.elapsed())
}

#[genserver]
impl AsksItself {
    #[init]
    async fn init(
        answers: mpsc::UnboundedSender<SelfAnswers>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        let _ = answers.send(ask_itself(ctx.server_ref()).await);
        Ok(AsksItself { answers })
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = self.answers.send(ask_itself(ctx.server_ref()).await);
    }
}

// Semantics 13.3: from the server's own `init` and `terminate`, as from
// its handlers, `stats` and `inspect_state` answer `CallingSelf` at once
// instead of waiting for their timeout.
#[tokio::test(start_paused = true)]
async fn stats_and_inspect_state_from_init_and_terminate_are_calling_self_at_once() {
    let (tx, mut answers) = mpsc::unbounded_channel();
    let server = AsksItself::start(tx).await.unwrap();
    let from_init = answers.recv().await.unwrap();
    server.stop().await.unwrap();
    let from_terminate = answers.recv().await.unwrap();

    let at_once = (
        Err(CallError::CallingSelf),
        Err(CallError::CallingSelf),
        Duration::ZERO,
    );
    assert_eq!(from_init, at_once);
    assert_eq!(from_terminate, at_once);
}

/// 9.2: `stats` goes through the mailbox: in a full bounded mailbox it
/// waits for room, within its timeout.
#[tokio::test(start_paused = true)]
async fn stats_wait_for_room_in_a_full_bounded_mailbox_within_their_timeout() {
    let server = Words::start_with(
        Words { words: Vec::new() },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let (open, gate) = oneshot::channel();
    let mut held = pin!(server.hold(gate));
    assert!(poll_once(held.as_mut()).await.is_none());
    tokio::task::yield_now().await;
    // The server holds; the push fills the mailbox.
    server.push("a".to_owned()).await.unwrap();

    let began = Instant::now();
    assert_eq!(
        server.with_timeout(Duration::from_secs(1)).stats().await,
        Err(CallError::Timeout)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(1));

    let mut stats = pin!(server.stats());
    assert!(poll_once(stats.as_mut()).await.is_none(), "it waits");
    open.send(()).unwrap();
    assert_eq!(held.await, Ok(0));
    let stats = stats.await.unwrap();
    assert_eq!(stats.messages_handled, 2, "`hold` and the push");
    assert_eq!(stats.queue_len, 0);
    server.stop().await.unwrap();
}

// Semantics 13.2: a cancelled timer's message, queued behind a `stats`
// request, is not counted in its `queue_len`; a message still to be
// handled is.
#[tokio::test(start_paused = true)]
async fn queue_len_leaves_out_a_cancelled_timers_message() {
    let server = words(&[]).await;
    let timer = server
        .push_after(10 * MS, "cancelled".to_owned())
        .await
        .unwrap();
    let (open, gate) = oneshot::channel();
    let mut held = pin!(server.hold(gate));
    assert!(poll_once(held.as_mut()).await.is_none());
    let mut stats = pin!(server.stats());
    assert!(poll_once(stats.as_mut()).await.is_none());
    // The timer's message is queued behind the request, then cancelled.
    tokio::time::sleep(20 * MS).await;
    assert!(!timer.is_active(), "fired: its message is queued");
    timer.cancel();
    server.push("kept".to_owned()).await.unwrap();

    open.send(()).unwrap();
    assert_eq!(held.await, Ok(0));
    assert_eq!(stats.await.map(|s| s.queue_len), Ok(1));
    assert_eq!(server.count().await, Ok(1));
    server.stop().await.unwrap();
}

/// Has a handler named `stats`.
struct OwnStats;

#[genserver]
impl OwnStats {
    #[call]
    fn stats(&self) -> u32 {
        42
    }
}

// Semantics 13.1: a handler named like one of `ClientExt`'s requests takes
// precedence on that server's client; the address still has the runtime's.
#[tokio::test]
async fn a_handler_named_stats_takes_precedence_on_the_client() {
    let server = OwnStats::start(OwnStats).await.unwrap();
    assert_eq!(server.stats().await, Ok(42));
    let runtime_stats = server.server_ref().stats().await.unwrap();
    assert_eq!(runtime_stats.messages_handled, 1, "the `stats` handler");
    server.stop().await.unwrap();
}

/// Sets its flag when dropped.
struct Tracked(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[genserver]
impl Tracked {
    #[call]
    fn ping(&self) {}
}

// Semantics 9.1: once `replace_state`'s new state is in place, the old one
// is dropped: by the time the call returns, the new one is still alive.
#[tokio::test]
async fn replace_state_drops_the_old_state() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let (old, new) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let tracked = Tracked::start(Tracked(old.clone())).await.unwrap();
    let replacement = new.clone();
    tracked
        .replace_state(move |_| Tracked(replacement))
        .await
        .unwrap();
    assert!(old.load(Ordering::SeqCst), "the old state was dropped");
    assert!(!new.load(Ordering::SeqCst), "the new state is in place");
    tracked.stop().await.unwrap();
    assert!(new.load(Ordering::SeqCst));
}

/// Traps exits, and holds itself on a gate.
struct Trapper {
    exits: usize,
}

#[genserver]
impl Trapper {
    #[init]
    async fn init((): (), ctx: &mut Context<Self>) -> Result<Self, std::convert::Infallible> {
        ctx.trap_exits(true);
        Ok(Trapper { exits: 0 })
    }

    #[call]
    fn link_to(&mut self, peer: WordsClient, ctx: &mut Context<Self>) {
        ctx.link(&peer);
    }

    #[call]
    async fn hold(&mut self, gate: oneshot::Receiver<()>) {
        let _ = gate.await;
    }

    #[call]
    fn exits(&self) -> usize {
        self.exits
    }

    #[info]
    fn exit(&mut self, _: Exit) {
        self.exits += 1;
    }
}

// Semantics 9.2 and 17.4: a trapped exit signal waiting behind a `stats`
// request is a message still to be handled, and counts in `queue_len`.
#[tokio::test(start_paused = true)]
async fn queue_len_counts_trapped_exits() {
    let trapper = Trapper::start(()).await.unwrap();
    let peers = [words(&[]).await, words(&[]).await];
    for peer in &peers {
        trapper.link_to(peer.clone()).await.unwrap();
    }
    let (open, gate) = oneshot::channel();
    let mut held = pin!(trapper.hold(gate));
    assert!(poll_once(held.as_mut()).await.is_none());
    let mut stats = pin!(trapper.stats());
    assert!(poll_once(stats.as_mut()).await.is_none());
    for peer in &peers {
        peer.stop_with(ExitReason::Shutdown).await.unwrap();
    }

    open.send(()).unwrap();
    held.await.unwrap();
    assert_eq!(stats.await.map(|s| s.queue_len), Ok(2));
    assert_eq!(trapper.exits().await, Ok(2));
    trapper.stop().await.unwrap();
}

/// A supervised child that crashes on request.
struct Crashing;

#[genserver]
impl Crashing {
    #[call]
    fn ping(&self) {}

    #[cast]
    fn crash(&mut self) {
        panic!("crashed on request");
    }
}

/// 9.2: `restarts` counts the restarts behind one address; the address
/// that `restart_child` gives a terminated child starts again from 0.
#[tokio::test(start_paused = true)]
async fn restart_child_gives_an_address_whose_restarts_start_from_zero() {
    use genserver::{ChildSpec, Strategy, Supervisor, SupervisorSpec};

    let spec = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::server::<Crashing>("c", || Crashing));
    let sup = Supervisor::start(spec).await.unwrap();
    let child = sup.child::<Crashing>("c").await.unwrap();
    child.crash().await.unwrap();
    assert!(matches!(child.wait().await, ExitReason::Panicked { .. }));
    child.ping().await.unwrap();
    assert_eq!(child.stats().await.unwrap().restarts, 1);

    sup.terminate_child("c").await.unwrap();
    let again = sup
        .restart_child("c")
        .await
        .unwrap()
        .client::<Crashing>()
        .unwrap();
    assert_eq!(again.stats().await.unwrap().restarts, 0);
    sup.stop().await.unwrap();
}
