//! Tracing: each handled message runs in a `handle` span that names the
//! server and the message, child of the sender's span, so that one request
//! can be followed through every server it reaches (docs/semantics.md,
//! rule 9.3).
//!
//! A layer records every span with its fields and its parent. Each test
//! installs it for its own thread only, and its runtime is single-threaded,
//! so the servers it starts run under it and tests do not see each other's
//! spans.

#![cfg(feature = "tracing")]

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use genserver::prelude::*;
use tokio::sync::{mpsc, oneshot};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Instrument, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One recorded span.
#[derive(Debug, Clone)]
struct Recorded {
    name: &'static str,
    level: tracing::Level,
    fields: HashMap<&'static str, String>,
    parent: Option<u64>,
}

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<HashMap<u64, Recorded>>>);

impl Spans {
    fn all(&self) -> HashMap<u64, Recorded> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The `handle` spans of `server`, in no particular order.
    fn handled_by(&self, server: &str) -> Vec<(u64, Recorded)> {
        self.all()
            .into_iter()
            .filter(|(_, s)| {
                s.name == "handle" && s.fields.get("server").map(String::as_str) == Some(server)
            })
            .collect()
    }

    /// Whether `ancestor` is `span` or one of its ancestors.
    fn descends_from(&self, span: u64, ancestor: u64) -> bool {
        let all = self.all();
        let mut at = Some(span);
        while let Some(id) = at {
            if id == ancestor {
                return true;
            }
            at = all.get(&id).and_then(|s| s.parent);
        }
        false
    }
}

struct Fields<'a>(&'a mut HashMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        // The registry has resolved the parent: explicit, contextual or none.
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id.into_u64(),
                Recorded {
                    name: attrs.metadata().name(),
                    level: *attrs.metadata().level(),
                    fields,
                    parent,
                },
            );
    }
}

/// Installs a recording subscriber for this thread until the guard drops.
fn record() -> (Spans, tracing::subscriber::DefaultGuard) {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    (spans, tracing::subscriber::set_default(subscriber))
}

/// The back end: answers lookups.
struct Store {
    value: u64,
}

#[genserver]
impl Store {
    #[call]
    fn fetch(&self) -> u64 {
        self.value
    }

    #[cast]
    fn put(&mut self, value: u64) {
        self.value = value;
    }
}

/// The front end: asks the store in its own handler.
struct Front {
    store: StoreClient,
}

#[genserver]
impl Front {
    #[call]
    async fn lookup(&mut self) -> Result<u64, CallError> {
        self.store.fetch().await.map(|v| v + 1)
    }

    /// Casts to the store; the store handles it after this span closed.
    #[cast]
    async fn forward(&mut self, value: u64) {
        self.store.put(value).await.unwrap();
    }
}

#[tokio::test]
async fn each_handled_message_has_a_handle_span_naming_server_and_message() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    store.put(5).await.unwrap();
    assert_eq!(store.fetch().await.unwrap(), 5);

    let handled = spans.handled_by("Store");
    let mut messages: Vec<_> = handled
        .iter()
        .map(|(_, s)| s.fields["message"].clone())
        .collect();
    messages.sort();
    assert_eq!(messages, ["Fetch", "Put"]);
    for (_, span) in &handled {
        assert_eq!(span.fields["id"], store.id().as_u64().to_string());
        // Sent from outside any span: a root.
        assert_eq!(span.parent, None);
    }
    store.stop().await.unwrap();
}

#[tokio::test]
async fn the_handle_span_is_a_child_of_the_senders_span() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();
    async {
        store.put(2).await.unwrap();
        store.fetch().await.unwrap();
    }
    .instrument(request)
    .await;

    let handled = spans.handled_by("Store");
    assert_eq!(handled.len(), 2);
    for (_, span) in handled {
        assert_eq!(span.parent, Some(request_id), "{span:?}");
    }
    store.stop().await.unwrap();
}

/// 14.2: a call or cast sends when its future is first polled, so its
/// parent is the span current then, not the one it was made in.
#[tokio::test]
async fn the_parent_is_the_span_of_the_first_poll_not_of_the_making() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    let (made, awaited) = (tracing::info_span!("made"), tracing::info_span!("awaited"));
    let awaited_id = awaited.id().unwrap().into_u64();
    let (put, fetch) = made.in_scope(|| (store.put(2), store.fetch()));
    async {
        put.await.unwrap();
        fetch.await.unwrap();
    }
    .instrument(awaited)
    .await;

    let handled = spans.handled_by("Store");
    assert_eq!(handled.len(), 2);
    for (_, span) in handled {
        assert_eq!(span.parent, Some(awaited_id), "{span:?}");
    }
    store.stop().await.unwrap();
}

#[tokio::test]
async fn one_request_can_be_followed_through_two_servers() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 41 }).await.unwrap();
    let front = Front::start(Front {
        store: store.clone(),
    })
    .await
    .unwrap();

    let root = tracing::info_span!("root");
    let root_id = root.id().unwrap().into_u64();
    let answer = front.lookup().instrument(root).await.unwrap();
    assert_eq!(answer, Ok(42));

    let [(front_span, front_record)] = spans.handled_by("Front").try_into().unwrap();
    let [(store_span, store_record)] = spans.handled_by("Store").try_into().unwrap();
    assert_eq!(front_record.fields["message"], "Lookup");
    assert_eq!(store_record.fields["message"], "Fetch");
    assert_eq!(front_record.parent, Some(root_id));
    // The store handled the request inside the front's handler.
    assert_eq!(store_record.parent, Some(front_span));
    assert!(spans.descends_from(store_span, root_id));

    front.stop().await.unwrap();
    store.stop().await.unwrap();
}

// Semantics 14.2: a cast returns once queued, so its sender's span may
// have closed before the message is handled; it is still the parent.
#[tokio::test]
async fn a_message_whose_senders_span_has_closed_is_handled_in_a_child_of_it() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();
    store.put(3).instrument(request).await.unwrap();

    assert_eq!(store.fetch().await, Ok(3));
    let [(_, put)] = spans
        .handled_by("Store")
        .into_iter()
        .filter(|(_, s)| s.fields["message"] == "Put")
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    assert_eq!(put.parent, Some(request_id));
    store.stop().await.unwrap();
}

// Semantics 14.3, with a cast: the second server handles it after the
// first one's handler, and its span, have ended.
#[tokio::test]
async fn a_cast_from_a_handler_is_handled_in_a_child_of_that_handlers_span() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    let front = Front::start(Front {
        store: store.clone(),
    })
    .await
    .unwrap();
    front.forward(7).await.unwrap();
    // Handled after `forward`, whose cast the store handled before this.
    assert_eq!(front.lookup().await.unwrap(), Ok(8));

    let (front_span, _) = spans
        .handled_by("Front")
        .into_iter()
        .find(|(_, s)| s.fields["message"] == "Forward")
        .unwrap();
    let put = spans
        .handled_by("Store")
        .into_iter()
        .find(|(_, s)| s.fields["message"] == "Put")
        .unwrap();
    assert_eq!(put.1.parent, Some(front_span));
    front.stop().await.unwrap();
    store.stop().await.unwrap();
}

// A span id means something only to the subscriber that issued it: a
// sender under one subscriber and a server under another must not make
// the server look the id up in its own, and the server must keep running.
#[test]
fn a_sender_under_another_subscriber_than_the_server_gets_its_reply() {
    let (spans, _guard) = record();
    let server_side = Spans::default();
    let runtime = {
        let server_side = server_side.clone();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .on_thread_start(move || {
                let subscriber = tracing_subscriber::registry().with(server_side.clone());
                // For the life of the worker thread.
                std::mem::forget(tracing::subscriber::set_default(subscriber));
            })
            .build()
            .unwrap()
    };
    let store = runtime.block_on(Store::start(Store { value: 5 })).unwrap();
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();

    let answer = runtime.block_on(store.fetch().instrument(request));

    assert_eq!(answer, Ok(5));
    // Recorded by the sender's subscriber, under the sender's span.
    let [(_, fetch)] = spans.handled_by("Store").try_into().unwrap();
    assert_eq!(fetch.parent, Some(request_id));
    runtime.block_on(store.stop()).unwrap();
}

// The same, where the handle span is certain to end on the server's
// thread, under the server's subscriber: the handle span closes in the
// sender's subscriber, which lets go of its parent there too; asking the
// server's thread's default instead panicked in the server's task.
#[test]
fn a_handle_span_of_another_subscriber_ends_on_the_servers_thread() {
    let (spans, _guard) = record();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (finish_tx, finish_rx) = oneshot::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        let subscriber = tracing_subscriber::registry().with(Spans::default());
        let _server_side = tracing::subscriber::set_default(subscriber);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let store = Store::start(Store { value: 5 }).await.unwrap();
            started_tx.send(store).unwrap();
            let _ = finish_rx.await;
        });
    });
    let store = started_rx.recv().unwrap();
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    client.block_on(store.put(7).instrument(request)).unwrap();
    // Handled after the cast: the server survived the end of its span.
    let value = client.block_on(store.fetch());

    finish_tx.send(()).unwrap();
    server_thread.join().unwrap();
    assert_eq!(value, Ok(7));
    let [(_, put)] = spans.handled_by("Store").try_into().unwrap();
    assert_eq!(put.parent, Some(request_id));
    assert_eq!(put.fields["message"], "Put");
}

/// Records the events at `ERROR` level with their fields, and the span
/// each was emitted in under `"in span"` (`"none"` outside any).
#[derive(Clone, Default)]
struct Errors(Arc<Mutex<Vec<HashMap<&'static str, String>>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Errors {
    fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
        if *event.metadata().level() == tracing::Level::ERROR {
            let mut fields = HashMap::new();
            event.record(&mut Fields(&mut fields));
            let span = ctx.event_span(event).map_or("none", |span| span.name());
            fields.insert("in span", span.to_owned());
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(fields);
        }
    }
}

/// Crashes on request.
struct Brittle;

#[genserver]
impl Brittle {
    #[cast]
    fn shatter(&mut self) {
        panic!("shattered")
    }

    #[cast]
    fn fail(&mut self) -> Result<(), ExitReason> {
        Err(ExitReason::error("failed"))
    }

    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }
}

#[tokio::test]
async fn a_crash_is_reported_once_at_error_level_and_a_clean_stop_is_not() {
    let errors = Errors::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(errors.clone()));

    let clean = Brittle::start(Brittle).await.unwrap();
    clean.quit().await.unwrap();
    clean.wait().await;
    clean.stop().await.unwrap_err();
    let stopped = Brittle::start(Brittle).await.unwrap();
    stopped.stop().await.unwrap();
    assert!(
        errors.0.lock().unwrap().is_empty(),
        "clean exits are not crashes"
    );

    let crashing = Brittle::start(Brittle).await.unwrap();
    crashing.shatter().await.unwrap();
    crashing.wait().await;
    let reported = errors.0.lock().unwrap().clone();
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0]["server"], "Brittle");
    assert_eq!(reported[0]["id"], crashing.id().as_u64().to_string());
    assert_eq!(reported[0]["reason"], "panicked: shattered");
    // After the failing handler's span has closed (14.5).
    assert_eq!(reported[0]["in span"], "none");

    let failing = Brittle::start(Brittle).await.unwrap();
    failing.fail().await.unwrap();
    failing.wait().await;
    let reported = errors.0.lock().unwrap().clone();
    assert_eq!(reported.len(), 2);
    assert_eq!(
        reported[1]["reason"],
        ExitReason::error("failed").to_string()
    );
    assert_eq!(reported[1]["in span"], "none");
}

// Semantics 14.5: an aborted server runs none of its own code, as a BEAM
// process killed with `:kill` writes no crash report; its end is still
// told.
#[test]
fn an_aborted_server_writes_no_crash_report() {
    let errors = Errors::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(errors.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let brittle = runtime.block_on(async {
        let brittle = Brittle::start(Brittle).await.unwrap();
        tokio::task::yield_now().await;
        brittle
    });

    drop(runtime);

    let after = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(after.block_on(brittle.wait()), ExitReason::Killed);
    assert!(errors.0.lock().unwrap().is_empty());
}

/// Runs tasks, and reports each outcome it handles.
struct Worker {
    outcomes: mpsc::UnboundedSender<u64>,
}

#[genserver]
impl Worker {
    #[call]
    fn work(&mut self, value: u64, ctx: &mut Context<Self>) {
        ctx.spawn_task(async move { value });
    }

    #[info]
    fn done(&mut self, done: TaskDone<u64>) {
        let _ = self.outcomes.send(done.result.unwrap());
    }
}

// Semantics 14.2: a task's outcome has no sender span: it is handled in a
// root span, even when the task was spawned inside one.
#[tokio::test]
async fn a_task_outcome_is_handled_in_a_root_span() {
    let (spans, _guard) = record();
    let (tx, mut outcomes) = mpsc::unbounded_channel();
    let worker = Worker::start(Worker { outcomes: tx }).await.unwrap();
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();
    worker.work(3).instrument(request).await.unwrap();
    assert_eq!(outcomes.recv().await, Some(3));

    let mut handled = spans.handled_by("Worker");
    handled.sort_by_key(|(_, s)| s.fields["message"].clone());
    let [(_, done), (_, work)] = handled.try_into().unwrap();
    assert_eq!(work.fields["message"], "Work");
    assert_eq!(work.parent, Some(request_id));
    assert_eq!(done.fields["message"], "Done");
    assert_eq!(done.parent, None);
    worker.stop().await.unwrap();
}

/// Tells the reason its `terminate` ran with.
struct Tidy {
    terminated: Option<oneshot::Sender<ExitReason>>,
}

#[genserver]
impl Tidy {
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(terminated) = self.terminated.take() {
            let _ = terminated.send(reason.clone());
        }
    }
}

// Semantics 14.5: a stop asked for with `Killed` is not an abort:
// `terminate` runs, and the crash report is written as for any failure.
#[tokio::test]
async fn a_stop_with_killed_runs_terminate_and_is_reported() {
    let errors = Errors::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(errors.clone()));
    let (tx, terminated) = oneshot::channel();
    let tidy = Tidy::start(Tidy {
        terminated: Some(tx),
    })
    .await
    .unwrap();

    tidy.stop_with(ExitReason::Killed).await.unwrap();

    assert_eq!(terminated.await, Ok(ExitReason::Killed));
    let reported = errors.0.lock().unwrap().clone();
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0]["message"], "server terminating");
    assert_eq!(reported[0]["server"], "Tidy");
    assert_eq!(reported[0]["id"], tidy.id().as_u64().to_string());
    assert_eq!(reported[0]["reason"], "killed");
}

/// A subscriber that panics when asked for a `handle` span and on every
/// `ERROR` event, counting both.
#[derive(Clone, Default)]
struct Hostile(Arc<HostileCounts>);

#[derive(Default)]
struct HostileCounts {
    next_id: AtomicU64,
    handle_spans: AtomicUsize,
    errors: AtomicUsize,
}

impl Subscriber for Hostile {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        if attrs.metadata().name() == "handle" {
            self.0.handle_spans.fetch_add(1, Ordering::SeqCst);
            panic!("no handle spans here");
        }
        Id::from_u64(self.0.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }

    fn record(&self, _: &Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::ERROR {
            self.0.errors.fetch_add(1, Ordering::SeqCst);
            panic!("no crash reports here");
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

// The subscriber is the user's code: one that panics on the `handle` span
// costs the message its span, not the server its life; one that panics on
// the crash report stops the report there, not the end: `terminate` runs.
#[tokio::test]
async fn a_panicking_subscriber_costs_spans_and_reports_not_the_server() {
    let hostile = Hostile::default();
    let _guard = tracing::subscriber::set_default(hostile.clone());
    let store = Store::start(Store { value: 7 }).await.unwrap();
    let fetched = store
        .fetch()
        .instrument(tracing::info_span!("caller"))
        .await;
    assert_eq!(fetched, Ok(7));
    assert_eq!(hostile.0.handle_spans.load(Ordering::SeqCst), 1);

    let (tx, terminated) = oneshot::channel();
    let tidy = Tidy::start(Tidy {
        terminated: Some(tx),
    })
    .await
    .unwrap();
    let reason = ExitReason::error("failed");
    tidy.stop_with(reason.clone()).await.unwrap();
    assert_eq!(terminated.await, Ok(reason));
    assert_eq!(hostile.0.errors.load(Ordering::SeqCst), 1);
}

/// Asks for a continue and a timer from a handler run under its sender's
/// span, and for an idle timeout from the timer's handler; each is
/// reported by name.
struct Asker {
    seen: mpsc::UnboundedSender<&'static str>,
}

/// A continue's message.
struct Continued;

/// A timer's message.
struct Ring;

/// An info message sent by a client.
struct Nudge;

#[genserver]
impl Asker {
    #[call]
    fn ask(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(Continued);
        ctx.send_after(std::time::Duration::from_millis(10), Ring)
            .detach();
    }

    #[info]
    fn continued(&mut self, _: Continued) {
        let _ = self.seen.send("continued");
    }

    /// The last of the three: the idle timeout is asked for here.
    #[info]
    fn ring(&mut self, _: Ring, ctx: &mut Context<Self>) {
        let _ = self.seen.send("ring");
        ctx.set_idle_timeout(std::time::Duration::from_millis(100));
    }

    #[info]
    fn idle(&mut self, _: IdleTimeout) {
        let _ = self.seen.send("idle");
    }

    #[info]
    fn nudge(&mut self, _: Nudge) {
        let _ = self.seen.send("nudge");
    }

    #[cast]
    fn refuse(&mut self) -> Result<(), std::fmt::Error> {
        Err(std::fmt::Error)
    }
}

async fn asker() -> (AskerClient, mpsc::UnboundedReceiver<&'static str>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Asker::start(Asker { seen: tx }).await.unwrap(), rx)
}

// Semantics 14.1: the `handle` span is at level `DEBUG`.
#[tokio::test]
async fn the_handle_span_is_at_debug_level() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    assert_eq!(store.fetch().await, Ok(1));
    let [(_, fetch)] = spans.handled_by("Store").try_into().unwrap();
    assert_eq!(fetch.level, tracing::Level::DEBUG);
    store.stop().await.unwrap();
}

// Semantics 14.1 and 6.8: `stats`, state requests and a queued stop are
// not messages: they have no span.
#[tokio::test]
async fn runtime_requests_have_no_span() {
    let (spans, _guard) = record();
    let store = Store::start(Store { value: 1 }).await.unwrap();
    store.stats().await.unwrap();
    store.inspect_state(|s| s.value).await.unwrap();
    store
        .replace_state(|s| Store { value: s.value + 1 })
        .await
        .unwrap();
    assert_eq!(store.fetch().await, Ok(2));
    store.stop_after_queued(ExitReason::Normal).await.unwrap();

    let handled = spans.handled_by("Store");
    let messages: Vec<_> = handled
        .iter()
        .map(|(_, s)| s.fields["message"].clone())
        .collect();
    assert_eq!(messages, ["Fetch"]);
    assert_eq!(
        spans.all().values().filter(|s| s.name == "handle").count(),
        1
    );
}

// Semantics 14.2: continues, the idle timeout and timers have no sender:
// each starts a root span, although the handler that asked for them ran
// in a child of a request span.
#[tokio::test(start_paused = true)]
async fn continues_idle_timeouts_and_timers_start_root_spans() {
    let (spans, _guard) = record();
    let (asker, mut seen) = asker().await;
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();
    asker.ask().instrument(request).await.unwrap();
    assert_eq!(seen.recv().await, Some("continued"));
    assert_eq!(seen.recv().await, Some("ring"));
    assert_eq!(seen.recv().await, Some("idle"));

    let mut handled: Vec<_> = spans
        .handled_by("Asker")
        .into_iter()
        .map(|(_, s)| (s.fields["message"].clone(), s.parent))
        .collect();
    handled.sort();
    assert_eq!(
        handled,
        [
            ("Ask".to_owned(), Some(request_id)),
            ("Continued".to_owned(), None),
            ("Idle".to_owned(), None),
            ("Ring".to_owned(), None),
        ]
    );
    asker.stop().await.unwrap();
}

// Semantics 14.2: an info message sent by a client is handled in a child
// of the sender's span, as calls and casts are.
#[tokio::test]
async fn an_info_send_is_handled_in_a_child_of_the_senders_span() {
    let (spans, _guard) = record();
    let (asker, mut seen) = asker().await;
    let request = tracing::info_span!("request");
    let request_id = request.id().unwrap().into_u64();
    asker.info(Nudge).instrument(request).await.unwrap();
    assert_eq!(seen.recv().await, Some("nudge"));

    let [(_, nudge)] = spans.handled_by("Asker").try_into().unwrap();
    assert_eq!(nudge.fields["message"], "Nudge");
    assert_eq!(nudge.parent, Some(request_id));
    asker.stop().await.unwrap();
}

/// Fails its `init`.
struct Unstartable;

#[genserver]
impl Unstartable {
    #[init]
    fn init((): ()) -> Result<Self, std::fmt::Error> {
        Err(std::fmt::Error)
    }
}

// Semantics 14.5: an `Err` from a handler and a stop with a failure reason
// are each reported once at `ERROR`, with their reason; a failed `init`,
// which its caller receives as the start error, is not.
#[tokio::test]
async fn an_err_and_a_failing_stop_are_reported_and_a_failed_init_is_not() {
    let errors = Errors::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(errors.clone()));

    assert!(Unstartable::start(()).await.is_err());
    assert!(errors.0.lock().unwrap().is_empty(), "a failed init");

    let (refusing, _seen) = asker().await;
    refusing.refuse().await.unwrap();
    refusing.wait().await;
    let (stopped, _seen) = asker().await;
    stopped
        .stop_with(ExitReason::error("gave up"))
        .await
        .unwrap();

    let reported = errors.0.lock().unwrap().clone();
    let summary: Vec<_> = reported
        .iter()
        .map(|e| (e["message"].clone(), e["id"].clone(), e["reason"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "server terminating".to_owned(),
                refusing.id().as_u64().to_string(),
                format!("{}", ExitReason::error(std::fmt::Error)),
            ),
            (
                "server terminating".to_owned(),
                stopped.id().as_u64().to_string(),
                "error: gave up".to_owned(),
            ),
        ]
    );
}

// Semantics 14.2 and 14.3: a sender under a thread-local subscriber, with
// servers on worker threads that have none: each handler runs with the
// subscriber of its span as the default, so a request is followed through
// every server it reaches there too.
#[test]
fn a_request_under_a_thread_local_subscriber_is_followed_through_two_servers() {
    let (spans, _guard) = record();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let root = tracing::info_span!("root");
    let root_id = root.id().unwrap().into_u64();
    runtime.block_on(
        async {
            // Started from a worker thread, which has no subscriber.
            let (store, front) = tokio::spawn(async {
                let store = Store::start(Store { value: 41 }).await.unwrap();
                let front = Front::start(Front {
                    store: store.clone(),
                })
                .await
                .unwrap();
                (store, front)
            })
            .await
            .unwrap();
            assert_eq!(front.lookup().await.unwrap(), Ok(42));
            front.stop().await.unwrap();
            store.stop().await.unwrap();
        }
        .instrument(root),
    );

    let [(front_span, front_record)] = spans.handled_by("Front").try_into().unwrap();
    let [(_, store_record)] = spans.handled_by("Store").try_into().unwrap();
    assert_eq!(front_record.parent, Some(root_id));
    assert_eq!(store_record.parent, Some(front_span));
}
