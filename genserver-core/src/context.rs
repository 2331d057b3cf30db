use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::alarm;
use crate::info::FromInfo;
use crate::instance::Instance;
use crate::owned::{Held, IdleAt, Owned};
use crate::{Client, ExitReason, GenServer, IdleTimeout, Reply, ReplyTo, ServerId, ServerRef};

/// The server's view of itself, passed to `init`, handlers and `terminate`.
///
/// Through it a handler learns its own address and asks to stop.
pub struct Context<S: GenServer> {
    me: ServerRef<S>,
    instance: Arc<Instance>,
    /// A stop request, monitors, tasks, exit trapping, continues, the idle
    /// timeout, and deferred and held-back replies.
    owned: Owned<S>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(me: ServerRef<S>, instance: Arc<Instance>) -> Self {
        Context {
            me,
            instance,
            owned: Owned::new(),
        }
    }

    /// This server's id.
    #[must_use]
    pub fn id(&self) -> ServerId {
        self.instance.id
    }

    pub(crate) fn instance(&self) -> &Arc<Instance> {
        &self.instance
    }

    /// This server's address.
    #[must_use]
    pub fn server_ref(&self) -> &ServerRef<S> {
        &self.me
    }

    /// A client for this server, to hand to other servers or tasks.
    ///
    /// A call made through it from this server's own handlers fails with
    /// [`CallError::CallingSelf`](crate::CallError::CallingSelf).
    #[must_use]
    pub fn client(&self) -> S::Client {
        S::Client::from_server_ref(self.me.clone())
    }

    /// Stops the server once the current handler returns: no further
    /// message is handled, `terminate` runs with `reason`, and queued
    /// callers get [`CallError::Exited`](crate::CallError::Exited) (on a
    /// supervised child that its supervisor restarts, what is queued is
    /// kept for the new instance instead: semantics 15.11). A call
    /// handler that stops the server still replies, after `terminate`.
    ///
    /// The first reason given wins. A handler that asks to stop and then
    /// returns `Err` or panics ends the server with that error or panic
    /// instead. Called from `init`, it makes the start
    /// fail with [`StartError::Init`](crate::StartError::Init) and that reason.
    pub fn stop(&mut self, reason: ExitReason) {
        let stop = &mut self.owned.get().stop;
        if stop.is_none() {
            *stop = Some(reason);
        }
    }

    /// `true` once [`stop`](Self::stop) has been called, until the handler
    /// (or `init`) that called it returns; the server then stops. In
    /// `terminate` it is `false`: the reason the server stops with, for
    /// whatever cause, is `terminate`'s argument.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.owned
            .existing()
            .is_some_and(|held| held.stop.is_some())
    }

    /// Handles `message` before anything in the mailbox (OTP's
    /// `handle_continue`). Continues run first in, first out: several
    /// asked for by one handler run in the order given, and one asked for
    /// by a continue runs after those already pending. From `init`, the
    /// continue runs before the first queued message.
    ///
    /// The message goes to the server's `#[info]` handler for its type.
    pub fn continue_with<M>(&mut self, message: M)
    where
        S::Message: FromInfo<M>,
    {
        self.owned.get().continues.push_back(message.into());
    }

    /// Asks for an [`IdleTimeout`] info message if no message arrives
    /// within `after` (the timeout of OTP's `{:noreply, state, timeout}`).
    ///
    /// The time counts from when the server next waits for a message: from
    /// the end of the handler (or of `init`) that asked, not from this
    /// call, so a handler that goes on awaiting after asking does not use
    /// up the timeout. Any message handled before it fires cancels it,
    /// including a continue; runtime requests (statistics, state
    /// inspection) do not, nor do they restart it. It fires at most once;
    /// a handler that wants another asks again. Calling this again
    /// replaces the previous request.
    pub fn set_idle_timeout(&mut self, after: Duration)
    where
        S::Message: FromInfo<IdleTimeout>,
    {
        fn idle<M>() -> M
        where
            IdleTimeout: Into<M>,
        {
            IdleTimeout.into()
        }
        self.owned.get().idle = Some((IdleAt::After(after), idle::<S::Message>));
    }

    /// Cancels a pending [`set_idle_timeout`](Self::set_idle_timeout).
    pub fn cancel_idle_timeout(&mut self) {
        if let Some(held) = self.owned.existing_mut() {
            held.idle = None;
        }
    }

    /// Whether an idle timeout is due now: one of zero, or one whose
    /// time came while the server was busy.
    pub(crate) fn idle_due(&mut self) -> bool {
        self.idle_deadline().is_some_and(|at| at <= Instant::now())
    }

    pub(crate) fn has_continue(&self) -> bool {
        self.owned
            .existing()
            .is_some_and(|held| !held.continues.is_empty())
    }

    pub(crate) fn next_continue(&mut self) -> Option<S::Message> {
        self.owned.existing_mut()?.continues.pop_front()
    }

    /// When the idle timeout fires, fixed by the first wait after it was
    /// asked for. `None` also for a timeout too long to fall on tokio's
    /// clock: it never fires.
    pub(crate) fn idle_deadline(&mut self) -> Option<Instant> {
        let (when, _) = self.owned.existing_mut()?.idle.as_mut()?;
        match *when {
            IdleAt::At(at) => Some(at),
            IdleAt::After(after) => {
                let at = alarm::after(Instant::now(), after)?;
                *when = IdleAt::At(at);
                Some(at)
            }
        }
    }

    pub(crate) fn take_idle_message(&mut self) -> Option<S::Message> {
        self.owned
            .existing_mut()?
            .idle
            .take()
            .map(|(_, make)| make())
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.owned.existing_mut()?.stop.take()
    }

    /// Answers a call: at once, or after `terminate` when the handler asked
    /// to stop. Used by generated dispatch.
    #[doc(hidden)]
    #[inline]
    pub fn __reply<T: Send + 'static>(&mut self, reply_to: ReplyTo<T>, value: T) {
        if self.is_stopping() {
            self.reply_after_terminate(reply_to, value);
        } else {
            reply_to.send(value);
        }
    }

    #[cold]
    fn reply_after_terminate<T: Send + 'static>(&mut self, reply_to: ReplyTo<T>, value: T) {
        self.owned.get().after_terminate.push(Box::new(move || {
            reply_to.send(value);
        }));
    }

    /// Turns a call's reply channel into a [`Reply`] the handler keeps.
    /// Used by generated dispatch.
    #[doc(hidden)]
    pub fn __defer<T: Send + 'static>(&mut self, reply_to: ReplyTo<T>) -> Reply<T> {
        let (reply, weak) = Reply::new(reply_to, Arc::clone(&self.instance), self.me.address_key());
        // Forget replies already answered or dropped before remembering a
        // new one, so a long-lived server does not accumulate them.
        let deferred = &mut self.owned.get().deferred;
        if deferred.len() == deferred.capacity() {
            deferred.retain(|w| w.strong_count() > 0);
        }
        deferred.push(weak);
        reply
    }

    /// Cancels outstanding deferred replies, ends the monitors and aborts
    /// the tasks. Runs after the exit reason is decided, while exiting.
    ///
    /// Replies held back by a stopping call are delivered if `terminate`
    /// has run. Otherwise (the task was aborted, in `terminate` or before)
    /// they are dropped, and their callers hear the exit reason: the
    /// reply was promised for after `terminate`, and a process killed
    /// during its cleanup never replies in OTP either.
    pub(crate) fn finish(&mut self, reason: &ExitReason, terminated: bool) {
        if let Some(held) = self.owned.existing_mut() {
            for weak in held.deferred.drain(..) {
                if let Some(slot) = weak.upgrade() {
                    slot.revoke(reason);
                }
            }
            // A reply whose caller has gone is dropped here, and its
            // `Drop` is the user's: a panic there is reported and goes no
            // further, so that the other replies and the end still follow.
            for deliver in held.after_terminate.drain(..) {
                if terminated {
                    let _ = crate::current::survive(deliver);
                } else {
                    crate::server_loop::drop_reported(deliver);
                }
            }
        }
        self.owned.release();
    }

    /// Waits until the tasks aborted by [`finish`](Self::finish) have ended.
    pub(crate) async fn join_tasks(&mut self) {
        self.owned.join_tasks().await;
    }

    pub(crate) fn owned(&mut self) -> &mut Held<S> {
        self.owned.get()
    }

    pub(crate) fn owned_trap(&self) -> Option<fn(crate::Exit) -> S::Message> {
        self.owned.trap()
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &S::NAME)
            .field("id", &self.id())
            .field("stopping", &self.is_stopping())
            .finish_non_exhaustive()
    }
}
