//! What a server's context holds beyond its address, for features a
//! server may never use: a stop request, monitors, tasks, trapped exits,
//! continues, the idle timeout, deferred and held-back replies.

use std::collections::VecDeque;
use std::sync::Weak;
use std::time::Duration;

use tokio::time::Instant;

use crate::monitor::MonitorSet;
use crate::reply::Revoke;
use crate::task::TaskSet;
use crate::{Exit, ExitReason, GenServer};

/// When the idle timeout fires, and how to build its message.
pub(crate) type IdleRequest<S> = (IdleAt, fn() -> <S as GenServer>::Message);

/// When an idle timeout fires: `After` the server next waits for a
/// message, until the loop starts waiting and fixes the instant.
#[derive(Clone, Copy)]
pub(crate) enum IdleAt {
    After(Duration),
    At(Instant),
}

/// Allocated on first use: a server that uses none of it pays one word,
/// in the task that every server has.
pub(crate) struct Owned<S: GenServer>(Option<Box<Held<S>>>);

pub(crate) struct Held<S: GenServer> {
    /// Asked for with `Context::stop`, until the loop takes it.
    pub(crate) stop: Option<ExitReason>,
    pub(crate) monitors: MonitorSet,
    pub(crate) tasks: TaskSet,
    /// How to make an `Exit` message, set once the server first traps
    /// exits and kept when it stops trapping: a signal that arrived while
    /// it trapped is a message by then, whatever the server does after.
    pub(crate) trap: Option<fn(Exit) -> S::Message>,
    pub(crate) continues: VecDeque<S::Message>,
    pub(crate) idle: Option<IdleRequest<S>>,
    /// Replies held back until `terminate` has run (a call that stops the
    /// server answers after the server has cleaned up, as OTP's
    /// `{:stop, reason, reply, state}`).
    pub(crate) after_terminate: Vec<Box<dyn FnOnce() + Send>>,
    pub(crate) deferred: Vec<Weak<dyn Revoke>>,
}

impl<S: GenServer> Owned<S> {
    pub(crate) fn new() -> Self {
        Owned(None)
    }

    pub(crate) fn get(&mut self) -> &mut Held<S> {
        self.0.get_or_insert_with(|| {
            Box::new(Held {
                stop: None,
                monitors: MonitorSet::default(),
                tasks: TaskSet::default(),
                trap: None,
                continues: VecDeque::new(),
                idle: None,
                after_terminate: Vec::new(),
                deferred: Vec::new(),
            })
        })
    }

    /// What is held, without allocating it: the per-message checks
    /// (continues, idle timeout) stay one test of a pointer.
    pub(crate) fn existing(&self) -> Option<&Held<S>> {
        self.0.as_deref()
    }

    pub(crate) fn existing_mut(&mut self) -> Option<&mut Held<S>> {
        self.0.as_deref_mut()
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
            // Boxed: the wait would otherwise take room in every server's
            // task, for the few that spawn tasks.
            Box::pin(held.tasks.join_all()).await;
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
