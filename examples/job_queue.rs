//! A job queue: the queue server runs each job as a task of its own, at
//! most two at a time. A job that fails or panics goes back to the queue
//! and is retried after a backoff, up to three attempts; the queue answers
//! "all settled" once no job is waiting or running.
//!
//! `cargo run --example job_queue`
//!
//! What it shows: `ctx.spawn_task` (a job's value or its panic comes back
//! as a `TaskDone` message, and the queue keeps serving meanwhile),
//! `ctx.send_after` for the backoff, and a deferred `Reply` that answers
//! the caller of `wait_all` when the last job is settled. A panicking job
//! is reported by Rust's panic hook on stderr, and by the queue.

use std::collections::{HashMap, VecDeque};
use std::error::Error;
use std::time::Duration;

use genserver::TaskId;
use genserver::prelude::*;

/// A job: what to do, and how many times it has been tried.
#[derive(Clone, Copy, Debug)]
struct Job {
    name: &'static str,
    attempt: u32,
}

/// What a job produces, or why it failed.
type Outcome = Result<String, String>;

/// The queue's answer once every job is settled.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Jobs that succeeded, with the attempt that did.
    pub done: Vec<(&'static str, u32)>,
    /// Jobs that failed on every attempt.
    pub given_up: Vec<&'static str>,
}

/// Runs jobs as tasks and retries the ones that fail.
struct JobQueue {
    pending: VecDeque<Job>,
    running: HashMap<TaskId, Job>,
    /// Jobs waiting for their backoff to end.
    backing_off: usize,
    report: Report,
    waiting: Vec<Reply<Report>>,
}

/// Puts a failed job back in the queue once its backoff has passed.
struct Retry(Job);

const MAX_RUNNING: usize = 2;
const MAX_ATTEMPTS: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(40);

#[genserver]
impl JobQueue {
    /// Queues a job.
    #[cast]
    fn submit(&mut self, name: &'static str, ctx: &mut Context<Self>) {
        println!("[queue] submitted {name}");
        self.pending.push_back(Job { name, attempt: 1 });
        self.run_more(ctx);
    }

    /// Answers once no job is waiting, backing off or running.
    #[call]
    fn wait_all(&mut self, reply: Reply<Report>) {
        self.waiting.push(reply);
        self.answer_if_settled();
    }

    /// A job's task has ended: with its value, its error, or a panic.
    #[info]
    fn finished(&mut self, done: TaskDone<Outcome>, ctx: &mut Context<Self>) {
        let Some(job) = self.running.remove(&done.id) else {
            return;
        };
        let failure = match done.result {
            Ok(Ok(value)) => {
                println!(
                    "[queue] done     {} (attempt {}): {value}",
                    job.name, job.attempt
                );
                self.report.done.push((job.name, job.attempt));
                None
            }
            Ok(Err(error)) => Some(("failed ", error)),
            Err(TaskError::Panicked { message }) => Some(("crashed", message.to_string())),
            Err(other) => Some(("ended  ", other.to_string())),
        };
        if let Some((what, why)) = failure {
            self.retry_or_give_up(job, what, &why, ctx);
        }
        self.run_more(ctx);
        self.answer_if_settled();
    }

    /// A job's backoff has passed.
    #[info]
    fn retry(&mut self, Retry(job): Retry, ctx: &mut Context<Self>) {
        self.backing_off -= 1;
        self.pending.push_back(job);
        self.run_more(ctx);
    }

    fn retry_or_give_up(&mut self, job: Job, what: &str, why: &str, ctx: &mut Context<Self>) {
        if job.attempt >= MAX_ATTEMPTS {
            println!(
                "[queue] gave up  {} after {} attempts: {why}",
                job.name, job.attempt
            );
            self.report.given_up.push(job.name);
            return;
        }
        let delay = BACKOFF * job.attempt;
        println!(
            "[queue] {what}  {} (attempt {}): {why}; retry in {delay:?}",
            job.name, job.attempt
        );
        self.backing_off += 1;
        let next = Job {
            name: job.name,
            attempt: job.attempt + 1,
        };
        // The timer ends with the queue; nothing here cancels a retry.
        ctx.send_after(delay, Retry(next)).detach();
    }

    fn run_more(&mut self, ctx: &mut Context<Self>) {
        while self.running.len() < MAX_RUNNING {
            let Some(job) = self.pending.pop_front() else {
                break;
            };
            println!("[queue] start    {} (attempt {})", job.name, job.attempt);
            let id = ctx.spawn_task(work(job));
            self.running.insert(id, job);
        }
    }

    fn answer_if_settled(&mut self) {
        if self.pending.is_empty() && self.running.is_empty() && self.backing_off == 0 {
            for reply in self.waiting.drain(..) {
                reply.send(self.report.clone());
            }
        }
    }
}

/// The work of a job. Some jobs fail, or panic, on their first attempts,
/// and one never succeeds.
async fn work(job: Job) -> Outcome {
    tokio::time::sleep(Duration::from_millis(20 * job.name.len() as u64 / 4)).await;
    match (job.name, job.attempt) {
        ("resize photo", 1) => panic!("image decoder crashed"),
        ("send email", attempt) if attempt < 3 => Err("smtp timeout".to_owned()),
        ("charge card", _) => Err("card declined".to_owned()),
        (name, _) => Ok(format!("{} bytes", name.len() * 1000)),
    }
}

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let queue = JobQueue::start(JobQueue {
        pending: VecDeque::new(),
        running: HashMap::new(),
        backing_off: 0,
        report: Report::default(),
        waiting: Vec::new(),
    })
    .await?;

    for name in [
        "encode video",
        "send email",
        "resize photo",
        "charge card",
        "index page",
    ] {
        queue.submit(name).await?;
    }

    let report = queue
        .with_timeout(Duration::from_secs(30))
        .wait_all()
        .await?;
    println!(
        "[main] all jobs settled: {} done, {} given up ({})",
        report.done.len(),
        report.given_up.len(),
        report.given_up.join(", ")
    );
    assert_eq!(report.done.len(), 4);
    assert_eq!(report.given_up, ["charge card"]);

    queue.stop().await?;
    println!("[main] queue stopped");
    Ok(())
}
