// A call's reply travels back to the caller's task, so it must be `Send`:
// one error at the type, rather than one per generated item.

use std::rc::Rc;

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn total(&self) -> Rc<u64> {
        Rc::new(self.total)
    }
}

fn main() {}
