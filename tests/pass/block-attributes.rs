//! What the block's `#[cfg]`s and `#[allow]`s say holds for what the
//! macro generates beside it too.
#![deny(warnings)]

use genserver::prelude::*;

/// A server of a deprecated type.
#[deprecated(note = "use `Counter`")]
pub struct OldCounter {
    total: u64,
}

#[allow(deprecated)]
#[genserver]
impl OldCounter {
    /// The total.
    #[call]
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// A server whose name the crate's conventions do not follow.
#[allow(non_camel_case_types)]
pub struct legacy_store {
    size: usize,
}

#[genserver]
#[allow(non_camel_case_types)]
impl legacy_store {
    /// The size.
    #[call]
    pub fn size(&self) -> usize {
        self.size
    }
}

/// A server whose block is compiled out: nothing is generated for it,
/// although its handlers name a type that does not exist.
pub struct Gone;

#[genserver]
#[cfg(any())]
impl Gone {
    #[call]
    pub fn missing(&self) -> Missing {
        Missing
    }
}

/// A server whose block is compiled in under a `cfg_attr`'d `allow`.
pub struct Kept;

#[cfg_attr(all(), allow(clippy::unused_self))]
#[genserver]
#[cfg(all())]
impl Kept {
    /// Answers.
    #[call]
    pub fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::main(flavor = "current_thread")]
#[allow(deprecated)]
async fn main() {
    let old = OldCounter::start(OldCounter { total: 3 }).await.unwrap();
    assert_eq!(old.total().await.unwrap(), 3);
    let store = legacy_store::start(legacy_store { size: 2 }).await.unwrap();
    assert_eq!(store.size().await.unwrap(), 2);
    let kept = Kept::start(Kept).await.unwrap();
    assert_eq!(kept.ping().await.unwrap(), "pong");
    let _ = Gone;
}
