use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn crash(&mut self) -> ! {
        panic!("at {}", self.total)
    }
}

async fn use_it(counter: CounterClient) {
    let _ = counter.crash().await;
}

fn main() {
    let _ = use_it;
}
