//! Links: two servers that end together unless they trap exits (OTP's
//! `Process.link/1` and `Process.flag(:trap_exit, true)`).
//!
//! Each instance keeps a table of the instances linked to it, created on
//! first use. Both ends of a link are in each other's table; whoever ends
//! the link (an exit, an unlink) removes it from both, and only the one
//! that removes the far end acts on it, so a link fires at most once and
//! never after an unlink.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tokio::sync::oneshot;

use crate::envelope::Envelope;
use crate::info::FromInfo;
use crate::instance::Instance;
use crate::notice::deliver;
use crate::server_ref::Inner;
use crate::start::start_prepared;
use crate::{
    AsServerRef, Client, Context, ExitReason, GenServer, ServerId, ServerRef, StartError,
    StartOptions,
};

/// An exit signal received as a message: a linked server ended (OTP's
/// `{:EXIT, pid, reason}`).
///
/// Only a server that traps exits ([`Context::trap_exits`]) receives it,
/// through an `#[info]` handler taking `Exit`; it then keeps running,
/// whatever the reason. The end of the server that started it with
/// [`Context::start_link`] is never an `Exit`: it stops the server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Exit {
    /// The linked server instance that ended.
    pub from: ServerId,
    /// Why it ended; [`ExitReason::NoProc`] when it had already ended
    /// when the link was made.
    pub reason: ExitReason,
}

/// The link table of one instance, allocated by its first link or
/// [`Context::trap_exits`]: a server that uses neither pays one word.
#[derive(Default)]
pub(crate) struct LinkSlot(OnceLock<Box<Links>>);

#[derive(Default)]
struct Links {
    trapping: AtomicBool,
    state: Mutex<LinkState>,
}

#[derive(Default)]
struct LinkState {
    peers: Vec<Peer>,
    /// The server that started this one with [`Context::start_link`]:
    /// its exit signal ends this server even when it traps exits.
    parent: Option<ServerId>,
    /// An exit watcher that fires the links is installed.
    watching: bool,
    /// The instance has ended: no link can be added.
    closed: bool,
}

struct Peer {
    id: ServerId,
    end: End,
}

enum End {
    /// A running server: its exit signal goes to its address.
    Linked {
        address: Arc<dyn ExitTarget>,
        instance: Arc<Instance>,
    },
    /// A server inside [`Context::start_link`]: until the start has
    /// returned, the end of the server being started is reported to the
    /// start, not sent as a signal.
    Starting(oneshot::Sender<ExitReason>),
}

enum Insert {
    Added,
    Exists,
    Closed,
}

impl LinkSlot {
    fn get(&self) -> &Links {
        self.0.get_or_init(Box::default)
    }

    fn peek(&self) -> Option<&Links> {
        self.0.get().map(|links| &**links)
    }

    fn traps(&self) -> bool {
        self.peek()
            .is_some_and(|links| links.trapping.load(Ordering::Acquire))
    }

    /// Whether `id` started this instance with [`Context::start_link`].
    fn is_parent(&self, id: ServerId) -> bool {
        self.peek()
            .is_some_and(|links| links.lock().parent == Some(id))
    }

    /// Removes the link to `peer`; `Some` if there was one.
    fn remove(&self, peer: ServerId) -> Option<End> {
        let mut state = self.peek()?.lock();
        let at = state.peers.iter().position(|p| p.id == peer)?;
        Some(state.peers.swap_remove(at).end)
    }
}

impl Links {
    fn lock(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Adds `peer` to `owner`'s table. The first link of an instance installs
/// the exit watcher that fires its links; if the instance turns out to have
/// ended already, every server linked to it in the meantime (`peer`
/// included) is signalled [`ExitReason::NoProc`].
fn insert(owner: &Arc<Instance>, peer: Peer) -> Insert {
    let links = owner.links.get();
    let install = {
        let mut state = links.lock();
        if state.closed {
            return Insert::Closed;
        }
        if state.peers.iter().any(|p| p.id == peer.id) {
            return Insert::Exists;
        }
        state.peers.push(peer);
        !std::mem::replace(&mut state.watching, true)
    };
    if install {
        let weak = Arc::downgrade(owner);
        let watcher = Box::new(move |reason: &ExitReason| {
            if let Some(owner) = weak.upgrade() {
                fire(&owner, reason);
            }
        });
        if owner.exit.try_watch_first(watcher).is_err() {
            fire(owner, &ExitReason::NoProc);
        }
    }
    Insert::Added
}

/// Fires the links of an instance that has ended: closes its table and
/// signals every peer that still holds the other end.
fn fire(owner: &Instance, reason: &ExitReason) {
    let Some(links) = owner.links.peek() else {
        return;
    };
    let peers = {
        let mut state = links.lock();
        state.closed = true;
        std::mem::take(&mut state.peers)
    };
    for peer in peers {
        match peer.end {
            End::Linked { address, instance } => {
                if instance.links.remove(owner.id).is_some() {
                    address.exit_signal(&instance, owner.id, reason);
                }
            }
            End::Starting(start) => {
                let _ = start.send(reason.clone());
            }
        }
    }
}

/// Turns the `Starting` end that `child` holds for `parent` into a link.
/// `false` if it is gone: the child has ended, or unlinked itself.
fn arm(child: &Instance, parent: &Arc<Instance>, address: Arc<dyn ExitTarget>) -> bool {
    let Some(links) = child.links.peek() else {
        return false;
    };
    let mut state = links.lock();
    match state.peers.iter_mut().find(|p| p.id == parent.id) {
        Some(peer) if matches!(peer.end, End::Starting(_)) => {
            peer.end = End::Linked {
                address,
                instance: Arc::clone(parent),
            };
            true
        }
        _ => false,
    }
}

/// The address of a server, with its type erased: what a link needs to
/// deliver an exit signal to it.
/// An exit signal that reached a server trapping exits, on its way through
/// the mailbox: only the server's own task can make it a message of the
/// server's type, from its context.
pub(crate) struct TrappedExit {
    /// The instance it is for.
    pub(crate) to: ServerId,
    pub(crate) from: ServerId,
    pub(crate) reason: ExitReason,
}

pub(crate) trait ExitTarget: Send + Sync {
    /// Delivers the end of `from` to the instance `to` behind this address.
    fn exit_signal(self: Arc<Self>, to: &Arc<Instance>, from: ServerId, reason: &ExitReason);
}

impl<S: GenServer> ExitTarget for Inner<S> {
    fn exit_signal(self: Arc<Self>, to: &Arc<Instance>, from: ServerId, reason: &ExitReason) {
        if to.exit.is_exiting() {
            return;
        }
        let traps = to.links.traps();
        if traps && to.links.is_parent(from) {
            // OTP's gen_server terminates on `{'EXIT', Parent, Reason}`,
            // whatever the reason and although it traps exits: a child
            // must not outlive the server that started it.
            self.request_stop(to, reason.clone());
        } else if traps {
            // Only the server's own task knows how to make its message. The
            // signal arrived while the server trapped exits, so it is an
            // `Exit` message even if the server stops trapping before it
            // handles it, as in OTP.
            let exit = TrappedExit {
                to: to.id,
                from,
                reason: reason.clone(),
            };
            deliver(&self, Envelope::Exit(Box::new(exit)));
        } else if *reason != ExitReason::Normal {
            // As a stop request: after the message being handled.
            self.request_stop(to, reason.clone());
        }
    }
}

fn exit_message<M>(exit: Exit) -> M
where
    Exit: Into<M>,
{
    exit.into()
}

impl<S: GenServer> Context<S> {
    /// Links this server with `other` (a [`ServerRef`] or a client): when
    /// either ends, the other receives an exit signal with the reason
    /// (OTP's `Process.link/1`).
    ///
    /// A server that receives an exit signal and does not
    /// [trap exits](Self::trap_exits) stops with the same reason, after the
    /// message it is handling, unless the reason is
    /// [`ExitReason::Normal`], which is ignored. Its `terminate` runs. A
    /// server that traps exits receives an [`Exit`] message instead, for
    /// every reason, and keeps running, unless the signal comes from the
    /// server that started it with [`start_link`](Self::start_link).
    ///
    /// Linking twice is linking once; linking to itself does nothing. If
    /// `other` has already ended, this server receives the signal at once,
    /// with reason [`ExitReason::NoProc`]. The link is to the instance
    /// running now: a supervisor's restart of `other` does not renew it.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::ExitReason;
    ///
    /// struct Partner;
    ///
    /// #[genserver]
    /// impl Partner {
    ///     #[call]
    ///     fn link_to(&mut self, other: PartnerClient, ctx: &mut Context<Self>) {
    ///         ctx.link(&other);
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let a = Partner::start(Partner).await.unwrap();
    /// let b = Partner::start(Partner).await.unwrap();
    /// a.link_to(b.clone()).await.unwrap();
    ///
    /// let reason = ExitReason::error("gave up");
    /// a.stop_with(reason.clone()).await.unwrap();
    /// assert_eq!(b.wait().await, reason);
    /// # }
    /// ```
    pub fn link<T: AsServerRef>(&mut self, other: &T) {
        let other = other.as_server_ref().inner();
        let other_instance = other.instance();
        let me = Arc::clone(self.instance());
        if other_instance.id == me.id {
            return;
        }
        let other_address: Arc<dyn ExitTarget> = Arc::clone(other) as Arc<dyn ExitTarget>;
        let mine = Peer {
            id: other_instance.id,
            end: End::Linked {
                address: other_address,
                instance: Arc::clone(&other_instance),
            },
        };
        if !matches!(insert(&me, mine), Insert::Added) {
            return;
        }
        let my_address = self.exit_target();
        let theirs = Peer {
            id: me.id,
            end: End::Linked {
                address: Arc::clone(&my_address),
                instance: Arc::clone(&me),
            },
        };
        if matches!(insert(&other_instance, theirs), Insert::Closed)
            && me.links.remove(other_instance.id).is_some()
        {
            my_address.exit_signal(&me, other_instance.id, &ExitReason::NoProc);
        }
    }

    /// Removes the link with `other`, if any (OTP's `Process.unlink/1`).
    /// Returns `true` if there was one.
    ///
    /// Once this returns, the link has no further effect: neither server
    /// is signalled by the other's end. A signal that arrived before (a
    /// queued [`Exit`] message, or a stop already requested) still acts.
    pub fn unlink<T: AsServerRef>(&mut self, other: &T) -> bool {
        let other = other.as_server_ref().inner().instance();
        let linked = self.instance().links.remove(other.id).is_some();
        other.links.remove(self.id());
        linked
    }

    /// Traps exits (`true`) or stops trapping them (OTP's
    /// `Process.flag(:trap_exit, ...)`).
    ///
    /// A server that traps exits receives the end of a linked server as an
    /// [`Exit`] info message, whatever the reason, and keeps running. The
    /// server's message type must convert from [`Exit`]: give it an
    /// `#[info]` handler taking `Exit`. The end of its parent, the server
    /// that started it with [`start_link`](Self::start_link), is the
    /// exception, as in OTP's `gen_server`: it stops this server with the
    /// parent's reason, [`ExitReason::Normal`] included, and `terminate`
    /// runs. A new instance started by a supervisor does not trap exits
    /// until it asks again. A signal that arrived while the server trapped
    /// exits stays an `Exit` message if the server stops trapping before
    /// handling it, as in OTP.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::{Exit, ExitReason};
    ///
    /// struct Keeper { exits: Vec<ExitReason> }
    /// struct Worker;
    ///
    /// #[genserver]
    /// impl Worker {
    ///     #[cast]
    ///     fn fail(&mut self) -> Result<(), std::io::Error> {
    ///         Err(std::io::Error::other("disk full"))
    ///     }
    /// }
    ///
    /// #[genserver]
    /// impl Keeper {
    ///     #[init]
    ///     async fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, std::convert::Infallible> {
    ///         ctx.trap_exits(true);
    ///         Ok(Keeper { exits: vec![] })
    ///     }
    ///
    ///     #[call]
    ///     async fn spawn_worker(&mut self, ctx: &mut Context<Self>) -> WorkerClient {
    ///         ctx.start_link::<Worker>(Worker).await.unwrap()
    ///     }
    ///
    ///     #[call]
    ///     fn exits(&self) -> usize { self.exits.len() }
    ///
    ///     #[info]
    ///     fn exit(&mut self, exit: Exit) { self.exits.push(exit.reason) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let keeper = Keeper::start(()).await.unwrap();
    /// let worker = keeper.spawn_worker().await.unwrap();
    /// worker.fail().await.unwrap();
    /// worker.wait().await;
    /// assert_eq!(keeper.exits().await.unwrap(), 1); // and the keeper runs on
    /// # }
    /// ```
    pub fn trap_exits(&mut self, trap: bool)
    where
        S::Message: FromInfo<Exit>,
    {
        if trap {
            self.owned().trap = Some(exit_message::<S::Message> as fn(Exit) -> S::Message);
        }
        self.instance()
            .links
            .get()
            .trapping
            .store(trap, Ordering::Release);
    }

    /// `true` while this server traps exits.
    #[must_use]
    pub fn traps_exits(&self) -> bool {
        self.instance().links.traps()
    }

    /// Starts a server of type `C` linked to this one, and returns its
    /// client once its `init` has succeeded (OTP's `start_link`).
    ///
    /// The link is in place before the new server's task first runs, so no
    /// end of it after `init` can go unnoticed. This server is the new
    /// one's parent: when this server ends, the new one stops with the
    /// same reason even if it traps exits, `Normal` included (OTP's
    /// `gen_server` terminates on its parent's `{'EXIT', Parent, Reason}`);
    /// one that does not trap exits ignores `Normal`, as for any link.
    ///
    /// A failed `init` is reported as the [`StartError`] only, not also as
    /// an exit signal: the caller already has the reason, and a handler
    /// that starts a child should not be killed by its failure to start
    /// (OTP 26's `{:error, reason}` from `init`; OTP's `{:stop, reason}`
    /// would also signal).
    ///
    /// # Errors
    ///
    /// As [`start`](crate::start): nothing is left running, and no link.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while `init` runs aborts the new server's task.
    pub async fn start_link<C: GenServer>(
        &mut self,
        args: C::Args,
    ) -> Result<C::Client, StartError> {
        self.start_link_with::<C>(args, StartOptions::new()).await
    }

    /// [`start_link`](Self::start_link) with start options (mailbox
    /// capacity, start timeout, name).
    ///
    /// # Errors
    ///
    /// As [`start`](crate::start).
    ///
    /// # Cancel safety
    ///
    /// As [`start_link`](Self::start_link).
    pub async fn start_link_with<C: GenServer>(
        &mut self,
        args: C::Args,
        options: StartOptions,
    ) -> Result<C::Client, StartError> {
        let me = Arc::clone(self.instance());
        let my_address = self.exit_target();
        let (started_tx, started_rx) = oneshot::channel();
        let mut child = None;
        let started = start_prepared::<C>(args, options, |address: &ServerRef<C>, instance| {
            instance.links.get().lock().parent = Some(me.id);
            insert(
                instance,
                Peer {
                    id: me.id,
                    end: End::Starting(started_tx),
                },
            );
            let child_address: Arc<dyn ExitTarget> =
                Arc::clone(address.inner()) as Arc<dyn ExitTarget>;
            insert(
                &me,
                Peer {
                    id: instance.id,
                    end: End::Linked {
                        address: child_address,
                        instance: Arc::clone(instance),
                    },
                },
            );
            child = Some(Arc::clone(instance));
        })
        .await;
        let Some(child) = child else {
            return started.map(C::Client::from_server_ref);
        };
        let address = match started {
            Ok(address) => address,
            Err(error) => {
                me.links.remove(child.id);
                return Err(error);
            }
        };
        if !arm(&child, &me, Arc::clone(&my_address)) {
            // The child ended between its `init` and now (its end was sent
            // to `started_rx`), or unlinked itself (the sender was dropped).
            match started_rx.await {
                Ok(reason) => {
                    if me.links.remove(child.id).is_some() {
                        my_address.exit_signal(&me, child.id, &reason);
                    }
                }
                Err(_) => {
                    me.links.remove(child.id);
                }
            }
        }
        Ok(C::Client::from_server_ref(address))
    }

    fn exit_target(&self) -> Arc<dyn ExitTarget> {
        Arc::clone(self.server_ref().inner()) as Arc<dyn ExitTarget>
    }

    /// An exit signal from a linked server, in this server's task.
    pub(crate) fn receive_exit(&mut self, exit: TrappedExit) {
        let TrappedExit { to, from, reason } = exit;
        // A restarted server is a new instance, not linked to anyone.
        if self.id() != to {
            return;
        }
        // Queued only while the server trapped exits, so it knows how to
        // make the message.
        if let Some(make) = self.owned_trap() {
            self.continue_with(make(Exit { from, reason }));
        }
    }
}
