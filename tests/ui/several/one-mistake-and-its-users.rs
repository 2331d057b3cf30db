use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

pub struct Tick;

#[genserver]
impl Counter {
    #[init]
    async fn init(start: u64) -> Self {
        Counter { total: start }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }

    #[cast]
    pub fn add(&mut self, by: u64) {
        self.total += by;
    }

    #[cast]
    pub fn reset(self) {}

    #[call]
    pub fn last(&self, n: &u64) -> u64 {
        self.total + n
    }

    #[info]
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        self.total += 1;
        if self.total > 10 {
            ctx.stop(ExitReason::Normal);
        }
    }
}

#[tokio::main]
async fn main() {
    let counter: CounterClient = Counter::start(1).await.unwrap();
    counter.add(2).await.unwrap();
    counter.try_add(2).unwrap();
    counter.info(Tick).await.unwrap();
    counter.reset().await.unwrap();
    counter.try_reset().unwrap();
    let last: u64 = counter.last(&1).await.unwrap();
    println!("{last}");
    let total: u64 = counter.get().await.unwrap();
    println!("{total}");
    counter.stop().await.unwrap();
}
