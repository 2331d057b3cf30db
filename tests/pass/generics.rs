//! Type and const parameters and `where` clauses carry over to the message
//! enum, the client and every impl.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;

use genserver::prelude::*;

/// A key-value store.
pub struct Cache<K, V> {
    entries: HashMap<K, V>,
}

/// Forget one key.
pub struct Evict<K>(pub K);

#[genserver]
impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Send + 'static,
    V: Clone + Send + 'static,
{
    /// The value under `key`.
    #[call]
    pub fn get(&self, key: K) -> Option<V> {
        self.entries.get(&key).cloned()
    }

    /// Stores `value` under `key`.
    #[cast]
    pub fn put(&mut self, key: K, value: V) {
        self.entries.insert(key, value);
    }

    /// How many entries there are. (An `async` handler that takes
    /// `&self` would need the state to be `Sync`: its future holds the
    /// reference across `.await`.)
    #[call]
    pub async fn len(&mut self) -> usize {
        tokio::task::yield_now().await;
        self.entries.len()
    }

    #[info]
    fn evict(&mut self, Evict(key): Evict<K>) {
        self.entries.remove(&key);
    }
}

/// A server whose type parameter appears in no message.
pub struct Tagged<T: Send + 'static> {
    count: u64,
    tag: PhantomData<fn() -> T>,
}

#[genserver]
impl<T: Send + 'static> Tagged<T> {
    /// One more.
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.count += 1;
        self.count
    }

    /// `Self` in an argument and a reply.
    #[call]
    pub fn replace(&mut self, with: Option<Box<Self>>) -> Option<u64> {
        with.map(|other| std::mem::replace(&mut self.count, other.count))
    }
}

/// A fixed-size ring.
pub struct Ring<const N: usize> {
    slots: [u64; N],
    next: usize,
}

#[genserver]
impl<const N: usize> Ring<N> {
    /// Pushes `value`, returns the one it replaced.
    #[call]
    pub fn push(&mut self, value: u64) -> u64 {
        let old = std::mem::replace(&mut self.slots[self.next], value);
        self.next = (self.next + 1) % N;
        old
    }

    /// The whole ring.
    #[call]
    pub fn all(&self) -> [u64; N] {
        self.slots
    }
}

/// A generic server whose block names no `Send` or `'static` bound.
pub struct Holder<T> {
    value: T,
}

#[genserver]
impl<T: Clone> Holder<T> {
    /// A copy of the value.
    #[call]
    pub fn get(&self) -> T {
        self.value.clone()
    }
}

/// A concrete instance of a generic type.
pub struct Pair<T>(T, T);

#[genserver]
impl Pair<u8> {
    /// The sum.
    #[call]
    pub fn sum(&self) -> u16 {
        u16::from(self.0) + u16::from(self.1)
    }
}

fn assert_client<C: Client + Send + Sync>() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_client::<CacheClient<String, u64>>();
    // `T` is `Send` but not `Sync`; the client is both all the same.
    assert_client::<TaggedClient<std::cell::Cell<u8>>>();

    let cache = Cache::<String, u64>::start(Cache {
        entries: HashMap::new(),
    })
    .await
    .unwrap();
    cache.put("a".to_owned(), 1).await.unwrap();
    assert_eq!(cache.get("a".to_owned()).await.unwrap(), Some(1));
    assert_eq!(cache.len().await.unwrap(), 1);
    cache.info(Evict("a".to_owned())).await.unwrap();
    assert_eq!(cache.get("a".to_owned()).await.unwrap(), None);
    cache.stop().await.unwrap();

    let tagged = Tagged::<String>::start(Tagged {
        count: 0,
        tag: PhantomData,
    })
    .await
    .unwrap();
    assert_eq!(tagged.bump().await.unwrap(), 1);
    let other = Tagged {
        count: 7,
        tag: PhantomData,
    };
    assert_eq!(
        tagged.replace(Some(Box::new(other))).await.unwrap(),
        Some(1)
    );
    assert_eq!(tagged.bump().await.unwrap(), 8);

    let ring = Ring::<2>::start(Ring {
        slots: [0; 2],
        next: 0,
    })
    .await
    .unwrap();
    ring.push(1).await.unwrap();
    assert_eq!(ring.push(2).await.unwrap(), 0);
    assert_eq!(ring.all().await.unwrap(), [1, 2]);

    let holder = Holder::start(Holder {
        value: "held".to_owned(),
    })
    .await
    .unwrap();
    assert_eq!(holder.get().await.unwrap(), "held");

    let pair = Pair::start(Pair(200, 100)).await.unwrap();
    assert_eq!(pair.sum().await.unwrap(), 300);
}
