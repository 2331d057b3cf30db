//! The generated enum, client and `start` reach as far as the widest
//! handler, whatever order the handlers come in: a path from the crate
//! root and one from the block's module, which the macro cannot compare,
//! give `pub(crate)`.

#![deny(warnings)]

mod a {
    pub mod b {
        use genserver::prelude::*;

        pub(crate) struct Pair;

        #[genserver]
        impl Pair {
            #[call]
            pub(in crate::a::b) fn inner(&self) -> u8 {
                1
            }

            #[call]
            pub(super) fn outer(&self) -> u8 {
                2
            }
        }

        pub(in crate::a) struct Nested;

        #[genserver]
        impl Nested {
            #[call]
            pub(in crate::a::b) fn inner(&self) -> u8 {
                3
            }

            #[call]
            pub(in crate::a) fn outer(&self) -> u8 {
                4
            }
        }
    }

    pub async fn run() {
        let pair: b::PairClient = b::Pair::start(b::Pair).await.unwrap();
        assert_eq!(pair.outer().await.unwrap(), 2);
        pair.stop().await.unwrap();
        let nested: b::NestedClient = b::Nested::start(b::Nested).await.unwrap();
        assert_eq!(nested.outer().await.unwrap(), 4);
        nested.stop().await.unwrap();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    a::run().await;
}
