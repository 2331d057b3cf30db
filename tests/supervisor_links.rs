//! Supervisors and links: a supervisor traps exits, as OTP's does, so a
//! linked server's end does not take its tree down, and a supervisor that
//! a server started linked ends with that server, whatever its reason
//! (docs/semantics.md, 17.8).

mod supervisor_support;

use genserver::prelude::*;
use genserver::{DynamicSupervisorClient, SupervisorClient};
use supervisor_support::{Log, probe};
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
