use genserver::prelude::*;

pub struct Counter {
    total: u8,
}

#[genserver]
impl Counter {
    #[init]
    async fn init(x: u8) -> Result<u8, String> {
        Ok(x)
    }

    #[call]
    pub fn get(&self) -> u8 {
        self.total
    }
}

fn main() {}
