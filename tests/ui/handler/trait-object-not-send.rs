// What a message or a reply carries crosses tasks: a standard trait
// object without `Send` in it is one error at the `dyn`, with the bound
// to add, rather than rustc's at every generated item. A trait of the
// user's own, which may require `Send`, is left to rustc.

use genserver::prelude::*;

pub struct Runner {
    total: u64,
}

#[genserver]
impl Runner {
    #[init]
    fn init(first: Box<dyn FnOnce() -> u64>) -> Self {
        Runner { total: first() }
    }

    #[cast]
    pub fn run(&mut self, job: Box<dyn FnOnce() -> u64>) {
        self.total += job();
    }

    #[call]
    pub fn inspect(&self, value: Vec<Box<dyn std::any::Any + Sync>>) -> usize {
        value.len()
    }

    #[call]
    pub fn numbers(&self) -> Box<dyn Iterator<Item = u64>> {
        Box::new(0..self.total)
    }

    #[info]
    fn report(&mut self, report: Box<dyn core::fmt::Debug>) {
        drop(report);
    }
}

fn main() {}
