use std::fmt;
use std::sync::{Arc, Weak};

use crate::reply::Revoke;
use crate::{Client, ExitReason, GenServer, Reply, ReplyTo, ServerId, ServerRef};

/// The server's view of itself, passed to `init`, handlers and `terminate`.
///
/// Through it a handler learns its own address and asks to stop.
pub struct Context<S: GenServer> {
    me: ServerRef<S>,
    stop: Option<ExitReason>,
    /// Replies held back until `terminate` has run (a call that stops the
    /// server answers after the server has cleaned up, as OTP's
    /// `{:stop, reason, reply, state}`).
    after_terminate: Vec<Box<dyn FnOnce() + Send>>,
    deferred: Vec<Weak<dyn Revoke>>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(me: ServerRef<S>) -> Self {
        Context {
            me,
            stop: None,
            after_terminate: Vec::new(),
            deferred: Vec::new(),
        }
    }

    /// This server's id.
    #[must_use]
    pub fn id(&self) -> ServerId {
        self.me.id()
    }

    /// This server's address.
    #[must_use]
    pub fn server_ref(&self) -> &ServerRef<S> {
        &self.me
    }

    /// A client for this server, to hand to other servers or tasks.
    ///
    /// Calling it from this server's own handlers fails with
    /// [`CallError::CallingSelf`](crate::CallError::CallingSelf).
    #[must_use]
    pub fn client(&self) -> S::Client {
        S::Client::from_server_ref(self.me.clone())
    }

    /// Stops the server once the current handler returns: no further
    /// message is handled, `terminate` runs with `reason`, and queued
    /// callers get [`CallError::Exited`](crate::CallError::Exited). A call
    /// handler that stops the server still replies, after `terminate`.
    ///
    /// The first reason given wins. Called from `init`, it makes the start
    /// fail with [`StartError::Init`](crate::StartError::Init) and that reason.
    pub fn stop(&mut self, reason: ExitReason) {
        if self.stop.is_none() {
            self.stop = Some(reason);
        }
    }

    /// `true` once [`stop`](Self::stop) has been called.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.stop.is_some()
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take()
    }

    /// Answers a call: at once, or after `terminate` when the handler asked
    /// to stop. Used by generated dispatch.
    #[doc(hidden)]
    pub fn __reply<T: Send + 'static>(&mut self, reply_to: ReplyTo<T>, value: T) {
        if self.stop.is_some() {
            self.after_terminate.push(Box::new(move || {
                reply_to.send(value);
            }));
        } else {
            reply_to.send(value);
        }
    }

    /// Turns a call's reply channel into a [`Reply`] the handler keeps.
    /// Used by generated dispatch.
    #[doc(hidden)]
    pub fn __defer<T: Send + 'static>(&mut self, reply_to: ReplyTo<T>) -> Reply<T> {
        let (reply, weak) = Reply::new(reply_to, Arc::clone(&self.me.inner().exit), self.id());
        // Forget replies already answered or dropped before remembering a
        // new one, so a long-lived server does not accumulate them.
        if self.deferred.len() == self.deferred.capacity() {
            self.deferred.retain(|w| w.strong_count() > 0);
        }
        self.deferred.push(weak);
        reply
    }

    /// Cancels outstanding deferred replies and delivers held-back ones.
    /// Runs after the exit reason is decided.
    pub(crate) fn finish(&mut self) {
        for weak in self.deferred.drain(..) {
            if let Some(slot) = weak.upgrade() {
                slot.revoke();
            }
        }
        for deliver in self.after_terminate.drain(..) {
            deliver();
        }
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &S::NAME)
            .field("id", &self.id())
            .field("stopping", &self.stop)
            .finish_non_exhaustive()
    }
}
