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
    let total: u64 = counter.get().await.unwrap();
    println!("{total}");
    counter.stop().await.unwrap();
}
