//! `#[cfg_attr]` on a handler: the `cfg`s and docs it adds go to what is
//! generated from the handler, the rest stays on the handler.

#![deny(warnings)]

use genserver::prelude::*;

/// A running total.
pub struct Total {
    total: u64,
}

#[genserver]
impl Total {
    /// Adds `by`.
    ///
    /// An attribute that is true of the handler only: on the client
    /// method, whose arguments are all used, the expectation would not be
    /// met. (`cfg_attr(feature = "..", tracing::instrument(skip(self, ctx)))`
    /// is the common case: `ctx` is not an argument of the client method.)
    #[cfg_attr(all(), expect(unused_variables))]
    #[call]
    pub fn add(&mut self, by: u64, unused: u64) -> u64 {
        self.total += by;
        self.total
    }

    /// A lint level for the handler only, and docs and a `cfg` for all.
    #[cfg_attr(
        all(),
        allow(clippy::needless_pass_by_value),
        doc = "Added by `cfg_attr`.",
        cfg(all())
    )]
    #[cfg_attr(all(), cfg_attr(all(), inline, doc = "Nested."))]
    #[cast]
    pub fn set(&mut self, total: u64) {
        self.total = total;
    }

    /// Compiled out with everything generated from it, although the
    /// `cfg_attr` that removes it adds an attribute the client could not
    /// take.
    #[cfg_attr(any(), inline)]
    #[cfg_attr(all(), cfg(any()), expect(unused_variables))]
    #[call]
    pub fn gone(&self, missing: Missing) {}

    /// The total.
    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let total = Total::start(Total { total: 1 }).await.unwrap();
    assert_eq!(total.add(2, 0).await.unwrap(), 3);
    total.set(5).await.unwrap();
    total.try_set(5).unwrap();
    assert_eq!(total.get().await.unwrap(), 5);
    total.stop().await.unwrap();
}
