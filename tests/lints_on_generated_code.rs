//! Lints the user silenced on a handler stay silent on what the macro
//! generates from it, and generated code raises none of its own: this
//! file is linted by `cargo clippy --all-targets -- -D warnings`, which
//! the trybuild pass cases are not.
//!
//! - A handler with many arguments under `#[allow(clippy::too_many_arguments, clippy::many_single_char_names)]`
//!   and one with a complex argument type under
//!   `#[allow(clippy::type_complexity)]`: the client methods, `start` and
//!   the message variants mirror those signatures.
//! - A `pub` server whose `#[info]` message type and handler are private
//!   (the tick pattern): the message enum is `pub`, its variant is not
//!   (`private_interfaces`).
//! - The nursery's `missing_const_for_fn` and `needless_pass_by_ref_mut`,
//!   which ask for what the macro refuses (a `const fn` handler, a context
//!   taken by `&`).
//! - The nursery's `type_repetition_in_bounds`: the `Send` bounds the macro
//!   puts on generated items at the user's types, where two handlers carry
//!   the same type (`u8` and `u64` here), and the check of a higher-ranked
//!   argument type beside them.
//! - The nursery's `trait_duplication_in_bounds`: a generic server whose
//!   bounds are written inline (`Inline`) or in a `where` clause
//!   (`Where`) already say `Send + 'static`, which the macro requires of
//!   every type parameter.
//! - A lint the user expects on a handler (`#[expect(clippy::unused_self)]`)
//!   is not allowed by the macro, which would leave the expectation
//!   unfulfilled.
//! - `missing_errors_doc` (which the workspace allows, so warned here) on
//!   the client methods of a server written inside a `macro_rules!`, whose
//!   `pub` tokens are the macro's.

#![warn(
    clippy::missing_errors_doc,
    clippy::missing_const_for_fn,
    clippy::needless_pass_by_ref_mut,
    clippy::type_repetition_in_bounds,
    clippy::trait_duplication_in_bounds
)]

use std::collections::HashMap;

use genserver::prelude::*;

/// A server whose handlers have long signatures.
pub struct Wide {
    sum: u64,
    seen: Records,
}

/// The complex type of [`Wide::record`]'s argument.
#[allow(clippy::type_complexity)]
type Records = HashMap<String, Vec<(u8, Option<Box<u16>>)>>;

#[genserver]
impl Wide {
    /// Builds the state from many parts.
    #[init]
    #[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
    fn init(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) -> Self {
        Wide {
            sum: [a, b, c, d, e, f, g, h].into_iter().map(u64::from).sum(),
            seen: Records::new(),
        }
    }

    /// Adds eight numbers.
    #[call]
    #[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
    pub fn add(&mut self, a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) -> u64 {
        self.sum += [a, b, c, d, e, f, g, h]
            .into_iter()
            .map(u64::from)
            .sum::<u64>();
        self.sum
    }

    /// Adds eight numbers without waiting.
    #[cast]
    #[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
    pub fn add_later(&mut self, a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) {
        self.sum += [a, b, c, d, e, f, g, h]
            .into_iter()
            .map(u64::from)
            .sum::<u64>();
    }

    /// Records entries, and returns how many keys there are.
    #[call]
    #[allow(clippy::type_complexity)]
    pub fn record(&mut self, entries: HashMap<String, Vec<(u8, Option<Box<u16>>)>>) -> usize {
        self.seen.extend(entries);
        self.seen.len()
    }

    /// The entries under `key`.
    #[call]
    #[allow(clippy::type_complexity)]
    pub fn entries(&self, key: String) -> Option<Vec<(u8, Option<Box<u16>>)>> {
        self.seen.get(&key).cloned()
    }

    /// The sum so far; could be a `const fn` but for the macro.
    #[call]
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// Runs a job on the state: a higher-ranked argument type, whose
    /// `Send` the macro checks apart from the generated items.
    #[cast]
    pub fn run(&mut self, job: Box<dyn FnOnce(&mut Self) + Send>) {
        job(self);
    }

    /// Stops the server; takes the context as the macro requires, `&mut`,
    /// without mutating it.
    #[cast]
    pub fn check(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx.id();
    }
}

/// A public server with a private tick.
pub struct Ticker {
    ticks: u64,
}

struct Tick;

#[genserver]
impl Ticker {
    /// The ticks so far.
    #[call]
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    #[info]
    fn tick(&mut self, _: Tick) {
        self.ticks += 1;
    }
}

/// A generic server with its bounds inline.
pub struct Inline<K> {
    keys: Vec<K>,
}

#[genserver]
impl<K: Clone + Send + 'static> Inline<K> {
    /// Adds a key.
    #[cast]
    pub fn push(&mut self, key: K) {
        self.keys.push(key);
    }

    /// The keys.
    #[call]
    pub fn keys(&self) -> Vec<K> {
        self.keys.clone()
    }
}

/// A generic server with its bounds in a `where` clause, one of them
/// spelled out.
pub struct Where<K, V> {
    pairs: Vec<(K, V)>,
}

#[genserver]
impl<K, V> Where<K, V>
where
    K: Clone + std::marker::Send + 'static,
    V: Clone + Send + 'static,
{
    /// Adds a pair.
    #[cast]
    pub fn push(&mut self, key: K, value: V) {
        self.pairs.push((key, value));
    }

    /// The pairs.
    #[call]
    pub fn pairs(&self) -> Vec<(K, V)> {
        self.pairs.clone()
    }
}

#[tokio::test]
async fn generic_bounds_written_by_the_user() {
    let inline = Inline::start(Inline { keys: vec![1_u8] }).await.unwrap();
    inline.push(2).await.unwrap();
    assert_eq!(inline.keys().await.unwrap(), [1, 2]);
    let pairs = Where::start(Where { pairs: Vec::new() }).await.unwrap();
    pairs.push(1_u8, "a").await.unwrap();
    assert_eq!(pairs.pairs().await.unwrap(), [(1, "a")]);
}

#[tokio::test]
async fn long_signatures() {
    let wide = Wide::start(1, 1, 1, 1, 1, 1, 1, 1).await.unwrap();
    assert_eq!(wide.add(1, 2, 3, 4, 5, 6, 7, 8).await.unwrap(), 44);
    wide.add_later(1, 1, 1, 1, 1, 1, 1, 1).await.unwrap();
    wide.try_add_later(1, 1, 1, 1, 1, 1, 1, 1).unwrap();
    let entries = Records::from([("a".to_owned(), vec![(1, Some(Box::new(2)))])]);
    assert_eq!(wide.record(entries).await.unwrap(), 1);
    assert_eq!(
        wide.entries("a".to_owned()).await.unwrap(),
        Some(vec![(1, Some(Box::new(2)))])
    );
    wide.check().await.unwrap();
    wide.run(Box::new(|w| w.sum += 0)).await.unwrap();
    assert_eq!(wide.sum().await.unwrap(), 60);
    wide.stop().await.unwrap();
}

#[tokio::test]
async fn private_info_type() {
    let ticker = Ticker::start(Ticker { ticks: 0 }).await.unwrap();
    ticker.info(Tick).await.unwrap();
    assert_eq!(ticker.ticks().await.unwrap(), 1);
}

/// A server whose handler expects a lint the macro would otherwise allow.
struct Expecting;

#[genserver]
impl Expecting {
    /// Answers without reading the state.
    #[call]
    #[expect(clippy::unused_self, reason = "the answer is fixed")]
    fn answer(&self) -> u8 {
        42
    }
}

/// Declares a server with literal `pub` handlers, as a `macro_rules!`
/// that stamps out servers would.
macro_rules! declare_echo {
    () => {
        /// Echoes what it is given.
        pub struct Echo {
            last: u8,
        }

        #[genserver]
        impl Echo {
            /// The value given.
            #[call]
            pub fn echo(&mut self, value: u8) -> u8 {
                self.last = value;
                value
            }

            /// Forgets the last value.
            #[cast]
            pub fn forget(&mut self) {
                self.last = 0;
            }
        }
    };
}

declare_echo!();

#[tokio::test]
async fn expectations_and_servers_from_macro_rules() {
    let expecting = Expecting::start(Expecting).await.unwrap();
    assert_eq!(expecting.answer().await, Ok(42));
    let echo = Echo::start(Echo { last: 0 }).await.unwrap();
    assert_eq!(echo.echo(7).await, Ok(7));
    echo.forget().await.unwrap();
}
