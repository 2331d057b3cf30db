//! Trait objects that are `Send` pass: with the bound written, through a
//! trait of the user's own that requires it, and inside a closure's own
//! signature, which is not what is sent; a handler compiled out is not
//! checked.

use genserver::prelude::*;

pub trait Job: Send {
    fn run(&self) -> u64;
}

/// A trait of the user's own named as a standard one.
pub trait Any: Send {}

pub struct Runner {
    total: u64,
}

#[genserver]
impl Runner {
    #[cast]
    pub fn run(&mut self, job: Box<dyn FnOnce() -> u64 + Send>) {
        self.total += job();
    }

    #[cast]
    pub fn job(&mut self, job: Box<dyn Job>) {
        self.total += job.run();
    }

    #[cast]
    pub fn own(&mut self, _any: Box<dyn Any>) {}

    /// Never compiled: not checked either.
    #[cfg(any())]
    #[cast]
    pub fn compiled_out(&mut self, _job: Box<dyn FnOnce()>) {}

    #[call]
    pub fn maker(&self) -> Box<dyn Fn(&u8) -> Box<dyn std::any::Any> + Send> {
        Box::new(|byte| Box::new(*byte))
    }
}

fn main() {}
