use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[terminate]
    fn stopped(&mut self, reason: &ExitReason, again: &ExitReason) {
        let _ = (reason, again);
    }
}

fn main() {}
