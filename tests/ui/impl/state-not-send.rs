// A server's state moves to a task of its own, so it must be `Send`: one
// error, naming the field that is not, rather than one per generated item.

use std::rc::Rc;

use genserver::prelude::*;

pub struct Counter {
    total: Rc<u64>,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        *self.total
    }
}

fn main() {}
