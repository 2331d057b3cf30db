use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

use crate::{ExitReason, current};

/// Set in the key of a watcher that runs after the others.
const LAST: u64 = 1 << 63;
/// Set in the key of a watcher that runs before the others, the
/// forgetters excepted: the one that fires the server's links.
const FIRST: u64 = 1 << 62;

/// Something to do when a server ends: notify a monitor, propagate a link,
/// free a name. Runs in the ending server's task, before waiters of
/// [`ExitSignal::finished`] are released.
pub(crate) type ExitWatcher = Box<dyn FnOnce(&ExitReason) + Send>;

/// The end of one server, observed from outside its task.
///
/// Two moments matter: the reason is *decided* (the server stops taking
/// messages and everything it drops from then on is dropped because it is
/// exiting), and the task is *finished* (terminate ran, the state and every
/// queued message are gone, watchers ran). Observers that need the reason
/// wait for the second, so what they see is final.
///
/// Every server has one for its whole life, and most are never watched or
/// awaited before they end: the reason, the watchers and the waiters live
/// in a box allocated by the first of them, and an idle server carries two
/// flags and a lock.
pub(crate) struct ExitSignal {
    decided: AtomicBool,
    finished: AtomicBool,
    observers: Mutex<Observers>,
}

#[derive(Default)]
struct Observers {
    lists: Option<Box<Lists>>,
    /// The watchers have begun to run: later forgetters run at once (none
    /// of the others may find the server still named), and later
    /// [`watch`](ExitSignal::watch)es are run by `finish` after the
    /// watchers it took.
    watchers_ran: bool,
    /// `finish` has run every watcher: later ones run at once.
    watchers_done: bool,
    /// The waiters have been woken, after `finished` was set.
    waiters_released: bool,
}

#[derive(Default)]
struct Lists {
    reason: Option<ExitReason>,
    /// Watchers that make the server forgotten (names, registries): they
    /// run before `watchers`, whatever the order they were installed in.
    forgetters: Vec<(u64, ExitWatcher)>,
    /// Those whose key has [`LAST`] set (the server's supervisor) run after
    /// the others, and the one whose key has [`FIRST`] set (the links)
    /// before them, whatever the order they were installed in. A flag in
    /// the key rather than a list of their own: one list more made a stop
    /// and wait about a quarter slower (the benchmarks' row 5c).
    watchers: Vec<(u64, ExitWatcher)>,
    /// The tasks waiting in [`ExitSignal::finished`], by key. A waker list
    /// rather than a `tokio::sync::Notify`: a server has few waiters, and
    /// a stop-and-wait took 450 instructions (11%) fewer with it.
    waiting: Vec<(u64, Waker)>,
    /// Keys of watchers and waiters.
    next_key: u64,
    /// Told when the task has finished, for what lives as long as the
    /// server and no longer, however many (its timers): a `Notify`'s
    /// waiters come and go in constant time, where `waiting` is a list
    /// searched on every departure.
    ended: Option<Arc<Notify>>,
}

impl Observers {
    fn lists(&mut self) -> &mut Lists {
        self.lists.get_or_insert_with(Box::default)
    }

    /// The decided reason; `Killed` if none was (a task dropped at once).
    fn reason(&self) -> ExitReason {
        self.lists
            .as_ref()
            .and_then(|lists| lists.reason.clone())
            .unwrap_or(ExitReason::Killed)
    }

    fn next_key(&mut self) -> u64 {
        let lists = self.lists();
        let key = lists.next_key;
        lists.next_key += 1;
        key
    }
}

/// `watchers` in the order they run: the one with [`FIRST`] set (the
/// links) first, then the others in the order they were installed; those
/// with [`LAST`] set (the supervisor's) are moved to `last`, to run after
/// every other.
fn in_order(
    mut watchers: Vec<(u64, ExitWatcher)>,
    last: &mut Vec<(u64, ExitWatcher)>,
) -> Vec<(u64, ExitWatcher)> {
    last.extend(watchers.extract_if(.., |(key, _)| *key & LAST != 0));
    watchers.sort_by_key(|(key, _)| *key & FIRST == 0);
    watchers
}

/// Runs a watcher of the end. Those that forget the server drop the
/// user's registry keys and values: a panic in one is reported by the
/// panic hook and goes no further, or the watchers after it (the
/// monitors, the supervisor) would never run and the waiters never be
/// released.
fn run(watcher: ExitWatcher, reason: &ExitReason) {
    let _ = current::survive(|| watcher(reason));
}

impl ExitSignal {
    pub(crate) fn new() -> Self {
        ExitSignal {
            decided: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            observers: Mutex::new(Observers::default()),
        }
    }

    fn observers(&self) -> MutexGuard<'_, Observers> {
        self.observers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the reason and returns the one recorded: the first decision
    /// wins.
    pub(crate) fn decide(&self, reason: ExitReason) -> ExitReason {
        let mut observers = self.observers();
        let lists = observers.lists();
        let decided = lists.reason.get_or_insert(reason).clone();
        self.decided.store(true, Ordering::Release);
        decided
    }

    pub(crate) fn is_exiting(&self) -> bool {
        self.decided.load(Ordering::Acquire)
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Runs the watchers, then releases every waiter.
    pub(crate) fn finish(&self) {
        let (reason, forgetters, watchers) = {
            let mut observers = self.observers();
            observers.watchers_ran = true;
            let (forgetters, watchers) = observers
                .lists
                .as_mut()
                .map(|lists| {
                    (
                        std::mem::take(&mut lists.forgetters),
                        std::mem::take(&mut lists.watchers),
                    )
                })
                .unwrap_or_default();
            (observers.reason(), forgetters, watchers)
        };
        let mut last = Vec::new();
        let watchers = in_order(watchers, &mut last);
        // Whoever hears of the end (a monitor's `Down`, a supervisor about
        // to restart the server under the same name or key) finds the
        // server already forgotten. The supervisor hears last: on another
        // thread it may restart the server, or stop and return, at once,
        // and by then every `Down` and exit signal of this instance is
        // queued where it goes. The links fire before the monitors are
        // told, as OTP sends a dying process's exit signals before its
        // `DOWN`s: a server that both links to and monitors this one
        // handles the `Exit` first.
        for (_, watcher) in forgetters.into_iter().chain(watchers) {
            run(watcher, &reason);
        }
        // Watchers installed meanwhile, from other threads (the supervisor,
        // which installs its own once `init` has returned, and may do so
        // only now), run after these, the supervisor's still last: what it
        // does next, on another thread, cannot come before a `Down` of
        // this instance.
        let (waiting, ended) = loop {
            let late = {
                let mut observers = self.observers();
                let late = observers
                    .lists
                    .as_mut()
                    .map(|lists| std::mem::take(&mut lists.watchers))
                    .unwrap_or_default();
                if late.is_empty() && last.is_empty() {
                    // Done, and the waiters released, under one lock: an
                    // unsupervised server's end takes it twice in all.
                    observers.watchers_done = true;
                    self.finished.store(true, Ordering::Release);
                    observers.waiters_released = true;
                    break observers
                        .lists
                        .as_mut()
                        .map(|lists| (std::mem::take(&mut lists.waiting), lists.ended.take()))
                        .unwrap_or_default();
                }
                late
            };
            if late.is_empty() {
                for (_, watcher) in last.drain(..) {
                    run(watcher, &reason);
                }
                continue;
            }
            for (_, watcher) in in_order(late, &mut last) {
                run(watcher, &reason);
            }
        };
        for (_, waker) in waiting {
            waker.wake();
        }
        if let Some(ended) = ended {
            ended.notify_waiters();
        }
    }

    /// Completes once the task has finished, as
    /// [`finished`](Self::finished) does without the reason, for the many
    /// short-lived waits that must end with the server (its timers).
    pub(crate) async fn ended(&self) {
        let ended: Arc<Notify>;
        let notified;
        {
            let mut observers = self.observers();
            if observers.waiters_released {
                return;
            }
            ended = Arc::clone(observers.lists().ended.get_or_insert_default());
            // Made under the lock that `finish` takes before it notifies:
            // a `Notified` hears every `notify_waiters` made after it was
            // created, polled or not.
            notified = ended.notified();
        }
        notified.await;
    }

    /// Arranges for `watcher` to run when the server ends, and returns a key
    /// for [`unwatch`](Self::unwatch). If the server has already ended the
    /// watcher runs now, with the final reason, and `None` is returned; if
    /// its watchers are running, it runs after them, before waiters are
    /// released.
    pub(crate) fn watch(&self, watcher: ExitWatcher) -> Option<u64> {
        self.watch_in(watcher, false, 0)
    }

    /// As [`watch`](Self::watch), for a watcher that makes the server
    /// forgotten (frees a name, removes registry entries): it runs before
    /// every other watcher, so that none of the observers they tell finds
    /// the server still named or registered; once they have begun to run,
    /// it runs now.
    pub(crate) fn watch_to_forget(&self, forget: ExitWatcher) -> Option<u64> {
        self.watch_in(forget, true, 0)
    }

    /// Makes the server known somewhere (`add`: an entry in a registry)
    /// together with what forgets it there, atomically with the start of
    /// its end: `None`, and `add` is not called, once the forgetters have
    /// begun to run. Otherwise `add` is called with the key its forgetter
    /// gets, and returns what to hand back and the forgetter, if it needs
    /// a new one; installed before the forgetters can be taken, it removes
    /// what `add` made known before anyone is told of the end. Two steps
    /// (make known, then watch) would leave a moment in which the server
    /// could end unforgotten, and a lookup after its `wait()` find it.
    ///
    /// `add` runs under this signal's lock: it may take locks of its own,
    /// which must never be held while taking this one.
    pub(crate) fn known_until_forgotten<R>(
        &self,
        add: impl FnOnce(u64) -> (R, Option<ExitWatcher>),
    ) -> Option<R> {
        let mut observers = self.observers();
        if observers.watchers_ran {
            return None;
        }
        let key = observers.next_key();
        let (made, forgetter) = add(key);
        if let Some(forgetter) = forgetter {
            observers.lists().forgetters.push((key, forgetter));
        }
        Some(made)
    }

    /// As [`watch`](Self::watch), for the watcher that tells the server's
    /// supervisor: it runs after every other watcher.
    pub(crate) fn watch_last(&self, watcher: ExitWatcher) -> Option<u64> {
        self.watch_in(watcher, false, LAST)
    }

    fn watch_in(&self, watcher: ExitWatcher, forget: bool, flags: u64) -> Option<u64> {
        let mut observers = self.observers();
        if observers.watchers_done || (observers.watchers_ran && forget) {
            let reason = observers.reason();
            drop(observers);
            watcher(&reason);
            return None;
        }
        let key = observers.next_key() | flags;
        let lists = observers.lists();
        let list = if forget {
            &mut lists.forgetters
        } else {
            &mut lists.watchers
        };
        list.push((key, watcher));
        Some(key)
    }

    /// As [`watch`](Self::watch), except that if the server has already
    /// ended (its watchers have all run) the watcher is handed back, not run:
    /// for observers that report such a server as gone (`NoProc`).
    pub(crate) fn try_watch(&self, watcher: ExitWatcher) -> Result<u64, ExitWatcher> {
        self.try_watch_in(watcher, 0)
    }

    /// As [`try_watch`](Self::try_watch), for the watcher that fires the
    /// server's links: it runs before the other watchers but the
    /// forgetters.
    pub(crate) fn try_watch_first(&self, watcher: ExitWatcher) -> Result<u64, ExitWatcher> {
        self.try_watch_in(watcher, FIRST)
    }

    fn try_watch_in(&self, watcher: ExitWatcher, flags: u64) -> Result<u64, ExitWatcher> {
        let mut observers = self.observers();
        // While the watchers run, the server may still be known somewhere
        // (a forgetter on another thread not done yet): a watcher added
        // then runs after them, as `finish` picks up late ones, so that
        // whoever it tells finds the server forgotten.
        if observers.watchers_done {
            return Err(watcher);
        }
        let key = observers.next_key() | flags;
        observers.lists().watchers.push((key, watcher));
        Ok(key)
    }

    /// Forgets a watcher; `true` if it had not run.
    pub(crate) fn unwatch(&self, key: u64) -> bool {
        let mut observers = self.observers();
        let Some(lists) = observers.lists.as_mut() else {
            return false;
        };
        let before = lists.watchers.len() + lists.forgetters.len();
        lists.watchers.retain(|(k, _)| *k != key);
        lists.forgetters.retain(|(k, _)| *k != key);
        lists.watchers.len() + lists.forgetters.len() != before
    }

    /// Waits until the task has finished and returns its reason.
    pub(crate) fn finished(&self) -> Finished<'_> {
        Finished {
            signal: self,
            key: None,
        }
    }
}

/// The future of [`ExitSignal::finished`].
pub(crate) struct Finished<'a> {
    signal: &'a ExitSignal,
    /// Its entry among the waiting, once it has one.
    key: Option<u64>,
}

impl Future for Finished<'_> {
    type Output = ExitReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        let signal = self.signal;
        let mut observers = signal.observers();
        if signal.is_finished() || observers.waiters_released {
            return Poll::Ready(observers.reason());
        }
        let key = self.key;
        let entry = key.and_then(|key| {
            observers
                .lists
                .as_mut()?
                .waiting
                .iter_mut()
                .find(|(k, _)| *k == key)
        });
        if let Some((_, waker)) = entry {
            if !waker.will_wake(cx.waker()) {
                waker.clone_from(cx.waker());
            }
        } else {
            let key = observers.next_key();
            observers.lists().waiting.push((key, cx.waker().clone()));
            self.key = Some(key);
        }
        Poll::Pending
    }
}

impl Drop for Finished<'_> {
    /// A waiter that gives up (a timeout, a `select!`) leaves no waker
    /// behind: a long-lived server would otherwise collect them.
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut observers = self.signal.observers();
        if let Some(lists) = observers.lists.as_mut() {
            lists.waiting.retain(|(k, _)| *k != key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    use futures_util::task::noop_waker_ref;

    use super::*;

    fn waiting(signal: &ExitSignal) -> usize {
        let observers = signal.observers();
        observers
            .lists
            .as_ref()
            .map_or(0, |lists| lists.waiting.len())
    }

    #[test]
    fn a_waiter_that_gives_up_leaves_no_waker_behind() {
        let signal = ExitSignal::new();
        let mut cx = Context::from_waker(noop_waker_ref());
        {
            let mut finished = pin!(signal.finished());
            assert!(finished.as_mut().poll(&mut cx).is_pending());
            // A second poll updates its entry rather than adding one.
            assert!(finished.as_mut().poll(&mut cx).is_pending());
            assert_eq!(waiting(&signal), 1);
        }
        assert_eq!(waiting(&signal), 0);
    }

    /// The order in which watchers ran.
    #[derive(Default)]
    struct Order(std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>);

    impl Order {
        /// A watcher that records `what` when it runs.
        fn watcher(&self, what: &'static str) -> ExitWatcher {
            let order = std::sync::Arc::clone(&self.0);
            Box::new(move |_| order.lock().unwrap().push(what))
        }

        fn seen(&self) -> Vec<&'static str> {
            self.0.lock().unwrap().clone()
        }
    }

    /// A server registered after it was monitored (or supervised) is
    /// forgotten by the registry before the monitor hears of its end.
    #[test]
    fn watchers_that_forget_the_server_run_before_those_that_tell_of_its_end() {
        let signal = ExitSignal::new();
        let order = Order::default();
        let log = |what| order.watcher(what);
        signal.watch(log("told"));
        signal.watch_to_forget(log("forgotten"));
        let unwatched = signal.watch_to_forget(log("unwatched")).unwrap();
        assert!(signal.unwatch(unwatched));
        signal.decide(ExitReason::Normal);
        signal.finish();
        assert_eq!(order.seen(), ["forgotten", "told"]);
        // Once the watchers have run, a late one runs at once.
        signal.watch_to_forget(log("late"));
        assert_eq!(order.seen(), ["forgotten", "told", "late"]);
    }

    /// The supervisor, watching since the server's `init`, hears of its
    /// end after the monitors and links installed later: what it does
    /// next, on another thread, cannot come before their notices.
    #[test]
    fn the_watcher_that_runs_last_runs_after_those_installed_after_it() {
        let signal = ExitSignal::new();
        let order = Order::default();
        let log = |what| order.watcher(what);
        signal.watch_last(log("supervisor"));
        let unwatched = signal.watch_last(log("unwatched")).unwrap();
        signal.watch(log("monitor"));
        signal.watch_to_forget(log("registry"));
        assert!(signal.unwatch(unwatched));
        signal.decide(ExitReason::Normal);
        signal.finish();
        assert_eq!(order.seen(), ["registry", "monitor", "supervisor"]);
    }

    /// The links fire before the monitors installed earlier are told, and
    /// after the server is forgotten; unwatching works with their key.
    #[test]
    fn the_links_watcher_runs_before_the_monitors() {
        let signal = ExitSignal::new();
        let order = Order::default();
        let log = |what| order.watcher(what);
        signal.watch_last(log("supervisor"));
        signal.watch(log("monitor"));
        let unwatched = signal.try_watch_first(log("unwatched")).ok().unwrap();
        assert!(signal.try_watch_first(log("links")).is_ok());
        signal.watch_to_forget(log("registry"));
        assert!(signal.unwatch(unwatched));
        signal.decide(ExitReason::Normal);
        signal.finish();
        assert_eq!(order.seen(), ["registry", "links", "monitor", "supervisor"]);
    }

    /// Watchers installed while the others run (the supervisor's, from
    /// another thread, once `init` has returned) run after them, the
    /// supervisor's still last; a forgetter runs at once; and once all have
    /// run, a late one runs at once.
    #[test]
    fn watchers_installed_while_the_watchers_run_run_after_them() {
        let signal = std::sync::Arc::new(ExitSignal::new());
        let order = Order::default();
        let links = {
            let signal = std::sync::Arc::clone(&signal);
            let supervisor = order.watcher("supervisor");
            let caller = order.watcher("caller");
            let registry = order.watcher("registry");
            let log = order.watcher("links");
            Box::new(move |reason: &ExitReason| {
                log(reason);
                assert!(signal.watch_last(supervisor).is_some());
                assert!(signal.watch(caller).is_some());
                assert!(signal.watch_to_forget(registry).is_none());
            })
        };
        assert!(signal.try_watch_first(links).is_ok());
        signal.watch(order.watcher("monitor"));
        signal.decide(ExitReason::Normal);
        signal.finish();
        assert_eq!(
            order.seen(),
            ["links", "registry", "monitor", "caller", "supervisor"]
        );
        assert!(signal.watch(order.watcher("late")).is_none());
        assert_eq!(order.seen().last(), Some(&"late"));
    }

    #[tokio::test]
    async fn waiters_get_the_decided_reason_once_finished_and_later_ones_at_once() {
        let signal = std::sync::Arc::new(ExitSignal::new());
        let waiter = tokio::spawn({
            let signal = std::sync::Arc::clone(&signal);
            async move { signal.finished().await }
        });
        tokio::task::yield_now().await;
        assert_eq!(waiting(&signal), 1);
        signal.decide(ExitReason::Shutdown);
        signal.finish();
        assert_eq!(waiter.await.unwrap(), ExitReason::Shutdown);
        let mut cx = Context::from_waker(noop_waker_ref());
        assert_eq!(
            pin!(signal.finished()).poll(&mut cx),
            Poll::Ready(ExitReason::Shutdown)
        );
    }
}
