use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver(message = Self)]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

pub struct Gauge {
    level: u64,
}

#[genserver(client = crate)]
impl Gauge {
    #[call]
    pub fn get(&self) -> u64 {
        self.level
    }
}

pub struct Meter {
    reading: u64,
}

#[genserver(message = super)]
impl Meter {
    #[call]
    pub fn get(&self) -> u64 {
        self.reading
    }
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter { total: 1 }).await.unwrap();
    let _: u64 = counter.get().await.unwrap();
    let gauge = Gauge::start(Gauge { level: 1 }).await.unwrap();
    let _: u64 = gauge.get().await.unwrap();
}
