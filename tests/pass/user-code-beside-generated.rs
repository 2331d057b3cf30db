//! User code that generated code sits beside keeps its meaning: a timeout
//! calls the user's function even where an argument has its name, an
//! argument may be named after a reserved word, a macro that takes the
//! server's name by ident still gets an ident, and a crate that forbids
//! `private_interfaces` compiles when no handler is less visible than its
//! server; a trait of the user's own named `Error` is not taken for the
//! standard one, and handlers compiled out are not checked.

#![forbid(private_interfaces)]

use std::marker::PhantomData;
use std::time::Duration;

use genserver::prelude::*;

fn limit() -> Duration {
    Duration::from_secs(1)
}

macro_rules! byte {
    ($server:ident) => {
        u8
    };
}

/// Arguments named like what the timeout calls, or a reserved word.
pub struct Named;

#[genserver]
impl Named {
    /// Underscored.
    #[call(timeout = limit())]
    pub fn underscored(&self, _limit: u64) -> u64 {
        1
    }

    /// By reference.
    #[call(timeout = limit())]
    pub fn by_ref(&self, ref limit: u64) -> u64 {
        *limit
    }

    /// Plain.
    #[call(timeout = limit())]
    pub fn plain(&self, limit: u64) -> u64 {
        limit
    }

    /// `gen` is reserved in edition 2024.
    #[call]
    pub fn reserved(&self, _gen: u8) -> u8 {
        2
    }
}

mod my {
    /// An error trait of the user's own, named as the standard one.
    pub trait Error: std::fmt::Debug + Send + Sync {}
}
use my::Error;

#[derive(Debug)]
struct Refused;
impl Error for Refused {}

/// Replies with errors of its own trait, and has handlers compiled out
/// whose error types would not do.
pub struct OwnErrors;

#[genserver]
impl OwnErrors {
    /// Its reply's error is `Send` through the trait's supertraits.
    #[call]
    pub fn refuse(&self) -> Result<u8, Box<dyn Error>> {
        Err(Box::new(Refused))
    }

    /// Never compiled: not checked either.
    #[cfg(any())]
    #[cast]
    pub fn compiled_out(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        Ok(())
    }
}

/// A generic server whose argument type comes from a macro given `Self`.
pub struct Generic<T>(PhantomData<T>);

#[genserver]
impl<T: Send + 'static> Generic<T> {
    /// Echoes.
    #[call]
    pub fn echo(&self, x: byte!(Self)) -> u8 {
        x
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let named = Named::start(Named).await.unwrap();
    assert_eq!(named.underscored(5).await, Ok(1));
    assert_eq!(named.by_ref(6).await, Ok(6));
    assert_eq!(named.plain(7).await, Ok(7));
    assert_eq!(named.reserved(0).await, Ok(2));
    let own = OwnErrors::start(OwnErrors).await.unwrap();
    assert!(own.refuse().await.unwrap().is_err());
    let generic = Generic::<()>::start(Generic(PhantomData)).await.unwrap();
    assert_eq!(generic.echo(8).await, Ok(8));
}
