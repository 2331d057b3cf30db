//! `#[cfg]` on `#[init]` and `#[terminate]` applies to what is generated
//! from them: an `#[init]` compiled out leaves the server without one
//! (`start` takes the state), one `#[init]` per configuration gives `start`
//! that configuration's arguments, and a `#[terminate]` compiled out is
//! not called.

use genserver::prelude::*;

/// An `#[init]` and a `#[terminate]` that are never compiled.
pub struct Never {
    n: u8,
}

#[genserver]
impl Never {
    #[cfg(any())]
    #[init]
    fn init(n: u8) -> Self {
        Never { n: n + 100 }
    }

    #[cfg(any())]
    #[terminate]
    fn t(&mut self) {}

    /// The state.
    #[call]
    pub fn get(&self) -> u8 {
        self.n
    }
}

/// One `#[init]` and one `#[terminate]` for tests, others elsewhere.
pub struct Either {
    n: u16,
}

#[genserver]
impl Either {
    /// Under test: a `u16`.
    #[cfg(test)]
    #[init]
    fn init(n: u16) -> Self {
        Either { n }
    }

    /// Elsewhere: a `u8` and a flag, which may fail.
    #[cfg(not(test))]
    #[init]
    async fn init(n: u8, double: bool, ctx: &mut Context<Self>) -> Result<Self, String> {
        let _ = ctx.id();
        let n = u16::from(n);
        Ok(Either {
            n: if double { n * 2 } else { n },
        })
    }

    #[cfg(test)]
    #[terminate]
    fn terminate(&mut self) {
        self.n = 0;
    }

    #[cfg_attr(test, cfg(any()))]
    #[terminate]
    fn terminate(&mut self, _reason: &ExitReason) {
        self.n = 1;
    }

    /// The state.
    #[call]
    pub fn get(&self) -> u16 {
        self.n
    }
}

/// `#[init]` under a `#[cfg_attr]` that adds a `#[cfg]`, compiled in.
pub struct Attr {
    n: u8,
}

#[genserver]
impl Attr {
    #[cfg_attr(any(), cfg(any()))]
    #[init]
    fn make(n: u8) -> Self {
        Attr { n }
    }

    /// The state.
    #[call]
    pub fn get(&self) -> u8 {
        self.n
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let never = Never::start(Never { n: 1 }).await.unwrap();
    assert_eq!(never.get().await.unwrap(), 1);
    never.stop().await.unwrap();

    let either = Either::start(21, true).await.unwrap();
    assert_eq!(either.get().await.unwrap(), 42);
    either.stop().await.unwrap();

    let attr = Attr::start(7).await.unwrap();
    assert_eq!(attr.get().await.unwrap(), 7);
    attr.stop().await.unwrap();
}
