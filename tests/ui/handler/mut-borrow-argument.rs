// A `&mut` argument, as a handler of another actor crate takes its state:
// the help says where the state is and how to give data back.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn fill(&mut self, buf: &mut Vec<u8>) {
        buf.push(1);
        self.total += 1;
    }
}

fn main() {}
