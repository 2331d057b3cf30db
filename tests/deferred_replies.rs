//! Deferred replies: a handler keeps the `Reply` and answers later, from
//! the server or another task; a server that dies while a `Reply` is out
//! tells the caller at once (docs/semantics.md, section 7).

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// Hands out values once they are known.
struct Vault {
    waiting: Vec<Reply<u32>>,
}

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
    })
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_stored_reply_is_answered_later_while_the_server_keeps_serving() {
    let vault = vault().await;
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.wait_for_value().await }
    });
    // The server serves other calls meanwhile.
    while vault.waiting().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
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
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.wait_for_value().await }
    });
    while vault.waiting().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
    vault.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        pending.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
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
    let pending = tokio::spawn({
        let vault = vault.clone();
        async move { vault.wait_for_value().await }
    });
    while vault.waiting().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
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
