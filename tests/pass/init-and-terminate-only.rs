//! A server that only holds a resource: `#[init]` and `#[terminate]`, no
//! message handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use genserver::prelude::*;

/// Holds a flag up while it runs.
pub struct Guard {
    up: Arc<AtomicBool>,
}

#[genserver]
impl Guard {
    /// Raises the flag.
    #[init]
    pub async fn raise(up: Arc<AtomicBool>, ctx: &mut Context<Self>) -> Self {
        let _ = ctx.id();
        up.store(true, Ordering::SeqCst);
        Guard { up }
    }

    #[terminate]
    fn lower(&mut self, ctx: &mut Context<Self>, _reason: &ExitReason) {
        let _ = ctx.id();
        self.up.store(false, Ordering::SeqCst);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let up = Arc::new(AtomicBool::new(false));
    let guard: GuardClient = Guard::start(Arc::clone(&up)).await.unwrap();
    assert!(up.load(Ordering::SeqCst));
    assert_eq!(format!("{guard:?}").split(' ').next(), Some("GuardClient"));
    guard.stop().await.unwrap();
    assert!(!up.load(Ordering::SeqCst));
}
