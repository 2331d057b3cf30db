//! What a server holds besides its state and ends when it exits: its
//! monitors, its tasks, and how it receives trapped exits.

use crate::monitor::MonitorSet;
use crate::task::TaskSet;
use crate::{Exit, GenServer};

/// Allocated on first use: a server that never monitors, spawns a task or
/// traps exits pays one word for it.
pub(crate) struct Owned<S: GenServer>(Option<Box<Held<S>>>);

pub(crate) struct Held<S: GenServer> {
    pub(crate) monitors: MonitorSet,
    pub(crate) tasks: TaskSet,
    /// Set while the server traps exits: how to make its message.
    pub(crate) trap: Option<fn(Exit) -> S::Message>,
}

impl<S: GenServer> Owned<S> {
    pub(crate) fn new() -> Self {
        Owned(None)
    }

    pub(crate) fn get(&mut self) -> &mut Held<S> {
        self.0.get_or_insert_with(|| {
            Box::new(Held {
                monitors: MonitorSet::default(),
                tasks: TaskSet::default(),
                trap: None,
            })
        })
    }

    pub(crate) fn trap(&self) -> Option<fn(Exit) -> S::Message> {
        self.0.as_ref().and_then(|held| held.trap)
    }

    /// Ends the monitors and aborts the tasks, without waiting: the server
    /// is exiting.
    pub(crate) fn release(&mut self) {
        if let Some(held) = &mut self.0 {
            held.monitors.release();
            held.tasks.abort_all();
        }
    }

    /// Waits until the tasks aborted by [`release`](Self::release) have
    /// ended.
    pub(crate) async fn join_tasks(&mut self) {
        if let Some(held) = &mut self.0 {
            held.tasks.join_all().await;
        }
    }
}

/// An instance that ends without reaching the end of its loop (its task
/// aborted) still ends what it holds.
impl<S: GenServer> Drop for Owned<S> {
    fn drop(&mut self) {
        self.release();
    }
}
