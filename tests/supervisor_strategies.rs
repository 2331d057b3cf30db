//! docs/semantics.md, "Supervision": strategies. Which children a restart
//! touches, the order they are stopped and started in, and which ids change.

mod supervisor_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildState, Restart};
use supervisor_support::{
    Log, ProbeArgs, client, crash_and_await_restart, panicked, probe, probe_with, states,
};

async fn tree(
    strategy: Strategy,
    names: &[&'static str],
    log: &Log,
) -> genserver::SupervisorClient {
    let spec = SupervisorSpec::new(strategy).children(names.iter().map(|name| probe(name, log)));
    let sup = Supervisor::start(spec).await.unwrap();
    assert_eq!(
        log.take(),
        names
            .iter()
            .map(|n| format!("start {n}"))
            .collect::<Vec<_>>()
    );
    sup
}

async fn ids(sup: &genserver::SupervisorClient, names: &[&str]) -> Vec<genserver::ServerId> {
    let mut ids = Vec::new();
    for name in names {
        ids.push(client(sup, name).await.id());
    }
    ids
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_crashed_child() {
    let log = Log::new();
    let sup = tree(Strategy::OneForOne, &["a", "b", "c"], &log).await;
    let before = ids(&sup, &["a", "b", "c"]).await;

    crash_and_await_restart(&client(&sup, "b").await).await;

    assert_eq!(
        log.take(),
        ["terminate b Panicked { message: \"boom b\" }", "start b"]
    );
    let after = ids(&sup, &["a", "b", "c"]).await;
    assert_eq!(after[0], before[0]);
    assert_ne!(after[1], before[1]);
    assert_eq!(after[2], before[2]);
    assert!(
        states(&sup)
            .await
            .iter()
            .all(|(_, s)| matches!(s, ChildState::Running(_)))
    );
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_others_in_reverse_order_and_starts_all_in_order() {
    let log = Log::new();
    let sup = tree(Strategy::OneForAll, &["a", "b", "c"], &log).await;
    let before = ids(&sup, &["a", "b", "c"]).await;

    crash_and_await_restart(&client(&sup, "b").await).await;
    // The group restart is one supervisor message: once it answers, it is done.
    let after = ids(&sup, &["a", "b", "c"]).await;

    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate c Shutdown",
            "terminate a Shutdown",
            "start a",
            "start b",
            "start c",
        ]
    );
    for (before, after) in before.iter().zip(&after) {
        assert_ne!(before, after);
    }
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_crashed_child_and_those_started_after_it() {
    let log = Log::new();
    let sup = tree(Strategy::RestForOne, &["a", "b", "c", "d"], &log).await;
    let before = ids(&sup, &["a", "b", "c", "d"]).await;

    crash_and_await_restart(&client(&sup, "b").await).await;
    let after = ids(&sup, &["a", "b", "c", "d"]).await;

    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate d Shutdown",
            "terminate c Shutdown",
            "start b",
            "start c",
            "start d",
        ]
    );
    assert_eq!(after[0], before[0]);
    for i in 1..4 {
        assert_ne!(after[i], before[i]);
    }
}

// Semantics 15.3: the group of a rest_for_one restart is the crashed
// child and those after it, so the last child's crash touches no sibling.
#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_last_child_alone() {
    let log = Log::new();
    let sup = tree(Strategy::RestForOne, &["a", "b", "c"], &log).await;
    let before = ids(&sup, &["a", "b", "c"]).await;

    crash_and_await_restart(&client(&sup, "c").await).await;
    let after = ids(&sup, &["a", "b", "c"]).await;

    assert_eq!(
        log.take(),
        ["terminate c Panicked { message: \"boom c\" }", "start c"]
    );
    assert_eq!(after[..2], before[..2]);
    assert_ne!(after[2], before[2]);
}

// Semantics 15.3 and 15.8: `start_child` adds a child after the others, so
// a one_for_all restart stops it first and starts it last.
#[tokio::test(start_paused = true)]
async fn a_child_added_by_start_child_is_stopped_first_and_started_last_in_a_group_restart() {
    let log = Log::new();
    let sup = tree(Strategy::OneForAll, &["a", "b"], &log).await;
    sup.start_child(probe("x", &log)).await.unwrap();
    log.take();

    crash_and_await_restart(&client(&sup, "b").await).await;
    // The group restart is one supervisor message: once it answers, it is done.
    sup.count_children().await.unwrap();

    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate x Shutdown",
            "terminate a Shutdown",
            "start a",
            "start b",
            "start x",
        ]
    );
}

// Semantics 15.3 and 15.7: a group restart stops the siblings one at a
// time, each once the one after it has finished its `terminate`, and
// starts no child before the last of them has stopped.
#[tokio::test(start_paused = true)]
async fn a_group_restart_stops_the_siblings_one_at_a_time_before_starting_any() {
    let log = Log::timed();
    let slow = |name, takes| ProbeArgs {
        terminate_takes: Duration::from_millis(takes),
        ..ProbeArgs::new(name, &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe_with(slow("a", 300)))
        .child(probe("b", &log))
        .child(probe_with(slow("c", 200)));
    let sup = Supervisor::start(spec).await.unwrap();
    log.take();

    crash_and_await_restart(&client(&sup, "b").await).await;

    assert_eq!(
        log.take(),
        [
            "0 terminate b Panicked { message: \"boom b\" }",
            "0 terminate c Shutdown",
            "200 terminated c",
            "200 terminate a Shutdown",
            "500 terminated a",
            "500 start a",
            "500 start b",
            "500 start c",
        ]
    );
}

// Semantics 15.2 and 15.3: a permanent child is restarted whatever it
// ended with, a clean `Normal` exit too, and under one_for_all that
// restart is the whole group's, as in OTP.
#[tokio::test(start_paused = true)]
async fn a_permanent_childs_normal_exit_restarts_the_whole_one_for_all_group() {
    let log = Log::new();
    let sup = tree(Strategy::OneForAll, &["a", "b"], &log).await;
    let before = ids(&sup, &["a", "b"]).await;
    let b = client(&sup, "b").await;

    b.exit(ExitReason::Normal).await.unwrap();
    // Queued behind the exit: answered once the group has restarted.
    assert_eq!(b.name().await, Ok("b"));

    assert_eq!(
        log.take(),
        [
            "exit b Normal",
            "terminate b Normal",
            "terminate a Shutdown",
            "start a",
            "start b",
        ]
    );
    let after = ids(&sup, &["a", "b"]).await;
    assert_ne!(after[0], before[0]);
    assert_ne!(after[1], before[1]);
}

// Semantics 15.2 to 15.4: a temporary child's exit is not followed by a
// restart, so under one_for_all it restarts no sibling, and it does not
// count toward the intensity: with none allowed, the supervisor runs on.
#[tokio::test(start_paused = true)]
async fn a_temporary_childs_crash_under_one_for_all_restarts_no_sibling() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .intensity(RestartIntensity::new(0, Duration::from_secs(5)))
        .child(probe("a", &log))
        .child(probe("t", &log).restart(Restart::Temporary))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let before = ids(&sup, &["a", "c"]).await;
    let t = client(&sup, "t").await;
    let old = t.id();
    log.take();

    assert_eq!(t.boom().await, Err(CallError::Exited(panicked("boom t"))));
    assert_eq!(supervisor_support::settle(&sup, "t", old).await, None);

    assert_eq!(log.take(), ["terminate t Panicked { message: \"boom t\" }"]);
    assert_eq!(ids(&sup, &["a", "c"]).await, before);
    assert!(sup.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_group_restart_drops_temporary_bystanders_instead_of_restarting_them() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(probe_with(ProbeArgs::new("t", &log)).restart(Restart::Temporary))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let temporary = client(&sup, "t").await;
    log.take();

    crash_and_await_restart(&client(&sup, "c").await).await;

    assert_eq!(
        log.take(),
        [
            "terminate c Panicked { message: \"boom c\" }",
            "terminate t Shutdown",
            "terminate a Shutdown",
            "start a",
            "start c",
        ]
    );
    let names: Vec<String> = states(&sup).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(temporary.name().await, Err(CallError::NoProc));
}

/// A tree of probes `a`, `b`, `c` in which `c`'s next start fails once.
async fn tree_where_c_fails_once(strategy: Strategy, log: &Log) -> genserver::SupervisorClient {
    let c = ProbeArgs::new("c", log);
    let c_fails = c.failing_starts.clone();
    let spec = SupervisorSpec::new(strategy)
        .child(probe("a", log))
        .child(probe("b", log))
        .child(probe_with(c));
    let sup = Supervisor::start(spec).await.unwrap();
    log.take();
    c_fails.store(1, std::sync::atomic::Ordering::SeqCst);
    sup
}

/// Waits until every child runs again: the next attempt of a failed
/// restart goes through the supervisor's mailbox, after this request.
async fn await_all_running(sup: &genserver::SupervisorClient) {
    while !states(sup)
        .await
        .iter()
        .all(|(_, s)| matches!(s, ChildState::Running(_)))
    {
        tokio::task::yield_now().await;
    }
}

// Semantics 15.5: with one_for_all, the next attempt stops the siblings the
// failed one started and starts the whole group again.
#[tokio::test(start_paused = true)]
async fn one_for_all_retries_a_failed_group_restart_from_the_first_child() {
    let log = Log::new();
    let sup = tree_where_c_fails_once(Strategy::OneForAll, &log).await;

    let _ = client(&sup, "b").await.boom().await;
    await_all_running(&sup).await;

    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate c Shutdown",
            "terminate a Shutdown",
            "start a",
            "start b",
            "fail c",
            "terminate b Shutdown",
            "terminate a Shutdown",
            "start a",
            "start b",
            "start c",
        ]
    );
}

// Semantics 15.5 and 15.11: a sibling that a failed attempt started runs
// until the next attempt stops it, and handles what is queued for it in
// the meantime; the instance after it starts with its own state.
#[tokio::test(start_paused = true)]
async fn a_sibling_started_by_a_failed_attempt_handles_its_queue_until_the_next() {
    let log = Log::new();
    let b = ProbeArgs {
        init_takes: Duration::from_millis(100),
        ..ProbeArgs::new("b", &log)
    };
    let b_fails = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(probe_with(b));
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    log.take();
    b_fails.store(1, Ordering::SeqCst);

    let _ = a.boom().await;
    // Queued for `a` while the group restarts: `b`'s failing `init` takes
    // 100 ms, and the instance of `a` started before it answers.
    let began = tokio::time::Instant::now();
    assert_eq!(a.echo(7).await, Ok(7));
    log.push(format!(
        "echo answered at {} ms",
        began.elapsed().as_millis()
    ));
    await_all_running(&sup).await;

    assert_eq!(
        log.take(),
        [
            "terminate a Panicked { message: \"boom a\" }",
            "terminate b Shutdown",
            "start a",
            "initializing b",
            "echo answered at 0 ms",
            "fail b",
            "terminate a Shutdown",
            "start a",
            "initializing b",
            "start b",
        ]
    );
    assert_eq!(a.seen().await.unwrap(), [] as [u64; 0]);
}

// Semantics 15.5: with rest_for_one, as in OTP, the next attempt restarts
// the child that failed to start and those after it; the siblings before
// it that the failed attempt started keep running.
#[tokio::test(start_paused = true)]
async fn rest_for_one_retries_a_failed_group_restart_from_the_child_that_failed() {
    let log = Log::new();
    let sup = tree_where_c_fails_once(Strategy::RestForOne, &log).await;
    let a = client(&sup, "a").await.id();

    let _ = client(&sup, "b").await.boom().await;
    await_all_running(&sup).await;

    assert_eq!(
        log.take(),
        [
            "terminate b Panicked { message: \"boom b\" }",
            "terminate c Shutdown",
            "start b",
            "fail c",
            "start c",
        ]
    );
    assert_eq!(client(&sup, "a").await.id(), a);
}

// Semantics 15.5: as in OTP, terminating the child whose restart failed
// drops its next attempt, and the siblings that attempt was to start are
// stopped children: their queued callers hear `Shutdown` and
// `restart_child` starts them again.
#[tokio::test(start_paused = true)]
async fn terminating_the_child_whose_restart_failed_stops_the_siblings_left_for_its_retry() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let log = Log::new();
        let mut b = ProbeArgs::new("b", &log);
        b.init_takes = Duration::from_secs(1);
        let b_fails = b.failing_starts.clone();
        let spec = SupervisorSpec::new(strategy)
            .child(probe("a", &log))
            .child(probe_with(b))
            .child(probe("c", &log));
        let sup = Supervisor::start(spec).await.unwrap();
        let c = client(&sup, "c").await;
        b_fails.store(1, Ordering::SeqCst);
        log.take();

        assert_eq!(
            client(&sup, "b").await.boom().await,
            Err(CallError::Exited(panicked("boom b")))
        );
        // The supervisor is in `b`'s `init`: these reach it before the
        // next attempt, queued when this one fails.
        while !log.take().iter().any(|e| e == "initializing b") {
            tokio::task::yield_now().await;
        }
        let terminate = tokio::spawn({
            let sup = sup.clone();
            async move { sup.terminate_child("b").await }
        });
        let queued = tokio::spawn({
            let c = c.clone();
            async move { c.echo(1).await }
        });
        tokio::task::yield_now().await;

        assert_eq!(terminate.await.unwrap(), Ok(()), "{strategy:?}");
        assert_eq!(
            queued.await.unwrap(),
            Err(CallError::Exited(ExitReason::Shutdown)),
            "{strategy:?}"
        );
        assert_eq!(c.echo(2).await, Err(CallError::NoProc), "{strategy:?}");
        let now = states(&sup).await;
        assert!(matches!(now[0].1, ChildState::Running(_)), "{now:?}");
        assert_eq!(
            now[1..],
            [
                ("b".to_string(), ChildState::Stopped),
                ("c".to_string(), ChildState::Stopped)
            ]
        );

        let c = sup.restart_child("c").await.unwrap();
        assert_eq!(states(&sup).await[2].1, ChildState::Running(c.id()));
        sup.restart_child("b").await.unwrap();
        // The dropped attempt started nothing.
        assert_eq!(
            log.take(),
            ["fail b", "start c", "initializing b", "start b"],
            "{strategy:?}"
        );
        sup.stop().await.unwrap();
    }
}

// Semantics 15.5: unlike OTP, which reports them `undefined`, the siblings
// a failed attempt did not start yet are `Restarting` and belong to the
// attempt: `restart_child` and `delete_child` of one fail with
// `Restarting` until the next attempt, which starts it.
#[tokio::test(start_paused = true)]
async fn siblings_a_failed_attempt_did_not_start_are_restarting_and_refuse_restart_and_delete() {
    let log = Log::new();
    let mut b = ProbeArgs::new("b", &log);
    b.init_takes = Duration::from_secs(1);
    let b_fails = b.failing_starts.clone();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(probe_with(b))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    b_fails.store(1, Ordering::SeqCst);
    log.take();

    let _ = client(&sup, "b").await.boom().await;
    // The supervisor is in `b`'s `init`: these reach it before the next
    // attempt, queued when this one fails.
    while !log.take().iter().any(|e| e == "initializing b") {
        tokio::task::yield_now().await;
    }
    let restart = tokio::spawn({
        let sup = sup.clone();
        async move { sup.restart_child("c").await.map(|_| ()) }
    });
    let delete = tokio::spawn({
        let sup = sup.clone();
        async move { sup.delete_child("c").await }
    });
    let seen = tokio::spawn({
        let sup = sup.clone();
        async move { states(&sup).await }
    });

    let restarting = Err(genserver::SupervisorError::Restarting);
    assert_eq!(restart.await.unwrap(), restarting);
    assert_eq!(delete.await.unwrap(), restarting);
    assert_eq!(
        seen.await.unwrap()[1..],
        [
            ("b".to_string(), ChildState::Restarting),
            ("c".to_string(), ChildState::Restarting)
        ]
    );
    await_all_running(&sup).await;
}

// Semantics 15.3: as in OTP, every member of a group restart that is not
// temporary is started again, whatever it ended with while the group was
// being stopped: here a transient child linked to a sibling, taken down by
// the sibling's `Shutdown`.
#[tokio::test(start_paused = true)]
async fn a_group_restart_restarts_a_transient_child_that_a_stopped_sibling_took_down() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(probe("b", &log).restart(Restart::Transient))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    let b = client(&sup, "b").await;
    b.link(client(&sup, "c").await).await.unwrap();
    let before = ids(&sup, &["a", "b", "c"]).await;
    log.take();

    crash_and_await_restart(&client(&sup, "a").await).await;

    assert_eq!(
        log.take(),
        [
            "terminate a Panicked { message: \"boom a\" }",
            "terminate c Shutdown",
            "terminate b Shutdown",
            "start a",
            "start b",
            "start c",
        ]
    );
    let now = states(&sup).await;
    for ((id, state), old) in now.iter().zip(&before) {
        assert!(
            matches!(state, ChildState::Running(new) if new != old),
            "{id}: {state:?}"
        );
    }
    assert_eq!(b.name().await, Ok("b"));
}

/// Calls a probe from its own handler, as a sibling that depends on it.
struct Relay {
    log: Log,
}

#[genserver]
impl Relay {
    /// Forwards `n` to `target`'s `echo`, waiting without a limit.
    #[call]
    async fn forward(&self, target: supervisor_support::ProbeClient, n: u64) -> u64 {
        target.without_timeout().echo(n).await.unwrap_or(0)
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate relay {reason:?}"));
    }
}

// Semantics 15.11: a sibling that waits on a call queued for the crashed
// child holds up a one_for_all restart. The call waits for the restart,
// the restart waits for the sibling to stop, and the sibling stops only
// when its shutdown timeout aborts it. The queued request is then handled
// by the restarted child, its caller gone (3.5).
#[tokio::test(start_paused = true)]
async fn a_sibling_waiting_on_the_crashed_child_holds_a_group_restart_until_its_shutdown_timeout() {
    let log = Log::timed();
    let relay_log = log.clone();
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe("a", &log))
        .child(
            ChildSpec::server::<Relay>("relay", move || Relay {
                log: relay_log.clone(),
            })
            .shutdown(Shutdown::Timeout(Duration::from_secs(1))),
        );
    let sup = Supervisor::start(spec).await.unwrap();
    let a = client(&sup, "a").await;
    let relay = sup.child::<Relay>("relay").await.unwrap();
    let relay_before = relay.id();
    log.take();

    // `a` is busy for 100 ms; the relay's call to it is queued behind.
    let busy = tokio::spawn({
        let a = a.clone();
        async move { a.sleep(Duration::from_millis(100)).await }
    });
    let forwarded = tokio::spawn({
        let a = a.clone();
        let relay = relay.clone();
        async move { relay.forward(a, 7).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    // `a` ends after its current message; what is queued stays for its
    // next instance.
    a.stop_with(ExitReason::error("down")).await.unwrap();
    assert_eq!(busy.await.unwrap(), Ok(0));

    assert_eq!(
        forwarded.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(a.seen().await, Ok(vec![7]));
    assert_eq!(
        log.take(),
        ["100 terminate a Error { source: \"down\" }", "1100 start a",]
    );
    assert_ne!(relay.id(), relay_before);
    sup.stop().await.unwrap();
}

// Semantics 15.3: a group restart stops each running sibling by its own
// shutdown: `Timeout(d)` asks and aborts after `d` (here in the middle of
// a long `terminate`), `BrutalKill` aborts at once without `terminate`.
#[tokio::test(start_paused = true)]
async fn a_group_restart_stops_each_sibling_by_its_shutdown() {
    let log = Log::timed();
    let slow = |name| ProbeArgs {
        terminate_takes: Duration::from_secs(10),
        ..ProbeArgs::new(name, &log)
    };
    let spec = SupervisorSpec::new(Strategy::OneForAll)
        .child(probe_with(slow("a")).shutdown(Shutdown::BrutalKill))
        .child(probe_with(slow("b")).shutdown(Shutdown::Timeout(Duration::from_secs(2))))
        .child(probe("c", &log));
    let sup = Supervisor::start(spec).await.unwrap();
    log.take();

    crash_and_await_restart(&client(&sup, "c").await).await;

    assert_eq!(
        log.take(),
        [
            "0 terminate c Panicked { message: \"boom c\" }",
            "0 terminate b Shutdown",
            "2000 start a",
            "2000 start b",
            "2000 start c",
        ]
    );
}

// Semantics 15.3: children stopped through `terminate_child`, or by a
// clean transient exit, are not part of a group restart: they stay
// stopped until `restart_child`.
#[tokio::test(start_paused = true)]
async fn a_group_restart_leaves_terminated_and_cleanly_exited_transient_children_stopped() {
    let log = Log::new();
    let spec = SupervisorSpec::new(Strategy::RestForOne)
        .child(probe("a", &log))
        .child(probe("b", &log))
        .child(probe("c", &log))
        .child(probe("d", &log).restart(Restart::Transient));
    let sup = Supervisor::start(spec).await.unwrap();
    sup.terminate_child("c").await.unwrap();
    let d = client(&sup, "d").await;
    let old = d.id();
    d.exit(ExitReason::Normal).await.unwrap();
    assert_eq!(
        supervisor_support::settle(&sup, "d", old).await,
        Some(ChildState::Stopped)
    );
    log.take();

    crash_and_await_restart(&client(&sup, "a").await).await;

    assert_eq!(
        log.take(),
        [
            "terminate a Panicked { message: \"boom a\" }",
            "terminate b Shutdown",
            "start a",
            "start b",
        ]
    );
    let now = states(&sup).await;
    assert_eq!(
        now[2..],
        [
            ("c".to_string(), ChildState::Stopped),
            ("d".to_string(), ChildState::Stopped)
        ]
    );
    sup.restart_child("c").await.unwrap();
    sup.restart_child("d").await.unwrap();
    assert_eq!(log.take(), ["start c", "start d"]);
}
