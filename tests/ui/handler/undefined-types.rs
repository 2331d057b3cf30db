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
}

fn main() {}
