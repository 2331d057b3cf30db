//! Links and trapped exits: an abnormal end takes the linked server down
//! with the same reason, `Normal` does not, a server that traps exits gets
//! an `Exit` message instead (docs/semantics.md, section "Links").

// Handlers take a receiver and owned message fields because that is the
// shape `#[genserver]` gives them, whether the body uses them or not.
#![allow(clippy::unused_self, clippy::needless_pass_by_value)]

use std::sync::{Arc, Mutex};

use genserver::prelude::*;

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Exit>();
};

type Log = Arc<Mutex<Vec<String>>>;

/// A server that can link, trap exits, fail, and start linked children.
struct Node {
    name: &'static str,
    log: Log,
    exits: Vec<Exit>,
    /// `Exit` and `Down` notices, in the order handled.
    notices: Vec<&'static str>,
}

/// Init arguments of a [`Node`].
struct NodeArgs {
    name: &'static str,
    log: Log,
    trap: bool,
    /// Panic in a continue right after `init`: the earliest a started
    /// server can crash.
    crash_after_init: bool,
    /// Fail `init`, after linking to `link_to`.
    fail_init: bool,
    /// A server to link to from `init`.
    link_to: Option<NodeClient>,
}

/// Makes a node panic, as a continue.
struct Boom;

#[derive(Debug)]
struct InitFailed;

impl std::fmt::Display for InitFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("init failed")
    }
}

impl std::error::Error for InitFailed {}

#[genserver]
impl Node {
    #[init]
    async fn init(args: NodeArgs, ctx: &mut Context<Self>) -> Result<Self, InitFailed> {
        ctx.trap_exits(args.trap);
        if let Some(other) = &args.link_to {
            ctx.link(other);
        }
        if args.fail_init {
            return Err(InitFailed);
        }
        if args.crash_after_init {
            ctx.continue_with(Boom);
        }
        Ok(Node {
            name: args.name,
            log: args.log,
            exits: Vec::new(),
            notices: Vec::new(),
        })
    }

    #[call]
    fn link(&mut self, other: NodeClient, ctx: &mut Context<Self>) {
        ctx.link(&other);
    }

    #[call]
    fn unlink(&mut self, other: NodeClient, ctx: &mut Context<Self>) -> bool {
        ctx.unlink(&other)
    }

    #[call]
    fn traps(&self, ctx: &mut Context<Self>) -> bool {
        ctx.traps_exits()
    }

    #[call]
    async fn start_child(
        &mut self,
        args: NodeArgs,
        ctx: &mut Context<Self>,
    ) -> Result<NodeClient, StartError> {
        ctx.start_link::<Node>(args).await
    }

    #[call]
    async fn start_child_with(
        &mut self,
        args: NodeArgs,
        options: StartOptions,
        ctx: &mut Context<Self>,
    ) -> Result<NodeClient, StartError> {
        ctx.start_link_with::<Node>(args, options).await
    }

    /// Tells `entered`, waits for `gate`, then stops trapping exits.
    #[call]
    async fn stop_trapping_after(
        &mut self,
        entered: Arc<tokio::sync::Notify>,
        gate: Arc<tokio::sync::Notify>,
        ctx: &mut Context<Self>,
    ) {
        entered.notify_one();
        gate.notified().await;
        ctx.trap_exits(false);
    }

    #[call]
    fn set_trap(&mut self, trap: bool, ctx: &mut Context<Self>) {
        ctx.trap_exits(trap);
    }

    /// Tells `entered`, waits for `gate`, then unlinks `other`.
    #[call]
    async fn unlink_after(
        &mut self,
        other: NodeClient,
        entered: Arc<tokio::sync::Notify>,
        gate: Arc<tokio::sync::Notify>,
        ctx: &mut Context<Self>,
    ) -> bool {
        entered.notify_one();
        gate.notified().await;
        ctx.unlink(&other)
    }

    #[call]
    fn exits(&self) -> Vec<Exit> {
        self.exits.clone()
    }

    #[call]
    fn monitor(&mut self, other: NodeClient, ctx: &mut Context<Self>) {
        ctx.monitor(&other);
    }

    #[call]
    fn notices(&self) -> Vec<&'static str> {
        self.notices.clone()
    }

    #[info]
    fn down(&mut self, _: Down) {
        self.notices.push("down");
    }

    #[cast]
    fn fail(&mut self) -> Result<(), InitFailed> {
        Err(InitFailed)
    }

    #[cast]
    fn nothing(&mut self) {}

    #[info]
    fn boom(&mut self, _: Boom) {
        panic!("{} crashed", self.name)
    }

    #[info]
    fn exit(&mut self, exit: Exit) {
        self.exits.push(exit);
        self.notices.push("exit");
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} terminate: {reason}", self.name));
    }
}

fn args(name: &'static str, log: &Log) -> NodeArgs {
    NodeArgs {
        name,
        log: log.clone(),
        trap: false,
        crash_after_init: false,
        fail_init: false,
        link_to: None,
    }
}

async fn node(name: &'static str, log: &Log) -> NodeClient {
    Node::start(args(name, log)).await.unwrap()
}

async fn trapping(name: &'static str, log: &Log) -> NodeClient {
    Node::start(NodeArgs {
        trap: true,
        ..args(name, log)
    })
    .await
    .unwrap()
}

fn new_log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

#[tokio::test]
async fn an_abnormal_exit_stops_the_linked_server_with_the_same_reason() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();

    b.fail().await.unwrap();
    let reason = b.wait().await;
    assert!(matches!(reason, ExitReason::Error { .. }));
    assert_eq!(a.wait().await, reason);

    // The linked server ran its terminate, with the same reason.
    let log = log.lock().unwrap();
    assert!(log.contains(&"a terminate: error: init failed".to_string()));
}

#[tokio::test]
async fn a_link_works_both_ways() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();

    a.stop_with(ExitReason::error("a gave up")).await.unwrap();
    assert!(matches!(b.wait().await, ExitReason::Error { .. }));
}

#[tokio::test]
async fn a_normal_exit_does_not_propagate() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();

    b.stop().await.unwrap();
    assert!(a.is_alive());
    assert!(a.traps().await.is_ok(), "a still serves");
}

#[tokio::test]
async fn a_shutdown_propagates_as_in_otp() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();

    b.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(a.wait().await, ExitReason::Shutdown);
}

#[tokio::test]
async fn a_server_that_traps_exits_receives_exit_and_keeps_running() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();
    assert!(keeper.traps().await.unwrap());

    let worker_id = worker.id();
    worker.fail().await.unwrap();
    let reason = worker.wait().await;

    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, worker_id);
    assert_eq!(exits[0].reason, reason);
    assert!(keeper.is_alive());
}

// Semantics 17.4: as in OTP, a signal that arrives while the server traps
// exits is a message from then on, even if trapping stops before it is
// handled.
#[tokio::test]
async fn a_signal_that_arrived_while_trapping_stays_an_exit_message() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();
    let (entered, gate) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let busy = tokio::spawn({
        let (keeper, entered, gate) = (keeper.clone(), entered.clone(), gate.clone());
        async move { keeper.stop_trapping_after(entered, gate).await }
    });
    entered.notified().await;

    worker.fail().await.unwrap();
    worker.wait().await;
    gate.notify_one();
    busy.await.unwrap().unwrap();

    assert!(!keeper.traps().await.unwrap());
    assert_eq!(keeper.exits().await.unwrap().len(), 1);
    assert!(keeper.is_alive());
}

#[tokio::test]
async fn a_trapping_server_also_hears_normal_exits() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();

    worker.stop().await.unwrap();
    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].reason, ExitReason::Normal);
}

#[tokio::test]
async fn after_unlink_an_exit_has_no_effect() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();
    assert!(a.unlink(b.clone()).await.unwrap());
    assert!(!a.unlink(b.clone()).await.unwrap(), "no link left");

    b.fail().await.unwrap();
    b.wait().await;
    assert!(a.traps().await.is_ok(), "a still serves");
}

#[tokio::test]
async fn linking_twice_links_once() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();
    keeper.link(worker.clone()).await.unwrap();
    worker.link(keeper.clone()).await.unwrap();

    worker.stop().await.unwrap();
    assert_eq!(keeper.exits().await.unwrap().len(), 1);
}

/// 17.1 and 17.6: a link made several times, from either side, is one
/// link: one `unlink` removes it, and the other's end no longer reaches.
#[tokio::test(start_paused = true)]
async fn one_unlink_removes_a_link_made_several_times() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();
    a.link(b.clone()).await.unwrap();
    b.link(a.clone()).await.unwrap();
    assert!(a.unlink(b.clone()).await.unwrap());
    assert!(!a.unlink(b.clone()).await.unwrap(), "no link left");
    assert!(!b.unlink(a.clone()).await.unwrap(), "none the other way");

    b.fail().await.unwrap();
    assert!(matches!(ended(&b).await, ExitReason::Error { .. }));
    assert!(a.traps().await.is_ok(), "a still serves");
}

/// 17.6: `unlink` by the server that did not make the link removes it all
/// the same, both ways: the end of the one that made it no longer reaches.
#[tokio::test(start_paused = true)]
async fn unlink_by_the_side_that_did_not_link_removes_the_link() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();
    assert!(b.unlink(a.clone()).await.unwrap());
    assert!(!a.unlink(b.clone()).await.unwrap(), "no link left");

    a.fail().await.unwrap();
    assert!(matches!(ended(&a).await, ExitReason::Error { .. }));
    assert!(b.traps().await.is_ok(), "b still serves");
}

/// 17.2: a server stopped by an exit signal signals its own links in turn:
/// an abnormal exit travels along a chain of links with the same reason,
/// each server running `terminate` with it, and a trapping server at the
/// end hears the peer it is linked to.
#[tokio::test(start_paused = true)]
async fn an_abnormal_exit_travels_along_a_chain_of_links() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let (a, b, c) = (
        node("a", &log).await,
        node("b", &log).await,
        node("c", &log).await,
    );
    keeper.link(a.clone()).await.unwrap();
    a.link(b.clone()).await.unwrap();
    b.link(c.clone()).await.unwrap();

    c.fail().await.unwrap();
    let reason = ended(&c).await;
    assert!(matches!(reason, ExitReason::Error { .. }));
    assert_eq!(ended(&b).await, reason);
    assert_eq!(ended(&a).await, reason);
    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, a.id());
    assert_eq!(exits[0].reason, reason);
    let log = log.lock().unwrap();
    for name in ["a", "b"] {
        assert!(
            log.contains(&format!("{name} terminate: {reason}")),
            "{log:?}"
        );
    }
}

#[tokio::test]
async fn linking_to_a_server_already_gone_signals_noproc() {
    let log = new_log();
    let gone = node("gone", &log).await;
    gone.stop().await.unwrap();

    let keeper = trapping("keeper", &log).await;
    keeper.link(gone.clone()).await.unwrap();
    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].reason, ExitReason::NoProc);

    let plain = node("plain", &log).await;
    plain.link(gone.clone()).await.unwrap();
    assert_eq!(plain.wait().await, ExitReason::NoProc);
}

/// 17.5 and 1.2: linked from `init` to a server already gone, a server
/// starts, then stops with `NoProc`, running `terminate`.
#[tokio::test]
async fn linking_from_init_to_a_server_already_gone_starts_then_stops_with_noproc() {
    let log = new_log();
    let gone = node("gone", &log).await;
    gone.stop().await.unwrap();
    log.lock().unwrap().clear();

    let late = Node::start(NodeArgs {
        link_to: Some(gone),
        ..args("late", &log)
    })
    .await
    .unwrap();
    assert_eq!(late.wait().await, ExitReason::NoProc);
    assert_eq!(
        *log.lock().unwrap(),
        [format!("late terminate: {}", ExitReason::NoProc)]
    );
}

#[tokio::test]
async fn start_link_links_before_the_child_can_crash() {
    let log = new_log();
    let parent = trapping("parent", &log).await;
    // The child panics in a continue of its init: before anything else
    // can happen to it, and possibly before `start_link` returns.
    let child = parent
        .start_child(NodeArgs {
            crash_after_init: true,
            ..args("child", &log)
        })
        .await
        .unwrap()
        .unwrap();
    let reason = child.wait().await;
    assert!(matches!(reason, ExitReason::Panicked { .. }));

    let exits = parent.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, child.id());
    assert_eq!(exits[0].reason, reason);
}

#[tokio::test]
async fn a_start_linked_child_that_crashes_takes_a_non_trapping_parent_down() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let child = parent
        .start_child(NodeArgs {
            crash_after_init: true,
            ..args("child", &log)
        })
        .await
        .unwrap()
        .unwrap();
    let reason = child.wait().await;
    assert_eq!(parent.wait().await, reason);
}

#[tokio::test]
async fn a_failed_init_under_start_link_is_the_start_error_only() {
    let log = new_log();
    let parent = trapping("parent", &log).await;
    let started = parent
        .start_child(NodeArgs {
            fail_init: true,
            ..args("child", &log)
        })
        .await
        .unwrap();
    assert!(matches!(
        started,
        Err(StartError::Init(ExitReason::Error { .. }))
    ));
    assert!(parent.exits().await.unwrap().is_empty());

    let plain = node("plain", &log).await;
    let started = plain
        .start_child(NodeArgs {
            fail_init: true,
            ..args("child", &log)
        })
        .await
        .unwrap();
    assert!(started.is_err());
    assert!(plain.traps().await.is_ok(), "the parent still serves");
}

#[tokio::test]
async fn the_children_of_a_crashed_parent_stop_with_it() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let child = child_of(&parent, args("child", &log)).await;

    parent.fail().await.unwrap();
    let reason = parent.wait().await;
    assert_eq!(child.wait().await, reason);
}

/// How `server` ended; fails the test if it runs on (on the paused clock,
/// the limit is reached as soon as nothing else can happen).
async fn ended(server: &NodeClient) -> ExitReason {
    tokio::time::timeout(std::time::Duration::from_secs(60), server.wait())
        .await
        .expect("the server still runs")
}

/// A child started linked by `parent`, its start checked.
async fn child_of(parent: &NodeClient, args: NodeArgs) -> NodeClient {
    parent.start_child(args).await.unwrap().unwrap()
}

/// A child that traps exits, started linked by `parent`.
async fn trapping_child(parent: &NodeClient, log: &Log) -> NodeClient {
    child_of(
        parent,
        NodeArgs {
            trap: true,
            ..args("child", log)
        },
    )
    .await
}

// Semantics 17.7: as OTP's gen_server on `{'EXIT', Parent, Reason}`, a
// child that traps exits stops with its parent's reason instead of
// receiving an `Exit`, and its `terminate` runs.
#[tokio::test(start_paused = true)]
async fn a_trapping_child_stops_with_its_parents_reason() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let child = trapping_child(&parent, &log).await;
    assert!(child.traps().await.unwrap());

    let reason = ExitReason::error("parent gave up");
    parent.stop_with(reason.clone()).await.unwrap();
    assert_eq!(ended(&child).await, reason);
    assert!(
        log.lock()
            .unwrap()
            .contains(&format!("child terminate: {reason}"))
    );
}

// Semantics 17.7: `Normal` from the parent stops a trapping child too, as
// in OTP; a child that does not trap exits ignores it, as any linked
// server does (17.2).
#[tokio::test(start_paused = true)]
async fn a_parents_normal_exit_stops_a_trapping_child_only() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let trapping = trapping_child(&parent, &log).await;
    let plain = child_of(&parent, args("plain", &log)).await;

    parent.stop().await.unwrap();
    assert_eq!(ended(&trapping).await, ExitReason::Normal);
    assert!(
        log.lock()
            .unwrap()
            .contains(&"child terminate: normal exit".to_string())
    );
    assert!(plain.traps().await.is_ok(), "the plain child still serves");
    assert!(plain.exits().await.unwrap().is_empty());
}

// Semantics 17.5 and 17.7: the `NoProc` of a link to a parent already gone
// is a signal from the parent, which stops a trapping child rather than
// arriving as an `Exit`, as OTP's gen_server stops on `{'EXIT', Parent,
// noproc}`.
#[tokio::test(start_paused = true)]
async fn a_trapping_child_linking_to_its_ended_parent_stops_with_noproc() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let child = child_of(&parent, args("child", &log)).await;
    parent.stop().await.unwrap();
    child.set_trap(true).await.unwrap();

    child.link(parent.clone()).await.unwrap();
    // A trapping server that received an `Exit` would run on.
    assert_eq!(ended(&child).await, ExitReason::NoProc);
    assert!(
        log.lock()
            .unwrap()
            .contains(&format!("child terminate: {}", ExitReason::NoProc))
    );
}

// Semantics 17.7: only the parent's signal stops a trapping child; the
// end of any other linked server is an `Exit` message.
#[tokio::test(start_paused = true)]
async fn a_trapping_child_hears_other_linked_servers_as_exit_messages() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let child = trapping_child(&parent, &log).await;
    let other = node("other", &log).await;
    child.link(other.clone()).await.unwrap();

    let other_id = other.id();
    let reason = ExitReason::error("other gave up");
    other.stop_with(reason.clone()).await.unwrap();
    let exits = child.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, other_id);
    assert_eq!(exits[0].reason, reason);
    assert!(child.is_alive());
    assert!(parent.is_alive());
}

/// 17.1: linking to itself does nothing: there is no link to remove.
#[tokio::test]
async fn linking_to_itself_does_nothing() {
    let log = new_log();
    let a = node("a", &log).await;
    a.link(a.clone()).await.unwrap();
    assert!(!a.unlink(a.clone()).await.unwrap(), "no link was made");
    a.stop().await.unwrap();
    assert_eq!(a.wait().await, ExitReason::Normal);
}

/// Calls `unlink_after(other)` on `server` from another task and returns
/// once the handler holds `server`: the gate that lets it go on, and the
/// call.
async fn hold_then_unlink(
    server: &NodeClient,
    other: &NodeClient,
) -> (
    Arc<tokio::sync::Notify>,
    tokio::task::JoinHandle<Result<bool, CallError>>,
) {
    let (entered, gate) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let held = tokio::spawn({
        let (server, other) = (server.clone(), other.clone());
        let (entered, gate) = (entered.clone(), gate.clone());
        async move { server.unlink_after(other, entered, gate).await }
    });
    entered.notified().await;
    (gate, held)
}

/// 17.3: a server that does not trap exits stops on a linked server's
/// signal as after `stop_with(R)`: it finishes the handler it is in, does
/// not handle the call queued behind it (which ends with `Exited(R)`), and
/// runs `terminate` with `R`.
#[tokio::test]
async fn an_exit_signal_lets_the_current_handler_finish_and_fails_the_queued_calls() {
    let log = new_log();
    let (a, b) = (node("a", &log).await, node("b", &log).await);
    a.link(b.clone()).await.unwrap();
    let stranger = node("stranger", &log).await;
    let (gate, held) = hold_then_unlink(&a, &stranger).await;
    let queued = tokio::spawn({
        let a = a.clone();
        async move { a.traps().await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }

    b.fail().await.unwrap();
    let reason = b.wait().await;
    assert!(matches!(reason, ExitReason::Error { .. }));
    gate.notify_one();

    assert_eq!(held.await.unwrap(), Ok(false), "the handler ran to its end");
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(reason.clone()))
    );
    assert_eq!(a.wait().await, reason);
    let ran: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|entry| entry.starts_with("a "))
        .cloned()
        .collect();
    assert_eq!(ran, [format!("a terminate: {reason}")]);
    stranger.stop().await.unwrap();
}

/// 17.4: `trap_exits(false)` stops trapping, and `traps_exits` tells: the
/// next signal stops the server instead of arriving as an `Exit`.
#[tokio::test]
async fn a_server_that_stops_trapping_is_stopped_by_the_next_signal() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    keeper.set_trap(false).await.unwrap();
    assert!(!keeper.traps().await.unwrap());
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();

    worker.stop_with(ExitReason::Shutdown).await.unwrap();
    assert_eq!(keeper.wait().await, ExitReason::Shutdown);
}

/// 17.6: a signal that arrived before `unlink` still acts once it returns:
/// a queued `Exit` is handled, and a stop already requested stands.
#[tokio::test]
async fn a_signal_that_arrived_before_unlink_still_acts() {
    let log = new_log();
    let keeper = trapping("keeper", &log).await;
    let worker = node("worker", &log).await;
    keeper.link(worker.clone()).await.unwrap();
    let (gate, held) = hold_then_unlink(&keeper, &worker).await;
    let worker_id = worker.id();
    worker.fail().await.unwrap();
    let reason = worker.wait().await;
    gate.notify_one();
    held.await.unwrap().unwrap();
    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, worker_id);
    assert_eq!(exits[0].reason, reason);

    let plain = node("plain", &log).await;
    let doomed = node("doomed", &log).await;
    plain.link(doomed.clone()).await.unwrap();
    let (gate, held) = hold_then_unlink(&plain, &doomed).await;
    doomed.stop_with(ExitReason::Shutdown).await.unwrap();
    gate.notify_one();
    held.await.unwrap().unwrap();
    assert_eq!(plain.wait().await, ExitReason::Shutdown);
}

/// A one-for-one supervisor of one permanent node `child`, and its client.
async fn supervised_node(log: &Log) -> (genserver::SupervisorClient, NodeClient) {
    let log = log.clone();
    let spec = genserver::SupervisorSpec::new(genserver::Strategy::OneForOne).child(
        genserver::ChildSpec::server::<Node>("child", move || args("child", &log)),
    );
    let supervisor = genserver::Supervisor::start(spec).await.unwrap();
    let child = supervisor.child::<Node>("child").await.unwrap();
    (supervisor, child)
}

/// 17.4: a new instance started by a supervisor does not trap exits until
/// it asks, whatever the instance before it did.
#[tokio::test(start_paused = true)]
async fn a_restarted_instance_does_not_trap_exits_until_it_asks() {
    let log = new_log();
    let (supervisor, child) = supervised_node(&log).await;
    child.set_trap(true).await.unwrap();
    assert!(child.traps().await.unwrap());
    let first = child.id();

    child.fail().await.unwrap();
    // Queued behind the crash: answered by the restarted instance.
    assert!(!child.traps().await.unwrap());
    assert_ne!(child.id(), first);
    supervisor.stop().await.unwrap();
}

/// 17.8: links are between instances: a restart does not renew them. The
/// restarted child's end is not signalled to a server linked to the
/// instance before it, and that server's end does not reach the restarted
/// child.
#[tokio::test(start_paused = true)]
async fn a_supervisors_restart_does_not_renew_links() {
    let log = new_log();
    let (supervisor, child) = supervised_node(&log).await;
    let keeper = trapping("keeper", &log).await;
    keeper.link(child.clone()).await.unwrap();
    let first = child.id();

    child.fail().await.unwrap();
    assert!(!child.traps().await.unwrap(), "restarted");
    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, first);

    let second = child.id();
    child.fail().await.unwrap();
    assert!(!child.traps().await.unwrap(), "restarted again");
    assert_ne!(child.id(), second);
    assert_eq!(
        keeper.exits().await.unwrap().len(),
        1,
        "no link to the second"
    );

    let third = child.id();
    keeper
        .stop_with(ExitReason::error("keeper gave up"))
        .await
        .unwrap();
    assert!(!child.traps().await.unwrap());
    assert_eq!(child.id(), third, "the running child was not signalled");
    supervisor.stop().await.unwrap();
}

/// 17.7: `start_link_with` starts the child with its options (here a
/// name, found by `whereis` while the child runs) and as a linked child
/// of the caller: the parent's `Normal` end stops the child even though
/// it traps exits.
#[tokio::test(start_paused = true)]
async fn start_link_with_applies_the_options_and_makes_the_caller_the_parent() {
    let log = new_log();
    let parent = node("parent", &log).await;
    let name = "links::start_link_with child";
    let child = parent
        .start_child_with(
            NodeArgs {
                trap: true,
                ..args("child", &log)
            },
            StartOptions::named(name),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        genserver::whereis::<Node>(name).map(|found| found.id()),
        Some(child.id())
    );
    assert!(child.traps().await.unwrap());

    parent.stop().await.unwrap();
    assert_eq!(ended(&child).await, ExitReason::Normal);
    assert!(
        log.lock()
            .unwrap()
            .contains(&"child terminate: normal exit".to_string())
    );
    assert!(genserver::whereis::<Node>(name).is_none());
}

/// 17.4 with 16: a server that both links to and monitors an instance that
/// ends receives the link's `Exit` before the monitor's `Down`, whatever
/// the order they were set up in, as OTP sends a dying process's link
/// signals before its monitor notices.
#[tokio::test]
async fn a_linked_and_monitored_server_hears_exit_before_down() {
    for monitor_first in [true, false] {
        let log = new_log();
        let watcher = trapping("watcher", &log).await;
        let target = node("target", &log).await;
        if monitor_first {
            watcher.monitor(target.clone()).await.unwrap();
            watcher.link(target.clone()).await.unwrap();
        } else {
            watcher.link(target.clone()).await.unwrap();
            watcher.monitor(target.clone()).await.unwrap();
        }
        target.fail().await.unwrap();
        target.wait().await;
        assert_eq!(
            watcher.notices().await.unwrap(),
            ["exit", "down"],
            "monitor first: {monitor_first}"
        );
    }
}

/// 1.2: an `init` that linked to servers and then fails sends them the
/// exit signal, as OTP's `{:stop, reason}` from `init` does: a trapping
/// one receives it as an `Exit`, another stops with the reason.
#[tokio::test]
async fn an_init_that_linked_and_then_failed_signals_the_servers_it_linked_to() {
    let log = new_log();
    let (watcher, bystander) = (trapping("w", &log).await, node("b", &log).await);
    for other in [&watcher, &bystander] {
        let failed = Node::start(NodeArgs {
            fail_init: true,
            link_to: Some(other.clone()),
            ..args("c", &log)
        })
        .await;
        let Err(StartError::Init(reason)) = failed else {
            panic!("the start did not fail with init's reason: {failed:?}");
        };
        assert_eq!(reason.to_string(), "error: init failed");
    }

    assert_eq!(bystander.wait().await.to_string(), "error: init failed");
    let exits = watcher.exits().await.unwrap();
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0].reason.to_string(), "error: init failed");
}

/// 17.2: every reason but `Normal` stops a linked server that does not
/// trap exits with that reason, `Killed` and `NoProc` included; a trapping
/// one receives it as an `Exit`, `Killed` as an ordinary reason.
#[tokio::test(start_paused = true)]
async fn killed_and_noproc_are_signalled_as_any_other_abnormal_reason() {
    for reason in [
        ExitReason::Killed,
        ExitReason::Shutdown,
        ExitReason::NoProc,
        ExitReason::error("bad"),
    ] {
        let log = new_log();
        let (a, b) = (node("a", &log).await, node("b", &log).await);
        a.link(b.clone()).await.unwrap();
        b.stop_with(reason.clone()).await.unwrap();
        assert_eq!(ended(&a).await, reason, "not trapping");

        let keeper = trapping("keeper", &log).await;
        let worker = node("worker", &log).await;
        keeper.link(worker.clone()).await.unwrap();
        let worker_id = worker.id();
        worker.stop_with(reason.clone()).await.unwrap();
        let exits = keeper.exits().await.unwrap();
        assert_eq!(exits.len(), 1, "{reason:?}");
        assert_eq!(exits[0].from, worker_id);
        assert_eq!(exits[0].reason, reason);
        assert!(keeper.is_alive());
    }
}

/// 17.4: an `Exit` is queued at once, over the bound of a full bounded
/// mailbox, as a monitor's notice is: the ending server does not wait for
/// the trapping one to make room.
#[tokio::test(start_paused = true)]
async fn an_exit_goes_over_the_bound_of_a_full_mailbox_at_once() {
    let log = new_log();
    let keeper = Node::start_with(
        NodeArgs {
            trap: true,
            ..args("keeper", &log)
        },
        StartOptions::new().mailbox(MailboxCapacity::Bounded(1)),
    )
    .await
    .unwrap();
    let (worker, stranger) = (node("worker", &log).await, node("stranger", &log).await);
    keeper.link(worker.clone()).await.unwrap();
    let (gate, held) = hold_then_unlink(&keeper, &stranger).await;
    keeper.nothing().await.unwrap();
    assert!(matches!(keeper.try_nothing(), Err(TrySendError::Full(_))));

    let worker_id = worker.id();
    worker.fail().await.unwrap();
    let reason = ended(&worker).await;
    gate.notify_one();
    held.await.unwrap().unwrap();

    let exits = keeper.exits().await.unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0].from, worker_id);
    assert_eq!(exits[0].reason, reason);
    stranger.stop().await.unwrap();
}
