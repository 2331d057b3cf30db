// A type that is not in scope is one error, where it is written.

use genserver::prelude::*;

pub struct Clock {
    ticks: u64,
}

#[genserver]
impl Clock {
    #[call]
    pub fn now(&self) -> Instant {
        todo!()
    }

    #[cast]
    pub fn set(&mut self, to: Moment) {
        let _ = to;
    }

    #[info]
    fn on_tick(&mut self, _: Tick) {
        self.ticks += 1;
    }

    // Inside a generic argument, in an argument and in a deferred reply.
    #[cast]
    pub fn set_all(&mut self, to: Vec<Epoch>) {
        let _ = to;
    }

    #[call]
    pub fn when(&mut self, reply: Reply<Era>) {
        drop(reply);
    }
}

fn main() {}
