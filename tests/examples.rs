//! Runs the examples as tests: each must end by itself, successfully,
//! within a time limit.
//!
//! Each example's source is compiled into this test as a module
//! (`#[path]`) and its `main` is called on a thread of its own. That is
//! the robust way to run them here: cargo gives tests no path to example
//! binaries (`CARGO_BIN_EXE_*` exists for `[[bin]]` targets only), and a
//! nested `cargo run --example` would wait for the build lock that the
//! outer `cargo test` holds, or rebuild everything under another profile.
//! The examples are still built as binaries by `cargo test` and
//! `cargo build --all-targets`, so both forms stay compiling; their `main`
//! is `pub(crate)` so that this file can call it.
//!
//! To add an example: make its `main` `pub(crate)`, include it below and
//! add a test that calls [`run`] with it.
//!
//! An example prints what it does; the output is captured as a test's is,
//! and shown when it fails (or with `--nocapture`).

use std::error::Error;
use std::sync::mpsc;
use std::time::Duration;

#[path = "../examples/cache_server.rs"]
#[allow(unreachable_pub)]
mod cache_server;
#[path = "../examples/chat_room.rs"]
#[allow(unreachable_pub)]
mod chat_room;
#[path = "../examples/counter.rs"]
#[allow(unreachable_pub)]
mod counter;
// The sketch spells out the whole generated client; its `main` uses part.
#[path = "../examples/counter-expanded.rs"]
#[allow(unreachable_pub, dead_code)]
mod counter_expanded;
#[path = "../examples/job_queue.rs"]
#[allow(unreachable_pub)]
mod job_queue;
#[path = "../examples/supervision_tree.rs"]
#[allow(unreachable_pub)]
mod supervision_tree;

/// Generous: every example ends in well under a second.
const LIMIT: Duration = Duration::from_secs(60);

type ExampleMain = fn() -> Result<(), Box<dyn Error + Send + Sync>>;

/// Runs an example's `main` (which builds its own runtime) on a thread of
/// its own and fails if it errs, panics or outlives [`LIMIT`].
fn run(name: &str, main: ExampleMain) {
    let (done, ended) = mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let result = main().map_err(|e| e.to_string());
            let _ = done.send(result);
        })
        .expect("spawn the example's thread");
    match ended.recv_timeout(LIMIT) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("example {name} failed: {error}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("example {name} panicked"),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("example {name} did not end within {LIMIT:?}")
        }
    }
}

#[test]
fn counter_runs_to_the_end() {
    run("counter", counter::main);
}

#[test]
fn counter_expanded_runs_to_the_end() {
    run("counter-expanded", counter_expanded::main);
}

#[test]
fn supervision_tree_runs_to_the_end() {
    run("supervision_tree", supervision_tree::main);
}

#[test]
fn chat_room_runs_to_the_end() {
    run("chat_room", chat_room::main);
}

#[test]
fn cache_server_runs_to_the_end() {
    run("cache_server", cache_server::main);
}

#[test]
fn job_queue_runs_to_the_end() {
    run("job_queue", job_queue::main);
}
