//! `#[genserver(crate = path)]` for a crate that reaches genserver through
//! a re-export, with renamed message enum and client.

mod deps {
    pub use genserver as gs;
}

use deps::gs::{Context, genserver};

/// A server reached through the re-export.
pub struct Echo;

#[genserver(crate = crate::deps::gs, message = EchoRequest, client = EchoHandle)]
impl Echo {
    /// Returns `text`.
    #[call(timeout = "infinity")]
    pub fn echo(&self, text: String, ctx: &mut Context<Self>) -> String {
        let _ = ctx.id();
        text
    }
}

/// The same with the path as a string, as serde writes it.
pub struct Quiet;

#[genserver(crate = "deps::gs")]
impl Quiet {
    /// Does nothing.
    #[cast]
    pub fn hush(&self) {}
}

fn takes(_: Option<EchoRequest>) {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // A server declared in a block, where the import of the runtime that
    // `crate = path` makes is an item of the block.
    struct Local;

    #[genserver(crate = deps::gs)]
    impl Local {
        #[call]
        fn answer(&self) -> u32 {
            42
        }
    }

    let local = Local::start(Local).await.unwrap();
    assert_eq!(local.answer().await.unwrap(), 42);

    takes(None);
    let echo: EchoHandle = Echo::start(Echo).await.unwrap();
    assert_eq!(echo.echo("hi".to_owned()).await.unwrap(), "hi");
    let quiet: QuietClient = Quiet::start(Quiet).await.unwrap();
    quiet.hush().await.unwrap();
}
