use genserver::prelude::*;

pub struct Counter {
    total: u8,
}

pub struct Settings {
    start: u8,
}

#[genserver]
impl Counter {
    #[init]
    async fn init(start: u8) -> Result<Settings, String> {
        Ok(Settings { start })
    }

    #[call]
    pub fn get(&self) -> u8 {
        self.total
    }
}

fn main() {}
