use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn r#stop(&self) -> u64 {
        self.total
    }

    #[call]
    pub fn r#start(&self) -> u64 {
        self.total
    }

    #[cast]
    pub fn r#clone(&mut self) {}

    #[cast]
    pub fn reset(&mut self) {
        self.total = 0;
    }

    #[call]
    pub fn r#try_reset(&self) -> u64 {
        self.total
    }
}

fn main() {}
