// The message enum of `Foo` is `FooMessage`: a type of the user's of that
// name collides with it.

use genserver::prelude::*;

pub struct Foo {
    seen: u8,
}

pub struct FooMessage {
    pub x: u8,
}

#[genserver]
impl Foo {
    #[info]
    fn on_message(&mut self, message: FooMessage) {
        self.seen = message.x;
    }

    #[call]
    pub fn seen(&self) -> u8 {
        self.seen
    }
}

#[tokio::main]
async fn main() {
    let foo = Foo::start(Foo { seen: 0 }).await.unwrap();
    let _ = FooMessage { x: 1 };
    let _ = foo.seen().await.unwrap();
}
