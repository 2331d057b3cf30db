//! Handlers whose names would make a variant that starts with a digit
//! (`_1` → `1`) get a variant with a leading underscore (`_1`) instead.

use genserver::prelude::*;

/// A tick.
pub struct Tick;

/// A server with numbered handlers.
pub struct Numbered {
    ticks: u8,
}

#[genserver]
impl Numbered {
    /// One.
    #[call]
    pub fn _1(&self) -> u8 {
        1
    }

    /// Two, as a cast.
    #[cast]
    pub fn _2_b(&mut self) {}

    #[info]
    fn _2d(&mut self, _: Tick) {
        self.ticks += 1;
    }

    /// The ticks so far.
    #[call]
    pub fn ticks(&self) -> u8 {
        self.ticks
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let numbered = Numbered::start(Numbered { ticks: 0 }).await.unwrap();
    assert_eq!(numbered._1().await.unwrap(), 1);
    numbered._2_b().await.unwrap();
    numbered.try__2_b().unwrap();
    numbered.info(Tick).await.unwrap();
    assert_eq!(numbered.ticks().await.unwrap(), 1);
    assert_eq!(
        <Numbered as GenServer>::message_name(&NumberedMessage::_2d(Tick)),
        "_2d"
    );
    numbered.stop().await.unwrap();
}
