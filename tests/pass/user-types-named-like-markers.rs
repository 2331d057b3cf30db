//! A type of the user's own named `Context` or `Reply`, written through
//! its module (`chat::Context`, as `tera::Context`), is an ordinary
//! argument; the server's context and a deferred reply are written bare
//! or through `genserver`.

mod chat {
    /// A template context, taken by value.
    pub struct Context {
        pub name: String,
    }

    /// A reply of the user's own, sent by a cast.
    pub struct Reply<T>(pub T);
}

/// The user's own, under another module.
pub mod ui {
    /// A reply to show.
    pub struct Reply<T>(pub T);
}

use genserver::prelude::*;

/// A server that takes the user's `Context` and `Reply` types.
pub struct Greeter {
    last: String,
}

#[genserver]
impl Greeter {
    /// Greets by a context of the user's type, by value.
    #[call]
    pub fn greet(&mut self, c: chat::Context, ctx: &mut Context<Self>) -> String {
        let _ = ctx.id();
        self.last = format!("hello {}", c.name);
        self.last.clone()
    }

    /// Stores a reply of the user's type.
    #[cast]
    pub fn store(&mut self, r: chat::Reply<String>) {
        self.last = r.0;
    }

    /// Stores another, through `crate::`.
    #[cast]
    pub fn show(&mut self, r: crate::ui::Reply<String>, ctx: &mut genserver::Context<Self>) {
        let _ = ctx.id();
        self.last = r.0;
    }

    /// The last greeting, answered later through the crate's `Reply`.
    #[call]
    pub fn last(&mut self, reply: genserver::Reply<String>) {
        reply.send(self.last.clone());
    }

    /// The same, through the prelude's path.
    #[call]
    pub fn last_again(
        &mut self,
        reply: ::genserver::prelude::Reply<String>,
        _ctx: &mut ::genserver::prelude::Context<Self>,
    ) {
        reply.send(self.last.clone());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let greeter = Greeter::start(Greeter {
        last: String::new(),
    })
    .await
    .unwrap();
    let name = "ann".to_owned();
    assert_eq!(
        greeter.greet(chat::Context { name }).await.unwrap(),
        "hello ann"
    );
    greeter.store(chat::Reply("stored".to_owned())).await.unwrap();
    assert_eq!(greeter.last().await.unwrap(), "stored");
    greeter.show(ui::Reply("shown".to_owned())).await.unwrap();
    assert_eq!(greeter.last_again().await.unwrap(), "shown");
    greeter.stop().await.unwrap();
}
