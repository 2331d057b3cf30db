//! Supervisors and links: a supervisor traps exits, as OTP's does, so a
//! linked server's end does not take its tree down, and a supervisor that
//! a server started linked ends with that server, whatever its reason
//! (docs/semantics.md, 17.8).

mod supervisor_support;

use genserver::prelude::*;
use genserver::{DynamicSupervisorClient, SupervisorClient};
use supervisor_support::{Log, ProbeArgs, probe, probe_with};
use tokio::time::timeout;

/// Starts supervisors linked to itself, and links itself to others.
struct Owner;

#[genserver]
impl Owner {
    #[call]
    async fn start_tree(
        &mut self,
        spec: SupervisorSpec,
        ctx: &mut Context<Self>,
    ) -> SupervisorClient {
        ctx.start_link::<Supervisor>(spec).await.unwrap()
    }

    #[call]
    async fn start_dynamic_tree(&mut self, ctx: &mut Context<Self>) -> DynamicSupervisorClient {
        let spec = DynamicSupervisorSpec::new();
        ctx.start_link::<DynamicSupervisor>(spec).await.unwrap()
    }

    #[call]
    fn link_to_tree(&mut self, sup: SupervisorClient, ctx: &mut Context<Self>) {
        ctx.link(&sup);
    }

    #[call]
    fn link_to_dynamic_tree(&mut self, sup: DynamicSupervisorClient, ctx: &mut Context<Self>) {
        ctx.link(&sup);
    }

    #[cast]
    fn fail(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error("owner failed"));
    }
}

fn tree(log: &Log) -> SupervisorSpec {
    SupervisorSpec::new(Strategy::OneForOne).child(probe("worker", log))
}

/// 17.7 and 17.8: a supervisor started linked by a server is that
/// server's child: when the server stops, even normally, the supervisor
/// stops with the same reason, its children first.
#[tokio::test(start_paused = true)]
async fn a_supervisor_started_linked_stops_with_its_parent_even_normally() {
    let log = Log::new();
    let owner = Owner::start(Owner).await.unwrap();
    let sup = owner.start_tree(tree(&log)).await.unwrap();
    let dynamic = owner.start_dynamic_tree().await.unwrap();
    owner.stop().await.unwrap();
    let limit = std::time::Duration::from_secs(60);
    assert_eq!(timeout(limit, sup.wait()).await, Ok(ExitReason::Normal));
    assert_eq!(timeout(limit, dynamic.wait()).await, Ok(ExitReason::Normal));
    assert_eq!(log.take(), ["start worker", "terminate worker Shutdown"]);
}

/// 17.8: a linked server that is not its parent ending abnormally does
/// not stop a supervisor: the signal is trapped and ignored, as OTP's
/// supervisor ignores the `EXIT` of a process that is not its child.
#[tokio::test(start_paused = true)]
async fn a_linked_server_that_crashes_does_not_take_a_supervisor_down() {
    let log = Log::new();
    let sup = Supervisor::start(tree(&log)).await.unwrap();
    let dynamic = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let owner = Owner::start(Owner).await.unwrap();
    owner.link_to_tree(sup.clone()).await.unwrap();
    owner.link_to_dynamic_tree(dynamic.clone()).await.unwrap();
    owner.fail().await.unwrap();
    assert_eq!(owner.wait().await.to_string(), "error: owner failed");
    // The signals are queued before `wait()` returns (17.2), so the
    // supervisors have them ahead of these requests.
    assert_eq!(sup.count_children().await.unwrap().active, 1);
    assert_eq!(dynamic.count_children().await.unwrap().active, 0);
    assert!(sup.is_alive() && dynamic.is_alive());
    assert_eq!(log.take(), ["start worker"]);
    sup.stop().await.unwrap();
    dynamic.stop().await.unwrap();
}

/// 17.9: a supervisor started linked stops when its parent ends, with the
/// parent's reason (here an error), stopping its children first: one at a
/// time in reverse order, or, for a dynamic supervisor, all at once.
#[tokio::test(start_paused = true)]
async fn a_supervisor_started_linked_stops_with_its_parents_error_after_its_children() {
    let (tree_log, dynamic_log) = (Log::timed(), Log::timed());
    let slow = |name, log: &Log| {
        probe_with(ProbeArgs {
            terminate_takes: std::time::Duration::from_secs(1),
            ..ProbeArgs::new(name, log)
        })
    };
    let owner = Owner::start(Owner).await.unwrap();
    let sup = owner
        .start_tree(
            SupervisorSpec::new(Strategy::OneForOne)
                .child(slow("a", &tree_log))
                .child(slow("b", &tree_log)),
        )
        .await
        .unwrap();
    let dynamic = owner.start_dynamic_tree().await.unwrap();
    dynamic.start_child(slow("x", &dynamic_log)).await.unwrap();
    dynamic.start_child(slow("y", &dynamic_log)).await.unwrap();
    tree_log.take();
    dynamic_log.take();

    owner.fail().await.unwrap();

    let limit = std::time::Duration::from_secs(60);
    let (sup_ended, dynamic_ended) =
        tokio::join!(timeout(limit, sup.wait()), timeout(limit, dynamic.wait()));
    assert_eq!(sup_ended.unwrap().to_string(), "error: owner failed");
    assert_eq!(dynamic_ended.unwrap().to_string(), "error: owner failed");
    assert_eq!(
        tree_log.take(),
        [
            "0 terminate b Shutdown",
            "1000 terminated b",
            "1000 terminate a Shutdown",
            "2000 terminated a",
        ]
    );
    let mut together = dynamic_log.take();
    together.sort();
    assert_eq!(
        together,
        [
            "0 terminate x Shutdown",
            "0 terminate y Shutdown",
            "1000 terminated x",
            "1000 terminated y",
        ]
    );
}

/// 17.9: the signal of a supervisor's own child, linked to it with
/// `ctx.link`, is ignored as any other: the tree stays up, and the child's
/// end reaches the supervisor through its watch, as a restart.
#[tokio::test(start_paused = true)]
async fn a_child_linked_to_its_own_supervisor_does_not_take_it_down() {
    let owner_child = || ChildSpec::server::<Owner>("owner", || Owner);
    let sup = Supervisor::start(SupervisorSpec::new(Strategy::OneForOne).child(owner_child()))
        .await
        .unwrap();
    let owner = sup.child::<Owner>("owner").await.unwrap();
    let first = owner.id();
    owner.link_to_tree(sup.clone()).await.unwrap();
    owner.fail().await.unwrap();
    // Queued behind the failure: answered by the restarted instance, which
    // the supervisor started after it had the link's signal.
    assert_eq!(owner.stats().await.map(|s| s.restarts), Ok(1));
    assert_ne!(owner.id(), first);
    assert!(sup.is_alive());

    let dynamic = DynamicSupervisor::start(DynamicSupervisorSpec::new())
        .await
        .unwrap();
    let child = dynamic.start_child(owner_child()).await.unwrap();
    let owner = child.client::<Owner>().unwrap();
    owner.link_to_dynamic_tree(dynamic.clone()).await.unwrap();
    owner.fail().await.unwrap();
    assert_eq!(owner.stats().await.map(|s| s.restarts), Ok(1));
    assert_ne!(owner.id(), child.id());
    assert!(dynamic.is_alive());

    sup.stop().await.unwrap();
    dynamic.stop().await.unwrap();
}
