//! Tasks: work run beside a server whose result, or panic, comes back as
//! a message (Elixir's `Task.async` from a `GenServer`, with the reply
//! handled in `handle_info`), and awaitable tasks for plain async code
//! (`Task.await/2`).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::alarm;
use crate::current;
use crate::envelope::{CancelToken, Envelope};
use crate::exit::panic_message;
use crate::info::FromInfo;
use crate::{Context, GenServer};

/// Identifies one task: the `id` of its [`TaskDone`], unique for the life
/// of the process.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let raw = NEXT.fetch_add(1, Ordering::Relaxed);
        TaskId(NonZeroU64::new(raw).expect("task counter overflowed u64"))
    }

    /// The id as a number, for logs.
    #[must_use]
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Task<{}>", self.0)
    }
}

/// Why a task produced no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked.
    Panicked {
        /// The panic payload when it was a string, otherwise a placeholder.
        message: Arc<str>,
    },
    /// [`Task::await_timeout`] gave up waiting; the task was aborted.
    Timeout,
    /// The task was aborted before it finished.
    Aborted,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked { message } => write!(f, "task panicked: {message}"),
            TaskError::Timeout => f.write_str("task did not finish in time"),
            TaskError::Aborted => f.write_str("task was aborted"),
        }
    }
}

impl Error for TaskError {}

/// The info message with the outcome of a task started by
/// [`Context::spawn_task`]: its value, or why there is none.
///
/// A server that spawns tasks has an `#[info]` handler for
/// `TaskDone<T>`, with `T` the task's output type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskDone<T> {
    /// The task, as [`Context::spawn_task`] returned it.
    pub id: TaskId,
    /// Its value, or [`TaskError::Panicked`] with the panic message.
    pub result: Result<T, TaskError>,
}

/// The tasks of one server: aborted, and waited for, when it exits.
#[derive(Default)]
pub(crate) struct TaskSet {
    tasks: Vec<Owned>,
    /// Tasks stopped with `abort_task` that may still be running: an
    /// abort takes effect at the task's next `.await`, and the server has
    /// ended only once every task's future has been dropped (19.3).
    aborted: Vec<JoinHandle<()>>,
}

struct Owned {
    id: TaskId,
    handle: JoinHandle<()>,
    /// Cancels the task's `TaskDone`, even once queued.
    token: CancelToken,
}

impl TaskSet {
    fn insert(&mut self, task: Owned) {
        // Forget tasks whose outcome was handled (or dropped), so that a
        // long-lived server does not accumulate them.
        if self.tasks.len() == self.tasks.capacity() {
            self.tasks.retain(|t| t.token.is_shared());
        }
        self.tasks.push(task);
    }

    fn abort(&mut self, id: TaskId) -> bool {
        let Some(at) = self.tasks.iter().position(|t| t.id == id) else {
            return false;
        };
        let task = self.tasks.swap_remove(at);
        let pending = task.token.is_shared();
        task.token.cancel();
        task.handle.abort();
        self.aborted.retain(|handle| !handle.is_finished());
        self.aborted.push(task.handle);
        pending
    }

    /// Aborts every task: the server is exiting.
    pub(crate) fn abort_all(&mut self) {
        for task in &self.tasks {
            task.token.cancel();
            task.handle.abort();
        }
    }

    /// Waits until every aborted task has ended, those stopped with
    /// `abort_task` included.
    pub(crate) async fn join_all(&mut self) {
        for task in self.tasks.drain(..) {
            let _ = task.handle.await;
        }
        for handle in self.aborted.drain(..) {
            let _ = handle.await;
        }
    }
}

impl<S: GenServer> Context<S> {
    /// Runs `future` in a new task beside this server, and sends its
    /// outcome back as a [`TaskDone`] info message with the returned id:
    /// the value, or [`TaskError::Panicked`] with the panic message if it
    /// panicked (Elixir's `Task.async` from a `GenServer`, with the reply
    /// handled in `handle_info`; unlike Elixir's, the task is not linked:
    /// its panic does not crash the server, and it is aborted however the
    /// server exits, `Normal` included).
    ///
    /// The server keeps serving while the task runs; the task may call it.
    /// When the server exits, its tasks are aborted, after `terminate`, and
    /// it has ended only once they have ([`stop`](crate::ServerRef::stop)
    /// returns after that). A task's outcome not yet handled then is
    /// dropped. If the server's own task is aborted (it ends as
    /// [`Killed`](crate::ExitReason::Killed)), its tasks are aborted but
    /// not waited for (semantics 19.3).
    ///
    /// The server's message type must convert from `TaskDone<T>`, for the
    /// task's output type `T`: give it an `#[info]` handler taking it.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{TaskDone, TaskError};
    ///
    /// struct Fetcher { results: Vec<Result<u32, TaskError>> }
    ///
    /// #[genserver]
    /// impl Fetcher {
    ///     #[cast]
    ///     fn fetch(&mut self, n: u32, ctx: &mut Context<Self>) {
    ///         ctx.spawn_task(async move {
    ///             assert!(n > 0, "nothing to fetch");
    ///             n * 10
    ///         });
    ///     }
    ///
    ///     #[call]
    ///     fn results(&self) -> Vec<Result<u32, TaskError>> { self.results.clone() }
    ///
    ///     #[info]
    ///     fn done(&mut self, done: TaskDone<u32>) { self.results.push(done.result) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let fetcher = Fetcher::start(Fetcher { results: vec![] }).await.unwrap();
    /// fetcher.fetch(4).await.unwrap();
    /// // The task runs beside the server: its outcome arrives later, as a
    /// // message.
    /// let results = loop {
    ///     let results = fetcher.results().await.unwrap();
    ///     if !results.is_empty() {
    ///         break results;
    ///     }
    ///     tokio::task::yield_now().await;
    /// };
    /// assert_eq!(results, vec![Ok(40)]);
    /// # }
    /// ```
    pub fn spawn_task<F>(&mut self, future: F) -> TaskId
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S::Message: FromInfo<TaskDone<F::Output>>,
    {
        let id = TaskId::next();
        let token = CancelToken::default();
        let address = Arc::clone(self.server_ref().inner());
        let handle = {
            let token = token.clone();
            tokio::spawn(async move {
                let result = run_caught(future)
                    .await
                    .map_err(|panic| TaskError::Panicked {
                        message: panic_message(&*panic),
                    });
                if token.is_cancelled() {
                    return;
                }
                let done: S::Message = TaskDone { id, result }.into();
                let _ = address
                    .mailbox
                    .send(Envelope::cancellable(done, token))
                    .await;
            })
        };
        self.owned().tasks.insert(Owned { id, handle, token });
        id
    }

    /// Aborts the task `id` started by [`spawn_task`](Self::spawn_task)
    /// (Elixir's `Task.shutdown(task, :brutal_kill)`): from now on this
    /// server handles no [`TaskDone`] for it, even one already queued.
    ///
    /// Returns `true` if its outcome had not been handled yet, `false` if it
    /// had or `id` is not a task of this server.
    pub fn abort_task(&mut self, id: TaskId) -> bool {
        self.owned().tasks.abort(id)
    }
}

/// Runs `future` to its output, or to the panic that ended it, then drops
/// it. A panic in its `Drop` (a hand-written future's field) is reported
/// by the panic hook and goes no further: the output it gave, or the panic
/// it ended with, is still the task's outcome.
async fn run_caught<F: Future>(future: F) -> Result<F::Output, current::Payload> {
    let mut slot = std::pin::pin!(Some(future));
    let outcome = std::future::poll_fn(|cx| {
        let future = slot
            .as_mut()
            .as_pin_mut()
            .expect("polled until ready, then dropped");
        current::poll_caught(future, cx)
    })
    .await;
    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| slot.set(None)));
    outcome
}

/// A task for plain async code, awaited with or without a time limit
/// (Elixir's `Task.async` and `Task.await/2`).
///
/// Awaiting it gives the task's value, or [`TaskError::Panicked`] if it
/// panicked. It is aborted when the `Task` is dropped before it finished,
/// as by Elixir's `Task.shutdown(task, :brutal_kill)` (a linked Elixir task
/// whose owner exits `:normal` runs on); [`detach`](Task::detach) lets it
/// run on.
///
/// # Cancel safety
///
/// Awaiting is cancel safe: the task keeps running until the `Task` is
/// dropped, and can be awaited again.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genserver::{Task, TaskError};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let quick = Task::spawn(async { 6 * 7 });
/// assert_eq!(quick.await, Ok(42));
///
/// let slow = Task::spawn(tokio::time::sleep(Duration::from_secs(60)));
/// assert_eq!(slow.await_timeout(Duration::from_secs(5)).await, Err(TaskError::Timeout));
/// # }
/// ```
#[must_use = "dropping a `Task` aborts it; await it, or call `detach()` to let it run"]
pub struct Task<T> {
    id: TaskId,
    handle: JoinHandle<T>,
    detached: bool,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `future` in a new tokio task.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn spawn<F>(future: F) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Task {
            id: TaskId::next(),
            handle: tokio::spawn(future),
            detached: false,
        }
    }
}

impl<T> Task<T> {
    /// This task's id.
    #[must_use]
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Waits at most `timeout` for the task's value (Elixir's
    /// `Task.await/2`). When the time is up the task is aborted and,
    /// once it has ended, [`TaskError::Timeout`] returned; a task that
    /// finished before the abort took effect (it was in its last poll on
    /// another thread) gives its value, or its panic, as a reply that is
    /// there when a call's deadline passes is received.
    ///
    /// To wait without giving up the task (Elixir's `Task.yield/2`), wait
    /// on `&mut task` instead: `tokio::time::timeout(d, &mut task)` leaves
    /// it running when the time is up, to be awaited again.
    ///
    /// # Errors
    ///
    /// [`TaskError::Timeout`], [`TaskError::Panicked`], or
    /// [`TaskError::Aborted`] if it was aborted.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the `Task`, which aborts it.
    pub async fn await_timeout(mut self, timeout: Duration) -> Result<T, TaskError> {
        if let Some(outcome) = alarm::within(timeout, &mut self).await {
            outcome
        } else {
            self.abort();
            match (&mut self).await {
                Err(TaskError::Aborted) => Err(TaskError::Timeout),
                finished => finished,
            }
        }
    }

    /// Aborts the task; awaiting it then gives [`TaskError::Aborted`] unless
    /// it had already finished.
    pub fn abort(&self) {
        self.handle.abort();
    }

    /// `true` once the task has ended: finished, panicked, or aborted and
    /// the abort taken effect (at the task's next `.await`, so not yet
    /// right after [`abort`](Self::abort) returns).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Lets the task run on without this handle; its value is dropped.
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx).map(|joined| {
            joined.map_err(|error| match error.try_into_panic() {
                Ok(panic) => TaskError::Panicked {
                    message: panic_message(&*panic),
                },
                Err(_) => TaskError::Aborted,
            })
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if !self.detached {
            self.handle.abort();
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
