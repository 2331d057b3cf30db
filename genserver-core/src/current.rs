//! Which server's task is running, so that a handler calling or stopping
//! its own server fails at once instead of waiting for itself.

use std::future::Future;

use crate::ServerId;

tokio::task_local! {
    static CURRENT: ServerId;
}

/// The server whose task is polling, if any. Tasks spawned from a handler
/// are not the server's task: they may call it.
pub(crate) fn current_server() -> Option<ServerId> {
    CURRENT.try_with(|id| *id).ok()
}

pub(crate) fn scope<F: Future>(id: ServerId, future: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(id, future)
}
