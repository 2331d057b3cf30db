use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::call::{Call, DEFAULT_CALL_TIMEOUT};
use crate::envelope::Envelope;
use crate::instance::Instance;
use crate::mailbox::{Mailbox, MailboxCapacity, MailboxOwner, MailboxReceiver};
use crate::reply::ReplyTo;
use crate::{
    CallError, Context, ExitReason, GenServer, ServerId, StopError, TrySendError, current,
};

mod send;

pub use send::SendFuture;

/// The address of a running server, typed by the server but not by its API.
///
/// Generated clients wrap one; generic code (supervisors, registries) uses
/// it directly. Cloning is cheap (one reference count). A `ServerRef` does
/// not keep the server alive, nor does dropping every one stop it: the
/// server runs until it is stopped or exits. A `ServerRef` stays valid
/// after the server stops: every operation then reports that it is gone.
pub struct ServerRef<S: GenServer> {
    inner: Arc<Inner<S>>,
    timeout: TimeoutChoice,
}

/// The address: the mailbox, and the instance currently behind it. One
/// allocation for both, which every server has.
pub(crate) struct Inner<S: GenServer> {
    pub(crate) mailbox: Mailbox<Envelope<S>>,
    instance: Mutex<Arc<Instance>>,
}

/// The call timeout a reference imposes, in one word rather than the two
/// of an `Option<Option<Duration>>`: every client handle carries it, and
/// servers keep many handles. Nanoseconds, with the two largest values
/// for "not set" and "no limit"; a longer timeout than the rest can hold
/// (about 584 years) is kept as that.
#[derive(Clone, Copy)]
struct TimeoutChoice(u64);

impl TimeoutChoice {
    /// The handler's own timeout, or the default.
    const UNSET: Self = TimeoutChoice(u64::MAX);
    const NO_LIMIT: Self = TimeoutChoice(u64::MAX - 1);

    fn set(timeout: Option<Duration>) -> Self {
        match timeout {
            None => Self::NO_LIMIT,
            Some(timeout) => {
                let longest = u128::from(u64::MAX - 2);
                let nanos = timeout.as_nanos().min(longest);
                TimeoutChoice(u64::try_from(nanos).unwrap_or(u64::MAX - 2))
            }
        }
    }

    /// The timeout set, `None` for no limit; `unset()` when none was set.
    fn resolve(self, unset: impl FnOnce() -> Option<Duration>) -> Option<Duration> {
        match self.0 {
            u64::MAX => unset(),
            nanos if nanos == Self::NO_LIMIT.0 => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }
}

/// The receiving end of a server's mailbox, held by its running instance
/// and handed to the next one on a restart.
pub(crate) type ServerMailbox<S> = MailboxReceiver<Envelope<S>, Arc<Inner<S>>>;

impl<S: GenServer> MailboxOwner<Envelope<S>> for Arc<Inner<S>> {
    fn mailbox(&self) -> &Mailbox<Envelope<S>> {
        &self.mailbox
    }
}

impl<S: GenServer> Inner<S> {
    /// A new address with `instance` behind it, and its mailbox's one
    /// receiver.
    pub(crate) fn new(
        capacity: MailboxCapacity,
        instance: Arc<Instance>,
    ) -> (Arc<Self>, ServerMailbox<S>) {
        let inner = Arc::new(Inner {
            mailbox: Mailbox::new(capacity),
            instance: Mutex::new(instance),
        });
        let receiver = MailboxReceiver::new(Arc::clone(&inner));
        (inner, receiver)
    }

    /// The instance behind the address now. Not on the path of calls and
    /// casts, which only need the mailbox.
    pub(crate) fn instance(&self) -> Arc<Instance> {
        Arc::clone(&self.instance.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Ends the address for good with `reason`, behind which no instance
    /// runs any more ([`Instance::closed_after`]); before its mailbox
    /// closes, so that the senders the close wakes find that reason.
    pub(crate) fn end_with(&self, reason: ExitReason) {
        let mut current = self.instance.lock().unwrap_or_else(PoisonError::into_inner);
        *current = Arc::new(Instance::closed_after(&current, reason));
    }

    /// Puts a new instance behind the address (a restart), counting it.
    pub(crate) fn replace_instance(&self, instance: Arc<Instance>) {
        let mut current = self.instance.lock().unwrap_or_else(PoisonError::into_inner);
        instance.count_restart_after(&current);
        *current = instance;
    }

    /// Asks `instance`, behind this address, to stop after the message it
    /// is handling; an idle one is woken to notice.
    pub(crate) fn request_stop(&self, instance: &Instance, reason: ExitReason) {
        instance.request_stop(reason);
        self.mailbox.interrupt();
    }

    /// Identifies the address for the self-call check, without a lock.
    pub(crate) fn key(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self).cast::<()>() as usize
    }
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn from_inner(inner: Arc<Inner<S>>) -> Self {
        ServerRef {
            inner,
            timeout: TimeoutChoice::UNSET,
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner<S>> {
        &self.inner
    }

    /// The id of the server instance behind this address: after a
    /// supervisor restarts the server, the new instance's id.
    #[must_use]
    pub fn id(&self) -> ServerId {
        self.inner.instance().id
    }

    /// `true` until the server starts to exit. A `true` answer can be out of
    /// date by the time it is read; calls report a stopped server reliably.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        !self.inner.instance().exit.is_exiting()
    }

    /// Waits until the server has stopped, for whatever reason, and
    /// returns that reason. Returns at once if it already has.
    ///
    /// It waits for the instance behind the address when it is called: for
    /// a supervised child that a supervisor has already restarted, that is
    /// the new instance, and this waits for its end.
    ///
    /// Awaited in one of the server's own handlers it never returns: the
    /// server cannot end while the handler waits. A handler that wants its
    /// server to end calls [`Context::stop`](crate::Context::stop).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future has no effect on the server.
    pub async fn wait(&self) -> ExitReason {
        self.inner.instance().exit.finished().await
    }

    /// A copy of this reference whose calls time out after `timeout`,
    /// overriding each handler's own timeout and the 5 s default. A
    /// timeout longer than `u64::MAX - 2` nanoseconds (about 584 years)
    /// counts as that.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        ServerRef {
            inner: Arc::clone(&self.inner),
            timeout: TimeoutChoice::set(Some(timeout)),
        }
    }

    /// A copy of this reference whose calls wait for their reply without a
    /// time limit (Elixir's `:infinity`). A call still ends when the server
    /// exits.
    #[must_use]
    pub fn without_timeout(&self) -> Self {
        ServerRef {
            inner: Arc::clone(&self.inner),
            timeout: TimeoutChoice::set(None),
        }
    }

    /// The timeout a call through this reference uses: the one set with
    /// [`with_timeout`](Self::with_timeout) or
    /// [`without_timeout`](Self::without_timeout), else `handler_default`
    /// (the handler's `#[call(timeout = ...)]`), else 5 seconds.
    #[must_use]
    pub fn call_timeout(&self, handler_default: Option<Option<Duration>>) -> Option<Duration> {
        self.timeout
            .resolve(|| handler_default.unwrap_or(Some(DEFAULT_CALL_TIMEOUT)))
    }

    /// Sends a request built by `request` around a fresh [`ReplyTo`] and
    /// waits for the reply, with the timeout of
    /// [`call_timeout(None)`](Self::call_timeout). Like an `async fn`, the
    /// returned future does nothing until it is first polled: `request` runs
    /// and the request is sent then.
    ///
    /// This is what generated client methods do; call those instead.
    ///
    /// # Errors
    ///
    /// Exactly one [`CallError`] when there is no reply: see its variants.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes withdraws the caller: the
    /// request may still be handled, and its reply is discarded.
    pub fn call<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> S::Message,
    ) -> impl Future<Output = Result<R, CallError>> {
        self.call_with(request, self.call_timeout(None))
    }

    /// [`call`](Self::call) with an explicit timeout (`None`: no limit).
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    ///
    /// # Cancel safety
    ///
    /// As [`call`](Self::call).
    pub fn call_with<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> S::Message,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<R, CallError>> {
        Call::new(self, request, timeout)
    }

    /// Queues a message without waiting for it to be handled. In a bounded
    /// mailbox that is full, waits for room (backpressure). The message is
    /// converted at once, and queued, with the span current then, when the
    /// future is first polled.
    ///
    /// # Errors
    ///
    /// The future resolves to [`SendError`](crate::SendError) with the message when the
    /// server has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped while waiting for room, the
    /// message was not queued.
    pub fn send(&self, message: impl Into<S::Message>) -> SendFuture<'_, S> {
        SendFuture::new(&self.inner.mailbox, message.into())
    }

    /// Queues a message if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when a bounded mailbox is full,
    /// [`TrySendError::NoProc`] when the server has stopped; both hand the
    /// message back.
    pub fn try_send(&self, message: impl Into<S::Message>) -> Result<(), TrySendError<S::Message>> {
        self.inner
            .mailbox
            .try_send(Envelope::message(message.into()))
            .map_err(|e| match e {
                TrySendError::Full(env) => TrySendError::Full(returned(env)),
                TrySendError::NoProc(env) => TrySendError::NoProc(returned(env)),
            })
    }

    /// Stops the server with [`ExitReason::Normal`] and waits until it has
    /// stopped. See [`stop_with`](Self::stop_with).
    ///
    /// # Errors
    ///
    /// As [`stop_with`](Self::stop_with).
    ///
    /// # Cancel safety
    ///
    /// As [`stop_with`](Self::stop_with).
    pub async fn stop(&self) -> Result<(), StopError> {
        self.stop_with(ExitReason::Normal).await
    }

    /// Stops the server with `reason` and waits until it has stopped.
    ///
    /// The server finishes the message it is handling, if any, then
    /// `terminate` runs with `reason`; the requests still queued are not
    /// handled, and their callers get
    /// [`CallError::Exited`] with `reason`. On a supervised child that its
    /// supervisor restarts, they are kept instead, for the new instance
    /// (semantics 15.11, 15.13). Returns once `terminate` has
    /// run, the state is dropped and none of the server's code runs again
    /// (its tokio task returns right after). If the server
    /// exits on its own first, for another reason, this still returns once
    /// it has ended.
    ///
    /// # Errors
    ///
    /// [`StopError::NoProc`] if the server had already stopped, or, on a
    /// supervised child, while it waits to be restarted (no instance runs
    /// to stop; semantics 15.13);
    /// [`StopError::CallingSelf`] from one of the server's own handlers
    /// (use [`Context::stop`](crate::Context::stop) there).
    ///
    /// # Cancel safety
    ///
    /// The request is made before the first wait: dropping the future
    /// does not withdraw it.
    pub async fn stop_with(&self, reason: ExitReason) -> Result<(), StopError> {
        let instance = self.instance_to_stop()?;
        self.inner.request_stop(&instance, reason);
        instance.exit.finished().await;
        Ok(())
    }

    /// Stops the server with `reason` once it has handled what is already
    /// in its mailbox, and waits until it has stopped: the stop of OTP's
    /// `GenServer.stop/2`, which waits behind the messages sent before it.
    ///
    /// The request is queued as a message is, after those already there
    /// (in a full bounded mailbox it waits for room). When the server
    /// reaches it, it stops as after [`Context::stop`](crate::Context::stop):
    /// `terminate` runs with `reason`, and what was queued after the
    /// request is not handled (its callers get [`CallError::Exited`], or,
    /// on a supervised child that is restarted, the new instance handles
    /// it). A
    /// stop asked for meanwhile by [`stop_with`](Self::stop_with) or the
    /// server itself comes first. On a supervised child, the instance that
    /// reaches the request ends, and its supervisor decides as for any
    /// exit. If the server ends on its own first, this still returns once
    /// it has ended.
    ///
    /// # Errors
    ///
    /// [`StopError::NoProc`] if the server had already stopped, or, on a
    /// supervised child, while it waits to be restarted (no instance runs
    /// to stop; semantics 15.13);
    /// [`StopError::CallingSelf`] from one of the server's own handlers
    /// (use [`Context::stop`](crate::Context::stop) there).
    ///
    /// # Cancel safety
    ///
    /// Once the request is queued, dropping the future does not withdraw
    /// it.
    pub async fn stop_after_queued(&self, reason: ExitReason) -> Result<(), StopError> {
        let instance = self.instance_to_stop()?;
        let (reached, reaching) = tokio::sync::oneshot::channel();
        let request = Envelope::System(Box::new(move |_: &mut S, ctx: &mut Context<S>, _| {
            ctx.stop(reason);
            let _ = reached.send(Arc::clone(ctx.instance()));
        }));
        // A mailbox that closes before the request is reached belongs to a
        // server that ended on its own.
        let stopping = match self.inner.mailbox.send(request).await {
            Ok(()) => reaching.await.unwrap_or(instance),
            Err(_) => instance,
        };
        stopping.exit.finished().await;
        Ok(())
    }

    /// The instance a stop is asked of: `CallingSelf` from its own task,
    /// `NoProc` once it has ended.
    fn instance_to_stop(&self) -> Result<Arc<Instance>, StopError> {
        if self.is_own_address() {
            return Err(StopError::CallingSelf);
        }
        let instance = self.inner.instance();
        if instance.exit.is_finished() {
            return Err(StopError::NoProc);
        }
        Ok(instance)
    }

    /// `true` in the task of the server behind this address.
    pub(crate) fn is_own_address(&self) -> bool {
        current::current_address() == Some(self.inner.key())
    }

    /// What [`current::current_address`] answers in this server's task.
    pub(crate) fn address_key(&self) -> usize {
        self.inner.key()
    }
}

/// The message inside an envelope that a send handed back: always a user
/// message, since that is what the sends above put in.
fn returned<S: GenServer>(envelope: Envelope<S>) -> S::Message {
    envelope
        .into_message()
        .expect("a send hands back the user message it was given")
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            inner: Arc::clone(&self.inner),
            timeout: self.timeout,
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRef")
            .field("server", &S::NAME)
            .field("id", &self.id())
            .finish()
    }
}

/// Two references are equal when they address the same server.
impl<S: GenServer> PartialEq for ServerRef<S> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<S: GenServer> Eq for ServerRef<S> {}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::TimeoutChoice;

    #[test]
    fn a_timeout_choice_keeps_what_it_was_given_in_one_word() {
        let unset = || Some(Duration::from_secs(7));
        assert_eq!(std::mem::size_of::<TimeoutChoice>(), 8);
        assert_eq!(TimeoutChoice::UNSET.resolve(unset), unset());
        assert_eq!(TimeoutChoice::set(None).resolve(unset), None);
        for timeout in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_millis(1500),
            Duration::from_secs(5),
        ] {
            assert_eq!(
                TimeoutChoice::set(Some(timeout)).resolve(unset),
                Some(timeout)
            );
        }
        let longest = Duration::from_nanos(u64::MAX - 2);
        assert_eq!(
            TimeoutChoice::set(Some(Duration::MAX)).resolve(unset),
            Some(longest)
        );
    }
}
