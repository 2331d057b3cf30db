//! Delivery of the runtime's notices (monitor `Down`s, exit signals) from
//! code that cannot wait: exit watchers run synchronously in the task of
//! the server that ends.

use std::sync::Arc;

use crate::envelope::Envelope;
use crate::server_ref::Inner;
use crate::{GenServer, TrySendError};

/// Queues `envelope` without waiting. A full bounded mailbox does not lose
/// it: a task waits for room and queues it then. A closed mailbox (the
/// server has ended) drops it.
pub(crate) fn deliver<S: GenServer>(address: &Arc<Inner<S>>, envelope: Envelope<S>) {
    match address.mailbox.try_send(envelope) {
        Ok(()) | Err(TrySendError::NoProc(_)) => {}
        Err(TrySendError::Full(envelope)) => {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let address = Arc::clone(address);
                runtime.spawn(async move {
                    let _ = address.mailbox.send(envelope).await;
                });
            }
        }
    }
}
