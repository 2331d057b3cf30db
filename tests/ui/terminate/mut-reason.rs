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
    fn stopped(&mut self, reason: &mut ExitReason) {
        let _ = reason;
    }
}

fn main() {}
