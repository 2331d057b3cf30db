//! A typed receiver may name the server's type instead of `Self`.

use genserver::prelude::*;

pub struct Gauge<T> {
    value: T,
}

#[genserver]
impl<T: Copy + Send + 'static> Gauge<T> {
    #[call]
    pub fn get(self: &Gauge<T>) -> T {
        self.value
    }

    #[cast]
    pub fn set(self: &mut Gauge<T>, value: T) {
        self.value = value;
    }
}

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn add(self: &mut Counter, by: u64) -> u64 {
        self.total += by;
        self.total
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let gauge = Gauge::start(Gauge { value: 1u8 }).await.unwrap();
    gauge.set(7).await.unwrap();
    assert_eq!(gauge.get().await, Ok(7));
    let counter = Counter::start(Counter { total: 0 }).await.unwrap();
    assert_eq!(counter.add(2).await, Ok(2));
}
