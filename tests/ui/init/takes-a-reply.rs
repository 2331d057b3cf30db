use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(reply: Reply<u8>) -> Self {
        let _ = reply;
        Counter { total: 0 }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
