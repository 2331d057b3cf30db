use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn crash(&mut self) -> ! {
        panic!("at {}", self.total)
    }

    #[info]
    fn tick(&mut self, _: u8) -> ! {
        panic!("at {}", self.total)
    }
}

async fn use_it(counter: CounterClient) {
    let _ = counter.crash().await;
}

fn main() {
    let _ = use_it;
}
