//! `Self` means the server wherever the block writes it, also in what the
//! macro moves out of the block: a `#[call(timeout = ...)]` expression
//! (which the client evaluates), and expressions inside argument and
//! reply types (array lengths, const generic arguments).

use std::marker::PhantomData;
use std::time::Duration;

use genserver::prelude::*;

struct Slow;

impl Slow {
    const LIMIT: Duration = Duration::from_millis(300);
    const SECS: u64 = 2;

    fn limit() -> Duration {
        Self::LIMIT
    }
}

macro_rules! seconds {
    ($secs:expr) => {
        Duration::from_secs($secs)
    };
}

#[genserver]
impl Slow {
    #[call(timeout = Self::LIMIT)]
    fn limited(&self) -> u8 {
        1
    }

    #[call(timeout = Duration::from_secs(Self::SECS))]
    fn in_call(&self) -> u8 {
        2
    }

    #[call(timeout = Self::limit())]
    fn by_function(&self) -> u8 {
        3
    }

    #[call(timeout = seconds!(Self::SECS))]
    fn in_macro(&self) -> u8 {
        4
    }

    #[call(timeout = { const fn twice(n: u64) -> u64 { n * 2 } seconds!(twice(Self::SECS)) })]
    fn in_block(&self) -> u8 {
        5
    }
}

struct Disk {
    blocks: Vec<[u8; Disk::BLOCK]>,
}

impl Disk {
    const BLOCK: usize = 4;
}

struct Blocks<const N: usize>([u8; N]);

#[genserver]
impl Disk {
    #[cast]
    fn write(&mut self, block: [u8; Self::BLOCK]) {
        self.blocks.push(block);
    }

    #[call]
    fn last(&self) -> Option<[u8; Self::BLOCK]> {
        self.blocks.last().copied()
    }

    #[call]
    fn first(&self) -> Option<Blocks<{ Self::BLOCK }>> {
        self.blocks.first().copied().map(Blocks)
    }
}

struct Tagged<T> {
    count: u8,
    tag: PhantomData<T>,
}

impl<T> Tagged<T> {
    const LIMIT: Duration = Duration::from_millis(300);
}

#[genserver]
impl<T> Tagged<T> {
    #[call(timeout = Self::LIMIT)]
    fn set(&mut self, count: u8) -> u8 {
        std::mem::replace(&mut self.count, count)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let slow = Slow::start(Slow).await.unwrap();
    assert_eq!(slow.limited().await.unwrap(), 1);
    assert_eq!(slow.in_call().await.unwrap(), 2);
    assert_eq!(slow.by_function().await.unwrap(), 3);
    assert_eq!(slow.in_macro().await.unwrap(), 4);
    assert_eq!(slow.in_block().await.unwrap(), 5);

    let disk = Disk::start(Disk { blocks: vec![] }).await.unwrap();
    disk.write([1; 4]).await.unwrap();
    assert_eq!(disk.last().await.unwrap(), Some([1; 4]));
    assert_eq!(disk.first().await.unwrap().map(|b| b.0), Some([1; 4]));

    let tagged = Tagged::<String>::start(Tagged {
        count: 0,
        tag: PhantomData,
    })
    .await
    .unwrap();
    assert_eq!(tagged.set(1).await.unwrap(), 0);
}
