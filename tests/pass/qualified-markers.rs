//! The markers are read under the paths the crate exports them at, as
//! well as bare: `genserver::call` (as `tokio::main`) and
//! `genserver::prelude::call`, with or without a leading `::`, and under
//! the `crate = ` path of a re-export; so are the context and a deferred
//! reply.

mod reexport {
    pub use genserver;
}

struct Plain;

#[genserver::genserver]
impl Plain {
    #[genserver::prelude::init]
    fn init(start: u8) -> Self {
        let _ = start;
        Plain
    }

    #[genserver::prelude::call]
    fn get(&self) -> u8 {
        1
    }

    #[::genserver::prelude::cast]
    fn reset(&mut self) {}

    #[genserver::prelude::info]
    fn tick(&mut self, _: u16) {}

    #[genserver::call]
    fn twice(&self, x: u8) -> u8 {
        x * 2
    }

    #[::genserver::cast]
    fn clear(&mut self) {}

    #[genserver::info]
    fn tock(&mut self, _: u32) {}

    #[genserver::prelude::terminate]
    fn stopped(&mut self) {}
}

struct Reexported;

#[reexport::genserver::genserver(crate = reexport::genserver)]
impl Reexported {
    #[reexport::genserver::prelude::call]
    fn get(&self) -> u8 {
        2
    }

    #[genserver::prelude::cast]
    fn reset(&mut self) {}

    #[reexport::genserver::call]
    fn three(&self) -> u8 {
        3
    }

    #[genserver::cast]
    fn clear(&mut self) {}

    #[reexport::genserver::call]
    fn four(
        &self,
        ctx: &mut reexport::genserver::Context<Self>,
        reply: reexport::genserver::prelude::Reply<u8>,
    ) {
        let _ = ctx.id();
        reply.send(4);
    }
}

struct Rooted;

#[genserver::genserver]
impl Rooted {
    #[genserver::init]
    fn init() -> Self {
        Rooted
    }

    #[genserver::call]
    fn get(&self) -> u8 {
        4
    }

    #[genserver::terminate]
    fn stopped(&mut self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plain = Plain::start(0).await.unwrap();
    assert_eq!(plain.get().await.unwrap(), 1);
    plain.reset().await.unwrap();
    plain.info(1_u16).await.unwrap();
    assert_eq!(plain.twice(2).await.unwrap(), 4);
    plain.clear().await.unwrap();
    plain.info(1_u32).await.unwrap();
    plain.stop().await.unwrap();

    let reexported = Reexported::start(Reexported).await.unwrap();
    assert_eq!(reexported.get().await.unwrap(), 2);
    reexported.reset().await.unwrap();
    assert_eq!(reexported.three().await.unwrap(), 3);
    reexported.clear().await.unwrap();
    assert_eq!(reexported.four().await.unwrap(), 4);

    let rooted = Rooted::start().await.unwrap();
    assert_eq!(rooted.get().await.unwrap(), 4);
}
