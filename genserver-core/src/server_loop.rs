//! The task of one server: init, the message loop, terminate, and the
//! bookkeeping that makes every exit observable.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::oneshot;

use crate::envelope::Envelope;
use crate::instrument::{self, CallerSpan};
use crate::mailbox::MailboxReceiver;
use crate::server_ref::Inner;
use crate::{Context, ExitReason, GenServer, ServerRef};

pub(crate) type StartedSender = oneshot::Sender<Result<(), ExitReason>>;

/// Runs a server from `init` to the end of its task.
///
/// `started` hears the outcome of `init` once the task has fully ended on
/// failure, so a failed start leaves nothing running when it returns.
pub(crate) async fn run<S: GenServer>(
    me: ServerRef<S>,
    args: S::Args,
    rx: MailboxReceiver<Envelope<S>>,
    started: Option<StartedSender>,
) {
    let inner = Arc::clone(me.inner());
    let mut task = TaskEnd::<S> {
        inner: Arc::clone(&inner),
        rx,
    };
    let mut ctx = Context::new(me);

    let init = AssertUnwindSafe(S::init(args, &mut ctx))
        .catch_unwind()
        .await;
    let init = match init {
        Ok(Ok(state)) => match ctx.take_stop() {
            // OTP's `{:stop, reason}` from init: the start fails and
            // terminate does not run.
            Some(reason) => Err((reason, Some(state))),
            None => Ok(state),
        },
        Ok(Err(reason)) => Err((reason, None)),
        Err(panic) => Err((ExitReason::from_panic(&*panic), None)),
    };
    let mut state = match init {
        Ok(state) => state,
        Err((reason, state)) => {
            inner.exit.decide(reason.clone());
            drop(state);
            ctx.finish();
            task.finish();
            if let Some(started) = started {
                let _ = started.send(Err(reason));
            }
            return;
        }
    };
    if let Some(started) = started {
        let _ = started.send(Ok(()));
    }

    let reason = serve(&mut state, &mut ctx, &mut task.rx, &inner).await;
    let reason = inner.exit.decide(reason).clone();
    // A panic in terminate is reported by the panic hook; the server still
    // exits with the reason terminate was given.
    let _ = AssertUnwindSafe(state.terminate(&reason, &mut ctx))
        .catch_unwind()
        .await;
    drop(state);
    ctx.finish();
    task.finish();
}

/// Handles messages until a handler, the context or a stop request ends
/// the server; returns why.
///
/// Order of work, highest first: a pending stop, continues asked for by
/// the previous handler, the mailbox (in arrival order), and the idle
/// timeout when the mailbox stays empty.
async fn serve<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    rx: &mut MailboxReceiver<Envelope<S>>,
    inner: &Inner<S>,
) -> ExitReason {
    loop {
        if let Some(reason) = ctx.take_stop() {
            return reason;
        }
        if let Some(reason) = inner.take_stop_request() {
            return reason;
        }
        let (message, caller) = if let Some(message) = ctx.next_continue() {
            (message, CallerSpan::none())
        } else {
            let envelope = match ctx.idle_deadline() {
                None => rx.recv().await,
                Some(at) => {
                    tokio::select! {
                        biased;
                        envelope = rx.recv() => envelope,
                        () = tokio::time::sleep_until(at) => {
                            let Some(idle) = ctx.take_idle_message() else { continue };
                            Some(Envelope::Message(idle, CallerSpan::none()))
                        }
                    }
                }
            };
            // The server holds a sender of its own mailbox, so `None`
            // cannot happen; a normal end keeps the loop total.
            match envelope {
                None => return ExitReason::Normal,
                Some(Envelope::Message(message, caller)) => (message, caller),
                Some(Envelope::Cancellable(message, token)) => {
                    if token.is_cancelled() {
                        continue;
                    }
                    (message, CallerSpan::none())
                }
                Some(Envelope::System(request)) => {
                    // A panicking runtime request leaves the server running:
                    // requests that change the state build the new state
                    // before they assign it.
                    let queued = rx.len();
                    let _ = catch_unwind(AssertUnwindSafe(|| request(state, ctx, queued)));
                    continue;
                }
                Some(Envelope::Wake) => continue,
            }
        };
        ctx.cancel_idle_timeout();
        inner.stats.count_handled();
        let span = instrument::span::<S>(inner.id, &message, caller);
        let handled = instrument::within(
            span,
            AssertUnwindSafe(state.handle(message, ctx)).catch_unwind(),
        )
        .await;
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => return reason,
            Err(panic) => return ExitReason::from_panic(&*panic),
        }
    }
}

/// Owns the mailbox's receiving end so that the end of the task is
/// published however it ends: by returning, or by being dropped when the
/// task is aborted or its runtime shuts down (reason `Killed`).
struct TaskEnd<S: GenServer> {
    inner: Arc<Inner<S>>,
    rx: MailboxReceiver<Envelope<S>>,
}

impl<S: GenServer> TaskEnd<S> {
    /// Refuses new messages, drops the queued ones (their callers see the
    /// exit reason), then tells every waiter the server has ended.
    fn finish(&mut self) {
        if self.inner.exit.is_finished() {
            return;
        }
        self.inner.exit.decide(ExitReason::Killed);
        self.rx.close();
        while let Some(envelope) = self.rx.try_recv() {
            drop(envelope);
        }
        self.inner.exit.finish();
    }
}

impl<S: GenServer> Drop for TaskEnd<S> {
    fn drop(&mut self) {
        self.finish();
    }
}
