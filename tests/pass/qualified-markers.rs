//! The markers are read under the paths the crate exports them at, as
//! well as bare: `genserver::prelude::call`, with or without a leading
//! `::`, and under the `crate = ` path of a re-export.

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
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plain = Plain::start(0).await.unwrap();
    assert_eq!(plain.get().await.unwrap(), 1);
    plain.reset().await.unwrap();
    plain.info(1_u16).await.unwrap();
    plain.stop().await.unwrap();

    let reexported = Reexported::start(Reexported).await.unwrap();
    assert_eq!(reexported.get().await.unwrap(), 2);
    reexported.reset().await.unwrap();
}
