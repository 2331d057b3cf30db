//! Delivery of the runtime's notices (monitor `Down`s, exit signals,
//! supervisors' own notices) from code that cannot wait: exit watchers run
//! synchronously in the task of the server that ends.

use std::sync::Arc;

use crate::GenServer;
use crate::envelope::Envelope;
use crate::server_ref::Inner;

/// Queues `envelope` at once, over the bound of a full bounded mailbox
/// (OTP never refuses a signal). Nothing waits for room on its behalf:
/// the ending server's runtime, the only one at hand, may be shutting
/// down or never run again. A closed mailbox (the server has ended) drops
/// it.
pub(crate) fn deliver<S: GenServer>(address: &Arc<Inner<S>>, envelope: Envelope<S>) {
    let _ = address.mailbox.send_over_bound(envelope);
}
