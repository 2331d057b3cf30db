//! A chat service: one server per room, started the first time someone
//! asks for the room and found by its name through a `Registry`; one
//! server per user session. Posts are casts, the history is a call, and a
//! session that ends leaves its rooms by itself.
//!
//! `cargo run --example chat_room`
//!
//! - Rooms are found through `rooms`, a registry with unique keys (room
//!   name -> the room's server). A room registers itself from its `init`,
//!   so of two users opening the same new room at once, one starts it and
//!   the other finds it; a room that stops is forgotten before its
//!   `stop()` returns.
//! - A room monitors the session of each member: when a session ends, for
//!   whatever reason, the room gets a `Down` notice, removes the member
//!   and tells the others. The notice is queued before the session's
//!   `stop()` returns, so whatever is asked of the room afterwards sees
//!   the member gone.

use std::error::Error;

use genserver::prelude::*;
use genserver::{Down, MonitorRef, RegisterError};
/// A user's connection: what it receives is printed and kept.
struct Session {
    user: String,
    received: Vec<String>,
}

#[genserver]
impl Session {
    /// Shows a line to the user.
    #[cast]
    fn deliver(&mut self, line: String) {
        println!("  [{} sees] {line}", self.user);
        self.received.push(line);
    }

    /// Everything shown to the user so far.
    #[call]
    fn received(&self) -> Vec<String> {
        self.received.clone()
    }
}

/// A member of a room: the user's name and session.
struct Member {
    user: String,
    session: SessionClient,
    monitor: MonitorRef,
}

/// One chat room.
struct Room {
    name: String,
    members: Vec<Member>,
    history: Vec<String>,
}

// A message's fields are owned values, even where a handler only
// borrows them.
#[allow(clippy::needless_pass_by_value)]
#[genserver]
impl Room {
    /// Registers the room under its name before it serves anyone; fails
    /// if another server holds the name.
    #[init]
    fn init(
        name: String,
        rooms: Registry<String>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, RegisterError> {
        rooms.register(name.clone(), ctx.server_ref(), ())?;
        println!("[room {name}] opened");
        Ok(Room {
            name,
            members: Vec::new(),
            history: Vec::new(),
        })
    }

    /// Adds a session to the room under the user's name, and watches it.
    #[call]
    async fn join(&mut self, user: String, session: SessionClient, ctx: &mut Context<Self>) {
        let monitor = ctx.monitor(&session);
        self.members.push(Member {
            user: user.clone(),
            session,
            monitor,
        });
        self.broadcast(format!("* {user} joined #{}", self.name))
            .await;
    }

    /// Posts a message from `user` to everyone in the room.
    #[cast]
    async fn post(&mut self, user: String, text: String) {
        self.broadcast(format!("<{user}> {text}")).await;
    }

    /// Every line posted in the room, oldest first.
    #[call]
    fn history(&self) -> Vec<String> {
        self.history.clone()
    }

    /// The users in the room now.
    #[call]
    fn who(&self) -> Vec<String> {
        self.members.iter().map(|m| m.user.clone()).collect()
    }

    /// A member's session has ended.
    #[info]
    async fn left(&mut self, down: Down) {
        let Some(at) = self.members.iter().position(|m| m.monitor == down.id) else {
            return;
        };
        let member = self.members.remove(at);
        self.broadcast(format!("* {} left ({})", member.user, down.reason))
            .await;
    }

    #[terminate]
    fn closed(&mut self, reason: &ExitReason) {
        println!("[room {}] closed ({reason})", self.name);
    }
}

impl Room {
    /// Keeps `line` and casts it to every member.
    async fn broadcast(&mut self, line: String) {
        println!("[room {}] {line}", self.name);
        for member in &self.members {
            // A session that has ended is skipped: its `Down` is on its way.
            let _ = member.session.deliver(line.clone()).await;
        }
        self.history.push(line);
    }
}

/// Opens rooms on demand.
#[derive(Clone)]
struct Chat {
    rooms: Registry<String>,
}

impl Chat {
    /// The room called `name`, started if nobody has started it yet.
    async fn room(&self, name: &str) -> Result<RoomClient, StartError> {
        loop {
            if let Some(room) = self.rooms.whereis::<Room>(name) {
                return Ok(room);
            }
            match Room::start(name.to_owned(), self.rooms.clone()).await {
                Ok(room) => return Ok(room),
                // Someone else opened it between the lookup and the start:
                // look it up again.
                Err(StartError::Init(ExitReason::Error { source }))
                    if source.downcast_ref::<RegisterError>().is_some() => {}
                Err(other) => return Err(other),
            }
        }
    }
}

async fn session(user: &str) -> Result<SessionClient, StartError> {
    Session::start(Session {
        user: user.to_owned(),
        received: Vec::new(),
    })
    .await
}

// `pub(crate)` so that tests/examples.rs can run it.
#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let chat = Chat {
        rooms: Registry::unique(),
    };
    let alice = session("alice").await?;
    let bob = session("bob").await?;
    let carol = session("carol").await?;

    // Two users open the same new room at once: one room is started.
    let (lobby, lobby_again) = tokio::join!(chat.room("lobby"), chat.room("lobby"));
    let (lobby, lobby_again) = (lobby?, lobby_again?);
    assert_eq!(lobby.id(), lobby_again.id());
    let rust = chat.room("rust").await?;
    println!("rooms open: {}", chat.rooms.count());

    lobby.join("alice".into(), alice.clone()).await?;
    lobby.join("bob".into(), bob.clone()).await?;
    rust.join("bob".into(), bob.clone()).await?;
    rust.join("carol".into(), carol.clone()).await?;

    lobby.post("alice".into(), "hi all".into()).await?;
    lobby.post("bob".into(), "hello alice".into()).await?;
    rust.post(
        "carol".into(),
        "anyone tried the new borrow checker?".into(),
    )
    .await?;
    // A call is handled after the casts queued before it.
    println!("#lobby history: {:?}", lobby.history().await?);
    println!("#lobby members: {:?}", lobby.who().await?);

    // Bob's session ends: every room he was in is told before `stop`
    // returns.
    bob.stop().await?;
    println!("bob disconnected");
    println!("#lobby members: {:?}", lobby.who().await?);
    println!("#rust members: {:?}", rust.who().await?);
    assert_eq!(lobby.who().await?, ["alice"]);
    assert_eq!(rust.who().await?, ["carol"]);

    lobby.post("alice".into(), "bye bob".into()).await?;
    println!("#lobby history: {:?}", lobby.history().await?);
    println!("alice received {} lines", alice.received().await?.len());

    // Found by name again, from anywhere holding the registry.
    let found = chat.room("rust").await?;
    assert_eq!(found.id(), rust.id());

    for room in [&lobby, &rust] {
        room.stop().await?;
    }
    println!("rooms open: {}", chat.rooms.count());
    assert_eq!(chat.rooms.count(), 0);
    for user in [&alice, &carol] {
        user.stop().await?;
    }
    println!("done");
    Ok(())
}
