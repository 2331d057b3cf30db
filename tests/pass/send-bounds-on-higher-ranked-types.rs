//! Arguments and replies whose types are written two ways, or are
//! higher-ranked: the job-queue pattern, where a handler takes a closure
//! over the state, once through an alias and once spelled out.

use genserver::prelude::*;

/// A job run on the state.
type Job = Box<dyn FnOnce(&mut Queue) + Send>;

/// A closure type of its own.
type Probe = fn(&u8) -> u8;

/// Takes items.
pub trait Sink<T> {
    /// Takes one.
    fn take(&mut self, item: T);
}

/// Counts what it is given.
struct Count(std::sync::Arc<std::sync::atomic::AtomicU8>);

impl Sink<&u8> for Count {
    fn take(&mut self, item: &u8) {
        self.0.store(*item, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs jobs on its state.
pub struct Queue {
    n: u8,
}

#[genserver]
impl Queue {
    /// Runs a job, through the alias.
    #[cast]
    pub fn run(&mut self, job: Job) {
        job(self);
    }

    /// Runs a job, through the alias by its path.
    #[cast]
    pub fn run_again(&mut self, job: crate::Job) {
        job(self);
    }

    /// Runs a job, spelled out with `Self`.
    #[call]
    pub fn run_now(&mut self, job: Box<dyn FnOnce(&mut Self) + Send>) -> u8 {
        job(self);
        self.n
    }

    /// Runs a job, spelled out with the type's name, higher-ranked.
    #[cast]
    pub fn run_ranked(&mut self, job: Box<dyn for<'a> FnOnce(&'a mut Queue) + Send>) {
        job(self);
    }

    /// Applies a function pointer, elided.
    #[call]
    pub fn probe(&mut self, f: fn(&u8) -> u8) -> u8 {
        f(&self.n)
    }

    /// Applies a function pointer, through the alias.
    #[call]
    pub fn probe_alias(&mut self, f: Probe) -> u8 {
        f(&self.n)
    }

    /// Applies a function pointer, higher-ranked, and returns one.
    #[call]
    pub fn probe_ranked(&mut self, f: for<'x> fn(&'x u8) -> u8) -> for<'y> fn(&'y u8) -> u8 {
        self.n = f(&self.n);
        f
    }

    /// Feeds the state to a sink that takes a borrow of any lifetime.
    #[cast]
    pub fn feed(&mut self, mut sink: Box<dyn for<'a> Sink<&'a u8> + Send>) {
        sink.take(&self.n);
    }

    /// Adds up owned items, named in the trait object's binding.
    #[call]
    pub fn add_all(&mut self, items: Box<dyn Iterator<Item = u8> + Send>) -> u8 {
        self.n += items.sum::<u8>();
        self.n
    }

    /// Returns a job.
    #[call]
    pub fn job(&self) -> Job {
        Box::new(|q: &mut Queue| q.n += 1)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let queue = Queue::start(Queue { n: 0 }).await.unwrap();
    queue.run(Box::new(|q| q.n += 1)).await.unwrap();
    assert_eq!(queue.run_now(Box::new(|q| q.n += 1)).await.unwrap(), 2);
    queue.run_ranked(Box::new(|q| q.n += 1)).await.unwrap();
    assert_eq!(queue.probe(|n| *n).await.unwrap(), 3);
    assert_eq!(queue.probe_alias(|n| *n + 1).await.unwrap(), 4);
    let f = queue.probe_ranked(|n| *n + 1).await.unwrap();
    assert_eq!(f(&1), 2);
    let job = queue.job().await.unwrap();
    queue.run_again(job).await.unwrap();
    assert_eq!(queue.probe(|n| *n).await.unwrap(), 5);
    assert_eq!(queue.add_all(Box::new([1, 2].into_iter())).await.unwrap(), 8);
    let seen = std::sync::Arc::default();
    queue.feed(Box::new(Count(std::sync::Arc::clone(&seen)))).await.unwrap();
    assert_eq!(queue.probe(|n| *n).await.unwrap(), 8);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 8);
    queue.stop().await.unwrap();
}
