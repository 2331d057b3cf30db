//! Debugging and statistics: reading and replacing the state in the
//! server's task, and the counters of `stats` (docs/semantics.md,
//! section 9).

mod runtime_support;

use std::pin::pin;
use std::time::Duration;

use genserver::prelude::*;
use runtime_support::poll_once;
use tokio::sync::oneshot;

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
}

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
