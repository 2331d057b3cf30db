//! An `#[init]` that cannot fail may name the server's type otherwise
//! than `Self`: by a path, or, for a block on an alias, by the type the
//! alias stands for.

use genserver::prelude::*;

/// A server named by a path in its `#[init]`.
pub struct Plain {
    n: u8,
}

#[genserver]
impl Plain {
    #[init]
    fn init(n: u8) -> crate::Plain {
        Plain { n }
    }

    /// Its number.
    #[call]
    pub fn n(&self) -> u8 {
        self.n
    }
}

/// A generic server.
pub struct Pair<T> {
    a: T,
    b: T,
}

/// The server, for bytes.
pub type BytePair = Pair<u8>;

#[genserver]
impl BytePair {
    #[init]
    fn init(a: u8, b: u8) -> Pair<u8> {
        Pair { a, b }
    }

    /// The sum.
    #[call]
    pub fn sum(&self) -> u16 {
        u16::from(self.a) + u16::from(self.b)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plain = Plain::start(7).await.unwrap();
    assert_eq!(plain.n().await.unwrap(), 7);
    let pair = BytePair::start(2, 3).await.unwrap();
    assert_eq!(pair.sum().await.unwrap(), 5);
}
