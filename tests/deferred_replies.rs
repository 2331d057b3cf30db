//! Deferred replies: a handler keeps the `Reply` and answers later, from
//! the server or another task; a server that dies while a `Reply` is out
//! tells the caller at once (docs/semantics.md, section 7).

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Hands out values once they are known.
struct Vault {
    waiting: Vec<Reply<u32>>,
    /// Holds `terminate` until notified.
    gate: Option<Arc<Notify>>,
    /// What `terminate` answers the waiting calls with, and where it tells
    /// what each `send` returned.
    at_the_end: Option<(u32, oneshot::Sender<Vec<bool>>)>,
}

/// Where [`Vault::hand_out`] sends its reply.
struct HandOut(oneshot::Sender<Reply<u32>>);

#[genserver]
impl Vault {
    /// Answered by a later `provide`.
    #[call]
    fn wait_for_value(&mut self, reply: Reply<u32>) {
        self.waiting.push(reply);
    }

    /// Answered by another task after `delay`.
    #[call]
    fn answer_from_task(&mut self, delay: Duration, value: u32, reply: Reply<u32>) {
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            reply.send(value);
        });
    }

    /// Holds the reply while it waits for ever.
    #[call]
    async fn hold_while_waiting(&mut self, entered: Arc<Notify>, reply: Reply<u32>) {
        entered.notify_one();
        std::future::pending::<()>().await;
        drop(reply);
    }

    /// Dropped without an answer.
    #[call]
    fn never(&mut self, reply: Reply<u32>) {
        drop(reply);
    }

    /// Asks to stop, then drops the reply without an answer.
    #[call]
    fn stop_and_drop(&mut self, ctx: &mut Context<Self>, reply: Reply<u32>) {
        ctx.stop(ExitReason::Shutdown);
        drop(reply);
    }

    #[cast]
    fn provide(&mut self, value: u32) {
        for reply in self.waiting.drain(..) {
            reply.send(value);
        }
    }

    #[call]
    fn waiting(&self) -> usize {
        self.waiting.len()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("vault crashed")
    }

    /// Answers the waiting calls with `value` and tells, for each, whether
    /// its reply was closed before, and what `send` returned.
    #[cast]
    fn provide_and_tell(&mut self, value: u32, told: oneshot::Sender<Vec<(bool, bool)>>) {
        let sent = self
            .waiting
            .drain(..)
            .map(|r| (r.is_closed(), r.send(value)))
            .collect();
        let _ = told.send(sent);
    }

    /// Hands the reply to a task that answers when `go` fires and tells
    /// whether the reply was closed before, and what `send` returned.
    #[call]
    fn answer_when_told(
        &mut self,
        go: oneshot::Receiver<u32>,
        told: oneshot::Sender<(bool, bool)>,
        reply: Reply<u32>,
    ) {
        tokio::spawn(async move {
            if let Ok(value) = go.await {
                let _ = told.send((reply.is_closed(), reply.send(value)));
            }
        });
    }

    /// Answers at once, asks to stop, and holds `terminate` until `gate`.
    #[call]
    fn answer_then_stop(&mut self, gate: Arc<Notify>, ctx: &mut Context<Self>, reply: Reply<u32>) {
        reply.send(11);
        self.gate = Some(gate);
        ctx.stop(ExitReason::Normal);
    }

    /// Panics while it holds the reply, which is dropped as it unwinds.
    #[call]
    fn panic_holding_the_reply(&mut self, reply: Reply<u32>) {
        let _held = reply;
        panic!("panicked holding the reply")
    }

    /// Hands its reply to whoever asked, to answer or drop.
    #[call]
    fn hand_out(&mut self, to: HandOut, reply: Reply<u32>) {
        let _ = to.0.send(reply);
    }

    /// Panics while it holds the reply, and catches that panic itself.
    #[call]
    fn catch_a_panic_holding_the_reply(&mut self, reply: Reply<u32>) {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _held = reply;
            panic!("caught")
        }));
        assert!(caught.is_err());
    }

    /// Has `terminate` answer the waiting calls with `value`.
    #[cast]
    fn provide_at_the_end(&mut self, value: u32, told: oneshot::Sender<Vec<bool>>) {
        self.at_the_end = Some((value, told));
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        if let Some((value, told)) = self.at_the_end.take() {
            let _ = told.send(self.waiting.drain(..).map(|r| r.send(value)).collect());
        }
        if let Some(gate) = self.gate.take() {
            gate.notified().await;
        }
    }

    /// Hands the reply to another server, which keeps it.
    #[call]
    fn hand_to(&mut self, keeper: KeeperClient, reply: Reply<u32>) {
        keeper.try_info(Keep(reply)).unwrap();
    }
}

/// Keeps the replies of another server's calls.
struct Keeper {
    kept: Vec<Reply<u32>>,
}

struct Keep(Reply<u32>);

#[genserver]
impl Keeper {
    #[info]
    fn keep(&mut self, Keep(reply): Keep) {
        self.kept.push(reply);
    }

    #[call]
    fn kept(&self) -> usize {
        self.kept.len()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("keeper crashed")
    }
}

/// 7.2: a reply of a running server, dropped when another server that
/// held it ends (`crash` or not), ends the call with `ReplyDropped`, not
/// with the other server's exit reason.
async fn a_reply_dropped_by_another_servers_end(crash: bool) {
    let vault = vault().await;
    let keeper = Keeper::start(Keeper { kept: Vec::new() }).await.unwrap();
    let pending = tokio::spawn({
        let (vault, keeper) = (vault.clone(), keeper.clone());
        async move { vault.hand_to(keeper).await }
    });
    while keeper.kept().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
    if crash {
        keeper.crash().await.unwrap();
        keeper.wait().await;
    } else {
        keeper.stop().await.unwrap();
    }
    assert_eq!(pending.await.unwrap(), Err(CallError::ReplyDropped));
    assert!(vault.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_reply_dropped_by_another_server_that_stops_is_reply_dropped() {
    a_reply_dropped_by_another_servers_end(false).await;
}

#[tokio::test(start_paused = true)]
async fn a_reply_dropped_by_another_server_that_crashes_is_reply_dropped() {
    a_reply_dropped_by_another_servers_end(true).await;
}

async fn vault() -> VaultClient {
    Vault::start(Vault {
        waiting: Vec::new(),
        gate: None,
        at_the_end: None,
    })
    .await
    .unwrap()
}

/// A caller of `wait_for_value`, spawned, once the vault holds its reply.
async fn a_waiting_caller(vault: &VaultClient) -> JoinHandle<Result<u32, CallError>> {
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.wait_for_value().await }
    });
    while vault.waiting().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
    pending
}

#[tokio::test(start_paused = true)]
async fn a_stored_reply_is_answered_later_while_the_server_keeps_serving() {
    let vault = vault().await;
    // The server serves other calls meanwhile.
    let pending = a_waiting_caller(&vault).await;
    assert_eq!(vault.waiting().await.unwrap(), 1);

    vault.provide(7).await.unwrap();
    assert_eq!(pending.await.unwrap(), Ok(7));
}

#[tokio::test(start_paused = true)]
async fn a_reply_moved_to_another_task_is_answered_from_there() {
    let vault = vault().await;
    let began = Instant::now();
    assert_eq!(
        vault.answer_from_task(Duration::from_secs(2), 5).await,
        Ok(5)
    );
    assert_eq!(began.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_dies_while_a_reply_is_held_elsewhere_tells_the_caller_at_once() {
    let vault = vault().await;
    let began = Instant::now();
    let pending = tokio::spawn({
        let vault = vault.clone();
        // The task holding the reply would answer after an hour.
        async move { vault.answer_from_task(Duration::from_secs(3600), 1).await }
    });
    // Once the call has been handled, its reply is in the task.
    while vault.stats().await.unwrap().messages_handled == 0 {
        tokio::task::yield_now().await;
    }
    vault.crash().await.unwrap();
    let reason = vault.wait().await;

    let outcome = pending.await.unwrap();
    assert_eq!(outcome, Err(CallError::Exited(reason)));
    // Told at the crash, not at the call's 5 s timeout.
    assert_eq!(began.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_stored_reply_of_a_stopped_server_ends_with_its_reason() {
    let vault = vault().await;
    let pending = a_waiting_caller(&vault).await;
    vault.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
}

/// 6.2: `terminate` runs before the replies the server still holds are
/// cancelled, so it can answer them, as OTP's `terminate/2` can
/// `GenServer.reply/2`: the caller gets the value, not the exit reason.
#[tokio::test(start_paused = true)]
async fn terminate_can_answer_the_replies_the_server_still_holds() {
    let vault = vault().await;
    let pending = a_waiting_caller(&vault).await;
    let (told, sent) = oneshot::channel();
    vault.provide_at_the_end(8, told).await.unwrap();
    // A stop comes before what is queued (2.4): the cast is handled first.
    assert_eq!(vault.waiting().await, Ok(1));
    vault.stop().await.unwrap();
    assert_eq!(sent.await, Ok(vec![true]));
    assert_eq!(pending.await.unwrap(), Ok(8));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_reply_ends_the_call_with_reply_dropped() {
    let vault = vault().await;
    let began = Instant::now();
    assert_eq!(vault.never().await, Err(CallError::ReplyDropped));
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert_eq!(vault.waiting().await.unwrap(), 0, "the server runs on");
}

/// 3.1 and 7.2: a handler that has called `ctx.stop` is still running, so
/// a `Reply` it drops unanswered ends the call with `ReplyDropped`, not
/// with the exit reason.
#[tokio::test(start_paused = true)]
async fn a_reply_dropped_by_a_handler_that_stops_the_server_is_reply_dropped() {
    let vault = vault().await;
    let began = Instant::now();
    assert_eq!(vault.stop_and_drop().await, Err(CallError::ReplyDropped));
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert_eq!(vault.wait().await, ExitReason::Shutdown);
}

/// A vault under a supervisor that kills it: its task is aborted, and
/// `terminate` does not run (semantics 6.5).
async fn killable_vault() -> (genserver::SupervisorClient, VaultClient) {
    let supervisor = Supervisor::start(
        SupervisorSpec::new(Strategy::OneForOne).child(
            ChildSpec::server::<Vault>("vault", || Vault {
                waiting: Vec::new(),
                gate: None,
                at_the_end: None,
            })
            .shutdown(Shutdown::BrutalKill),
        ),
    )
    .await
    .unwrap();
    let vault = supervisor.child::<Vault>("vault").await.unwrap();
    (supervisor, vault)
}

/// 7.2 with 6.5: a reply kept in the state of a server whose task is
/// aborted ends its call with `Exited(Killed)`.
#[tokio::test(start_paused = true)]
async fn a_stored_reply_of_an_aborted_server_ends_with_killed() {
    let (supervisor, vault) = killable_vault().await;
    let pending = a_waiting_caller(&vault).await;
    supervisor.terminate_child("vault").await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
}

/// 7.2 with 6.5: a reply held by another task when the server's task is
/// aborted is cancelled: the caller hears `Exited(Killed)` at once, not
/// the value the task would send an hour later.
#[tokio::test(start_paused = true)]
async fn a_reply_held_elsewhere_when_the_server_is_aborted_ends_with_killed() {
    let (supervisor, vault) = killable_vault().await;
    let began = Instant::now();
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.answer_from_task(Duration::from_secs(3600), 1).await }
    });
    while vault.stats().await.unwrap().messages_handled == 0 {
        tokio::task::yield_now().await;
    }
    supervisor.terminate_child("vault").await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(began.elapsed(), Duration::ZERO);
}

/// 7.2 with 6.5: a reply that the handler in hand holds across an await
/// when the server's task is aborted ends its call with `Exited(Killed)`,
/// as one kept in the state does, not with `ReplyDropped`.
#[tokio::test(start_paused = true)]
async fn a_reply_held_by_the_handler_in_hand_at_an_abort_ends_with_killed() {
    let (supervisor, vault) = killable_vault().await;
    let entered = Arc::new(Notify::new());
    let pending = tokio::spawn({
        let (vault, entered) = (vault.clone(), Arc::clone(&entered));
        async move { vault.hold_while_waiting(entered).await }
    });
    entered.notified().await;
    supervisor.terminate_child("vault").await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
}

/// 3.3: once the caller has timed out, `Reply::is_closed` is true and
/// `Reply::send` returns `false`; the server runs on.
#[tokio::test(start_paused = true)]
async fn a_reply_sent_after_its_caller_timed_out_is_refused() {
    let vault = vault().await;
    assert_eq!(
        vault
            .with_timeout(Duration::from_secs(1))
            .wait_for_value()
            .await,
        Err(CallError::Timeout)
    );
    let (told, sent) = oneshot::channel();
    vault.provide_and_tell(3, told).await.unwrap();
    assert_eq!(sent.await, Ok(vec![(true, false)]));
    assert!(vault.is_alive());
}

/// 3.3: a reply whose caller waits is not closed (`Reply::is_closed`); sent
/// in time, it is accepted (`send` returns `true`) and received.
#[tokio::test(start_paused = true)]
async fn a_reply_sent_in_time_is_accepted_and_received() {
    let vault = vault().await;
    let pending = a_waiting_caller(&vault).await;
    let (told, sent) = oneshot::channel();
    vault.provide_and_tell(4, told).await.unwrap();
    assert_eq!(sent.await, Ok(vec![(false, true)]));
    assert_eq!(pending.await.unwrap(), Ok(4));
}

/// 7.2: once the server has exited, a `Reply` held elsewhere is closed and
/// a `send` on it returns `false`; its caller heard the exit reason.
#[tokio::test(start_paused = true)]
async fn a_send_after_the_server_exited_returns_false() {
    let vault = vault().await;
    let (go, wait_go) = oneshot::channel();
    let (told, sent) = oneshot::channel();
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.answer_when_told(wait_go, told).await }
    });
    while vault.stats().await.unwrap().messages_handled == 0 {
        tokio::task::yield_now().await;
    }
    vault.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    go.send(9).unwrap();
    assert_eq!(sent.await, Ok((true, false)));
}

/// 6.3: a deferred `Reply` sent before the handler that stops the server
/// returns is delivered at once, before `terminate` has run.
#[tokio::test(start_paused = true)]
async fn a_deferred_reply_sent_before_stopping_is_delivered_before_terminate() {
    let vault = vault().await;
    let gate = Arc::new(Notify::new());
    assert_eq!(vault.answer_then_stop(gate.clone()).await, Ok(11));
    // `terminate` is still held.
    assert!(!vault.is_alive());
    let mut waiting = Box::pin(vault.wait());
    assert!(
        futures_util::FutureExt::now_or_never(waiting.as_mut()).is_none(),
        "the server has not ended"
    );
    gate.notify_one();
    assert_eq!(waiting.await, ExitReason::Normal);
}

/// 7.2: a `Reply` dropped while its handler unwinds from a panic counts as
/// dropped by the crash: its caller hears the exit reason, not
/// `ReplyDropped`.
#[tokio::test(start_paused = true)]
async fn a_reply_dropped_by_a_panicking_handler_ends_with_the_exit_reason() {
    let vault = vault().await;
    let panicked = ExitReason::Panicked {
        message: "panicked holding the reply".into(),
    };
    assert_eq!(
        vault.panic_holding_the_reply().await,
        Err(CallError::Exited(panicked.clone()))
    );
    assert_eq!(vault.wait().await, panicked);
}

/// 7.2: if the handler catches that panic itself and the server runs on,
/// the reply was only dropped: `ReplyDropped`, at once.
#[tokio::test(start_paused = true)]
async fn a_reply_dropped_in_a_panic_the_handler_caught_is_reply_dropped() {
    let vault = vault().await;
    let began = Instant::now();
    assert_eq!(
        vault.catch_a_panic_holding_the_reply().await,
        Err(CallError::ReplyDropped)
    );
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert!(vault.is_alive());
    assert_eq!(vault.waiting().await, Ok(0));
}

/// A call whose `Reply` the vault handed out, and that `Reply`.
async fn handed_out(
    vault: &VaultClient,
) -> (tokio::task::JoinHandle<Result<u32, CallError>>, Reply<u32>) {
    let (to, handed) = oneshot::channel();
    let caller = tokio::spawn({
        let vault = vault.clone();
        async move { vault.hand_out(HandOut(to)).await }
    });
    (caller, handed.await.unwrap())
}

// `Reply::is_closed` (3.6): a caller cancelled while it waits closes its
// reply, and a `send` is refused; the server runs on.
#[tokio::test(start_paused = true)]
async fn a_reply_is_closed_once_its_caller_is_cancelled() {
    let vault = vault().await;
    let (caller, reply) = handed_out(&vault).await;
    assert!(!reply.is_closed(), "its caller waits");
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    assert!(reply.is_closed());
    assert!(!reply.send(1));
    assert!(vault.is_alive());
    vault.stop().await.unwrap();
}

/// 7.2 and 9.1: a `Reply` dropped by a runtime request that panics, which
/// the server survives, was only dropped: `ReplyDropped` at once, not the
/// reason of a later exit.
#[tokio::test(start_paused = true)]
async fn a_reply_dropped_by_a_panicking_inspect_or_replace_is_reply_dropped() {
    let vault = vault().await;
    let (caller, reply) = handed_out(&vault).await;
    let inspected = vault
        .server_ref()
        .inspect_state(move |_| {
            let _held = reply;
            panic!("inspect panicked holding a reply")
        })
        .await;
    assert!(matches!(inspected, Err(CallError::Panicked { .. })));
    assert_eq!(caller.await.unwrap(), Err(CallError::ReplyDropped));

    let (caller, reply) = handed_out(&vault).await;
    let replaced = vault
        .server_ref()
        .replace_state(move |_| {
            let _held = reply;
            panic!("replace panicked holding a reply")
        })
        .await;
    assert!(matches!(replaced, Err(CallError::Panicked { .. })));
    assert_eq!(caller.await.unwrap(), Err(CallError::ReplyDropped));
    assert!(vault.is_alive());
    vault.stop().await.unwrap();
}

/// 7.2 and 6.2: a `Reply` dropped elsewhere while its server ends tells
/// the caller `Exited` when the end is published, after `terminate`, not
/// while `terminate` still runs.
#[tokio::test(start_paused = true)]
async fn a_reply_dropped_elsewhere_during_terminate_is_told_when_the_server_has_ended() {
    let vault = vault().await;
    let (mut caller, reply) = handed_out(&vault).await;
    let gate = Arc::new(Notify::new());
    assert_eq!(vault.answer_then_stop(gate.clone()).await, Ok(11));
    assert!(!vault.is_alive(), "ending, `terminate` held at the gate");
    drop(reply);
    let early = tokio::time::timeout(Duration::from_secs(1), &mut caller).await;
    assert!(early.is_err(), "told before `terminate` ended: {early:?}");
    gate.notify_one();
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::Exited(ExitReason::Normal))
    );
}
