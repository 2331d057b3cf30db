//! Generated code names nothing through the prelude or the user's scope:
//! shadowed prelude names, user arguments named like generated locals, and
//! a module without the implicit prelude all compile.

#![allow(dead_code)]

use genserver::prelude::*;

// Shadow everything generated code could take from the prelude.
type Result<T> = std::result::Result<T, ()>;
type Option = ();
type Box = ();
struct Some;
struct None;
struct Ok;
struct Err;
struct Clone;
struct From;
struct Into;
struct Send;
mod core {}

/// Sent to the server; named like a generated local.
pub struct Message;

/// A server whose arguments reuse the names of generated locals.
pub struct Shadowed {
    total: u64,
}

#[genserver]
impl Shadowed {
    #[init]
    fn init(state: u64, options: u64, ctx: &mut Context<Self>) -> Self {
        let _ = ctx.id();
        Shadowed {
            total: state + options,
        }
    }

    /// Uses names the expansion uses too.
    #[call]
    pub fn add(
        &mut self,
        reply: u64,
        ctx: &mut Context<Self>,
        __genserver_reply: u64,
        __genserver_ctx: u64,
        value: u64,
    ) -> u64 {
        let _ = ctx.id();
        self.total += reply + __genserver_reply + __genserver_ctx + value;
        self.total
    }

    /// Takes patterns and a `mut` binding.
    #[call]
    pub fn pair(&mut self, (a, b): (u64, u64), _: u8, mut server: u64) -> u64 {
        server += a + b;
        server
    }

    /// Answers later.
    #[call]
    pub fn later(&mut self, message: u64, __genserver_deferred: Reply<u64>) {
        __genserver_deferred.send(message + self.total);
    }

    /// A cast named like a local.
    #[cast]
    pub fn options(&mut self, options: u64) {
        self.total = options;
    }

    #[info]
    fn message(&mut self, message: Message, __genserver_message: &mut Context<Self>) {
        let _ = (message, __genserver_message.id());
        self.total += 1;
    }

    #[terminate]
    fn terminate(&mut self, __genserver_reason: &ExitReason) {
        let _ = __genserver_reason;
    }
}

mod no_prelude {
    #![no_implicit_prelude]

    /// A server in a module without the prelude.
    pub struct Bare {
        pub(crate) n: u64,
    }

    #[::genserver::genserver]
    impl Bare {
        /// Reads `n`.
        #[call]
        pub fn get(&self) -> u64 {
            self.n
        }

        /// Sets `n`.
        #[cast]
        pub fn set(&mut self, n: u64) -> ::std::result::Result<(), ::std::string::String> {
            self.n = n;
            ::std::result::Result::Ok(())
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server = Shadowed::start(1, 2).await.unwrap();
    assert_eq!(server.add(1, 2, 3, 4).await.unwrap(), 13);
    assert_eq!(server.pair((1, 2), 0, 10).await.unwrap(), 13);
    assert_eq!(server.later(1).await.unwrap(), 14);
    server.options(5).await.unwrap();
    server.info(Message).await.unwrap();
    assert_eq!(server.later(0).await.unwrap(), 6);
    server.stop().await.unwrap();

    let bare = no_prelude::Bare::start(no_prelude::Bare { n: 3 })
        .await
        .unwrap();
    bare.set(4).await.unwrap();
    assert_eq!(bare.get().await.unwrap(), 4);
    bare.stop().await.unwrap();
}
