use std::sync::Arc;

use tokio::sync::oneshot;

use crate::alarm::{self, Alarm};
use crate::instance::Instance;
use crate::names;
use crate::server_loop::MailboxFate;
use crate::server_ref::Inner;
use crate::{ExitReason, GenServer, ServerRef, StartError, StartOptions, server_loop};

/// Starts a server in a new task on the current tokio runtime and returns
/// its address once `init` has succeeded.
///
/// A server without `init` ([`GenServer::HAS_INIT`] is `false`) has no
/// `init` to wait for: this returns at once, before its task first runs,
/// and can only fail before spawning it (no runtime, or a name already
/// held).
///
/// # Errors
///
/// [`StartError::Init`] when `init` returned an error, panicked or called
/// [`Context::stop`](crate::Context::stop); [`StartError::Timeout`] when it
/// did not finish within [`StartOptions::init_timeout`];
/// [`StartError::NoRuntime`] outside a tokio runtime;
/// [`StartError::AlreadyStarted`] when the name given with
/// [`StartOptions::name`] is held by a running server (`init` did not run).
/// In every case the server's task has ended and its name is free when
/// this returns.
///
/// # Cancel safety
///
/// Dropping the future while `init` runs aborts the server's task; its
/// name is freed when the abort has taken effect. Once `init` has
/// succeeded the server runs on, even if the future is dropped before it
/// returned the address: clients may have found it by its name already.
pub async fn start<S: GenServer>(
    args: S::Args,
    options: StartOptions,
) -> Result<ServerRef<S>, StartError> {
    start_prepared(args, options, |_, _| {}).await
}

/// [`start`], calling `prepare` with the new server's address and instance
/// before its task is spawned, for what must be in place before the server
/// first runs (a link). Not called when the start fails before that.
pub(crate) async fn start_prepared<S: GenServer>(
    args: S::Args,
    options: StartOptions,
    prepare: impl FnOnce(&ServerRef<S>, &Arc<Instance>),
) -> Result<ServerRef<S>, StartError> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(StartError::NoRuntime);
    };
    let instance = Arc::new(Instance::new());
    let (inner, rx) = Inner::new(options.mailbox_capacity(), Arc::clone(&instance));
    let address = inner.key();
    let me = ServerRef::from_inner(inner);
    // As OTP, the name is taken before `init` runs.
    if let Some(name) = options.name_arc()
        && let Err(taken) = names::register(name, &me, &instance)
    {
        // Dropped as a server's end drops them: a panic in their `Drop`
        // does not hide the error.
        server_loop::drop_reported(args);
        return Err(taken);
    }
    prepare(&me, &instance);

    if !S::HAS_INIT {
        let run = server_loop::run(me.clone(), instance, args, rx, MailboxFate::Close, None);
        server_loop::spawn(&runtime, address, run);
        return Ok(me);
    }

    let (started_tx, started_rx) = oneshot::channel();
    let run = server_loop::run(
        me.clone(),
        instance,
        args,
        rx,
        MailboxFate::Close,
        Some(started_tx),
    );
    let task = server_loop::spawn(&runtime, address, run);
    let mut starting = Starting {
        task: Some(task.abort_handle()),
        started: started_rx,
    };
    let outcome = match options.get_init_timeout() {
        // Written out rather than through `alarm::within`: with the
        // helper, stopping servers started here measured 15-20% slower
        // (the benchmarks' row 5c), though no instruction count explains it.
        Some(limit) => match alarm::after(tokio::time::Instant::now(), limit) {
            Some(at) => tokio::select! {
                biased;
                started = &mut starting.started => Some(started),
                () = Alarm::at(at) => None,
            },
            // Further than the clock reaches: no limit.
            None => Some((&mut starting.started).await),
        },
        None => Some((&mut starting.started).await),
    };
    match outcome {
        Some(Ok(Ok(()))) => {
            starting.task = None;
            Ok(me)
        }
        Some(Ok(Err(reason))) => Err(StartError::Init(reason)),
        // The task ended without reporting: it was aborted, or its runtime
        // is shutting down.
        Some(Err(_)) => Err(StartError::Init(me.wait().await)),
        None => {
            // An `init` that succeeded in the same instant is not undone:
            // its server may already have served a client that found it
            // by its name.
            if starting.cancel() {
                return Ok(me);
            }
            let _ = task.await;
            Err(StartError::Timeout)
        }
    }
}

/// A start waiting for its server's `init`; dropped unfinished, it aborts
/// the server's task, unless `init` has already succeeded.
struct Starting {
    /// `None` once the start is over.
    task: Option<tokio::task::AbortHandle>,
    started: oneshot::Receiver<Result<(), ExitReason>>,
}

impl Starting {
    /// Ends the wait: `true` when `init` had already succeeded, and the
    /// server runs. Otherwise the server is aborted, and one whose `init`
    /// succeeds afterwards finds nobody to tell and ends as `Killed`
    /// without handling a message (see `server_loop::init`).
    fn cancel(&mut self) -> bool {
        let Some(task) = self.task.take() else {
            return false;
        };
        // Closed first: what `init` reports from now on is refused, so
        // what is read here is the last word.
        self.started.close();
        if matches!(self.started.try_recv(), Ok(Ok(()))) {
            return true;
        }
        task.abort();
        false
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        self.cancel();
    }
}
