// A deferred reply travels to the caller's task like a returned one, so
// it cannot borrow either.

use genserver::prelude::*;

pub struct Names {
    first: String,
}

#[genserver]
impl Names {
    #[call]
    pub fn first(&mut self, reply: Reply<&str>) {
        let _ = reply;
    }
}

fn main() {}
