//! Monitors: a one-way notice, [`Down`], when a server ends (OTP's
//! `Process.monitor/1`).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;

use tokio::sync::oneshot;

use crate::envelope::{CancelToken, Envelope};
use crate::exit_signal::ExitWatcher;
use crate::info::FromInfo;
use crate::instance::Instance;
use crate::notice::deliver;
use crate::{AsServerRef, Context, ExitReason, GenServer, ServerId, ServerRef};

/// Identifies one monitor (OTP's monitor reference): the `id` of the
/// [`Down`] it produces, and what [`Context::demonitor`] takes.
///
/// Unique for the life of the process.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonitorRef(NonZeroU64);

impl MonitorRef {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let raw = NEXT.fetch_add(1, Ordering::Relaxed);
        MonitorRef(NonZeroU64::new(raw).expect("monitor counter overflowed u64"))
    }

    /// The reference as a number, for logs.
    #[must_use]
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Monitor<{}>", self.0)
    }
}

/// The notice that a monitored server has ended (OTP's `:DOWN` message).
///
/// A server that monitors others with [`Context::monitor`] has an
/// `#[info]` handler for it; a [`Monitor`] future resolves to it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Down {
    /// The monitor that produced this notice.
    pub id: MonitorRef,
    /// The server instance that ended.
    pub server: ServerId,
    /// Why it ended; [`ExitReason::NoProc`] when it had already ended when
    /// the monitor was set up.
    pub reason: ExitReason,
}

/// A server's monitors, kept until their notice has been handled so that
/// [`Context::demonitor`] can still cancel a queued one.
#[derive(Default)]
pub(crate) struct MonitorSet {
    entries: HashMap<MonitorRef, Watching>,
    prune_at: usize,
}

struct Watching {
    target: Arc<Instance>,
    /// `None` when the target was already gone.
    key: Option<u64>,
    token: CancelToken,
}

impl MonitorSet {
    fn insert(&mut self, id: MonitorRef, watching: Watching) {
        // Forget monitors whose notice was handled (or dropped), so that a
        // long-lived server does not accumulate them.
        if self.entries.len() >= self.prune_at {
            self.entries.retain(|_, w| w.token.is_shared());
            self.prune_at = (self.entries.len() * 2).max(8);
        }
        self.entries.insert(id, watching);
    }

    fn remove(&mut self, id: MonitorRef) -> bool {
        let Some(watching) = self.entries.remove(&id) else {
            return false;
        };
        watching.token.cancel();
        watching
            .key
            .is_some_and(|key| watching.target.exit.unwatch(key))
    }

    /// Ends every monitor: the server that holds them is exiting.
    pub(crate) fn release(&mut self) {
        for (_, watching) in self.entries.drain() {
            watching.token.cancel();
            if let Some(key) = watching.key {
                watching.target.exit.unwatch(key);
            }
        }
    }
}

impl<S: GenServer> Context<S> {
    /// Monitors `target` (a [`ServerRef`] or a client): when it ends, this
    /// server receives exactly one [`Down`] info message with the reason
    /// (OTP's `Process.monitor/1`).
    ///
    /// If `target` has already ended, the `Down` (reason
    /// [`ExitReason::NoProc`]) is queued at once. Monitoring the same server
    /// twice gives two monitors and two notices. The monitor watches the
    /// instance running now: if a supervisor restarts the target, the
    /// notice is for the instance that ended.
    ///
    /// The server's message type must convert from [`Down`]: give it an
    /// `#[info]` handler taking `Down`. Monitors end with the server that
    /// holds them.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{Down, ExitReason};
    ///
    /// struct Watcher { seen: Vec<ExitReason> }
    /// struct Worker;
    ///
    /// #[genserver]
    /// impl Worker {
    ///     #[call]
    ///     fn ping(&self) {}
    /// }
    ///
    /// #[genserver]
    /// impl Watcher {
    ///     #[call]
    ///     fn watch(&mut self, worker: WorkerClient, ctx: &mut Context<Self>) {
    ///         ctx.monitor(&worker);
    ///     }
    ///
    ///     #[call]
    ///     fn seen(&self) -> Vec<ExitReason> { self.seen.clone() }
    ///
    ///     #[info]
    ///     fn down(&mut self, down: Down) { self.seen.push(down.reason) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let worker = Worker::start(Worker).await.unwrap();
    /// let watcher = Watcher::start(Watcher { seen: vec![] }).await.unwrap();
    /// watcher.watch(worker.clone()).await.unwrap();
    /// worker.stop().await.unwrap();
    /// assert_eq!(watcher.seen().await.unwrap(), vec![ExitReason::Normal]);
    /// # }
    /// ```
    pub fn monitor<T: AsServerRef>(&mut self, target: &T) -> MonitorRef
    where
        S::Message: FromInfo<Down>,
    {
        let id = MonitorRef::next();
        let target = target.as_server_ref().inner().instance();
        let server = target.id;
        let token = CancelToken::default();
        let me = Arc::clone(self.server_ref().inner());
        let notice = move |reason: ExitReason, token: CancelToken| {
            let down = Down { id, server, reason };
            deliver(&me, Envelope::cancellable(down.into(), token));
        };
        let watcher: ExitWatcher = {
            let notice = notice.clone();
            let token = token.clone();
            Box::new(move |reason| notice(reason.clone(), token))
        };
        let key = target.exit.try_watch(watcher).ok();
        if key.is_none() {
            notice(ExitReason::NoProc, token.clone());
        }
        self.owned()
            .monitors
            .insert(id, Watching { target, key, token });
        id
    }

    /// Ends the monitor `id`: from now on this server handles no [`Down`]
    /// for it, even one already in its mailbox (OTP's
    /// `Process.demonitor(ref, [:flush, :info])`).
    ///
    /// Returns `true` if the monitored server had not ended yet, `false` if
    /// it had (its notice, if queued, is dropped) or `id` is not an active
    /// monitor of this server.
    pub fn demonitor(&mut self, id: MonitorRef) -> bool {
        self.owned().monitors.remove(id)
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Monitors this server from code that is not a server: the returned
    /// [`Monitor`] resolves to one [`Down`] when the server ends, at once
    /// (reason [`ExitReason::NoProc`]) if it already has.
    ///
    /// Unlike [`wait`](Self::wait), the notice tells a server that was
    /// already gone from one that ended while watched. Inside a server, use
    /// [`Context::monitor`] to receive the notice as a message.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::ExitReason;
    ///
    /// struct Worker;
    ///
    /// #[genserver]
    /// impl Worker {
    ///     #[call]
    ///     fn ping(&self) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let worker = Worker::start(Worker).await.unwrap();
    /// let monitor = worker.server_ref().monitor();
    /// worker.stop().await.unwrap();
    /// assert_eq!(monitor.await.reason, ExitReason::Normal);
    ///
    /// let late = worker.server_ref().monitor();
    /// assert_eq!(late.await.reason, ExitReason::NoProc);
    /// # }
    /// ```
    pub fn monitor(&self) -> Monitor {
        let id = MonitorRef::next();
        let target = self.inner().instance();
        let server = target.id;
        let (tx, rx) = oneshot::channel();
        let watcher: ExitWatcher = Box::new(move |reason| {
            let _ = tx.send(reason.clone());
        });
        let state = match target.exit.try_watch(watcher) {
            Ok(key) => State::Watching { target, key, rx },
            Err(_) => State::Ready(ExitReason::NoProc),
        };
        Monitor { id, server, state }
    }
}

/// A monitor held by plain async code: a future that resolves to the
/// [`Down`] of the monitored server. Made by [`ServerRef::monitor`].
///
/// Dropping it, or [`demonitor`](Monitor::demonitor), ends the monitor.
///
/// # Cancel safety
///
/// Cancel safe: polling it again after a cancelled `select!` branch still
/// yields the notice.
#[must_use = "a monitor does nothing unless awaited"]
pub struct Monitor {
    id: MonitorRef,
    server: ServerId,
    state: State,
}

enum State {
    Watching {
        target: Arc<Instance>,
        key: u64,
        rx: oneshot::Receiver<ExitReason>,
    },
    Ready(ExitReason),
    Done,
}

impl Monitor {
    /// This monitor's reference, the `id` of its [`Down`].
    #[must_use]
    pub fn id(&self) -> MonitorRef {
        self.id
    }

    /// The server instance monitored.
    #[must_use]
    pub fn server(&self) -> ServerId {
        self.server
    }

    /// Ends the monitor without waiting. Returns `true` if the server had
    /// not ended yet.
    #[must_use = "the return value tells whether the server was still running"]
    pub fn demonitor(mut self) -> bool {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Watching { target, key, .. } => target.exit.unwatch(key),
            State::Ready(_) | State::Done => false,
        }
    }
}

impl Future for Monitor {
    type Output = Down;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Down> {
        let reason = match &mut self.state {
            State::Watching { rx, .. } => match Pin::new(rx).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(reason) => reason.unwrap_or(ExitReason::Killed),
            },
            State::Ready(_) => match std::mem::replace(&mut self.state, State::Done) {
                State::Ready(reason) => reason,
                _ => unreachable!("state was just matched"),
            },
            State::Done => panic!("`Monitor` polled after it resolved"),
        };
        self.state = State::Done;
        Poll::Ready(Down {
            id: self.id,
            server: self.server,
            reason,
        })
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        if let State::Watching { target, key, .. } = &self.state {
            target.exit.unwatch(*key);
        }
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("id", &self.id)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}
