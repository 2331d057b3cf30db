// A cast's arguments travel to the server's task, so they must be `Send`:
// one error at the type, rather than one per generated item.

use std::rc::Rc;

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn add(&mut self, by: Rc<u64>) {
        self.total += *by;
    }
}

fn main() {}
