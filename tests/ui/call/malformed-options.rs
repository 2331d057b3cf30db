// Each malformed option is one error at the token that breaks it, with the
// form `#[call]` takes.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call(timeout = )]
    pub fn a(&self) -> u64 {
        self.total
    }

    #[call("1s")]
    pub fn b(&self) -> u64 {
        self.total
    }

    #[call(timeout = "5s",,)]
    pub fn c(&self) -> u64 {
        self.total
    }

    #[call(timeout: "1s")]
    pub fn d(&self) -> u64 {
        self.total
    }

    #[call(timeout = "5s" "1s")]
    pub fn e(&self) -> u64 {
        self.total
    }

    #[cast(timeout = )]
    pub fn f(&mut self) {}
}

#[tokio::main]
async fn main() {
    let counter = Counter::start(Counter { total: 0 }).await.unwrap();
    let _ = counter.a().await.unwrap();
    let _ = counter.e().await.unwrap();
}
