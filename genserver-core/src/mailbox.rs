//! The queue in front of a server: unbounded by default, bounded on request.
//!
//! Unbounded is the default because two servers that cast to each other
//! through bounded mailboxes can deadlock, each waiting for room in the
//! other's. A bound is a per-server choice, made where backpressure is
//! wanted.
//!
//! The queue is a tokio channel created by the first message: tokio's
//! channels allocate their first block of slots up front, which would
//! more than double the memory of a server that is never sent anything.
//! Until then the server waits on an atomic waker that the first sender
//! wakes.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::Poll;

use futures_util::task::AtomicWaker;
use tokio::sync::mpsc;

use crate::{SendError, TrySendError};

/// How many messages a server's mailbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MailboxCapacity {
    /// No bound: sending never waits. The default.
    #[default]
    Unbounded,
    /// At most this many queued messages (at least 1): a full mailbox makes
    /// senders wait, and non-waiting sends report
    /// [`TrySendError::Full`].
    Bounded(usize),
}

enum Tx<T> {
    Unbounded(mpsc::UnboundedSender<T>),
    Bounded(mpsc::Sender<T>),
}

enum Rx<T> {
    Unbounded(mpsc::UnboundedReceiver<T>),
    Bounded(mpsc::Receiver<T>),
}

struct Mailbox<T> {
    capacity: MailboxCapacity,
    channel: OnceLock<Channel<T>>,
    /// Wakes a receiver that waits for the channel to exist.
    created: AtomicWaker,
}

struct Channel<T> {
    tx: Tx<T>,
    /// Taken once by the receiver.
    rx: Mutex<Option<Rx<T>>>,
}

impl<T> Mailbox<T> {
    fn channel(&self) -> &Channel<T> {
        self.channel.get_or_init(|| {
            let (tx, rx) = match self.capacity {
                MailboxCapacity::Unbounded => {
                    let (tx, rx) = mpsc::unbounded_channel();
                    (Tx::Unbounded(tx), Rx::Unbounded(rx))
                }
                MailboxCapacity::Bounded(n) => {
                    let (tx, rx) = mpsc::channel(n.clamp(1, tokio::sync::Semaphore::MAX_PERMITS));
                    (Tx::Bounded(tx), Rx::Bounded(rx))
                }
            };
            Channel {
                tx,
                rx: Mutex::new(Some(rx)),
            }
        })
    }
}

pub(crate) struct MailboxSender<T>(Arc<Mailbox<T>>);

pub(crate) struct MailboxReceiver<T> {
    mailbox: Arc<Mailbox<T>>,
    rx: Option<Rx<T>>,
    closed: bool,
}

pub(crate) fn mailbox<T>(capacity: MailboxCapacity) -> (MailboxSender<T>, MailboxReceiver<T>) {
    let mailbox = Arc::new(Mailbox {
        capacity,
        channel: OnceLock::new(),
        created: AtomicWaker::new(),
    });
    let receiver = MailboxReceiver {
        mailbox: Arc::clone(&mailbox),
        rx: None,
        closed: false,
    };
    (MailboxSender(mailbox), receiver)
}

impl<T> MailboxSender<T> {
    fn tx(&self) -> &Tx<T> {
        if let Some(channel) = self.0.channel.get() {
            return &channel.tx;
        }
        let channel = self.0.channel();
        self.0.created.wake();
        &channel.tx
    }

    /// Waits for room in a bounded mailbox; never waits otherwise.
    pub(crate) async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.tx() {
            Tx::Unbounded(tx) => tx.send(value).map_err(|e| SendError(e.0)),
            Tx::Bounded(tx) => tx.send(value).await.map_err(|e| SendError(e.0)),
        }
    }

    /// `true` once the receiver has closed the mailbox. Does not create
    /// the channel.
    pub(crate) fn is_closed(&self) -> bool {
        match self.0.channel.get().map(|channel| &channel.tx) {
            None => false,
            Some(Tx::Unbounded(tx)) => tx.is_closed(),
            Some(Tx::Bounded(tx)) => tx.is_closed(),
        }
    }

    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.tx() {
            Tx::Unbounded(tx) => tx.send(value).map_err(|e| TrySendError::NoProc(e.0)),
            Tx::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                mpsc::error::TrySendError::Full(v) => TrySendError::Full(v),
                mpsc::error::TrySendError::Closed(v) => TrySendError::NoProc(v),
            }),
        }
    }
}

impl<T> MailboxReceiver<T> {
    /// The channel's receiving end, once some sender has created it.
    #[inline]
    fn rx(&mut self) -> Option<&mut Rx<T>> {
        if self.rx.is_none() {
            let channel = self.mailbox.channel.get()?;
            self.rx = channel
                .rx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
        }
        self.rx.as_mut()
    }

    /// The next message, or `None` once the mailbox is closed and empty.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        if self.rx.is_none() {
            self.created().await;
        }
        match self.rx()? {
            Rx::Unbounded(rx) => rx.recv().await,
            Rx::Bounded(rx) => rx.recv().await,
        }
    }

    /// Waits until a sender has created the channel.
    async fn created(&self) {
        poll_fn(|cx| {
            if self.mailbox.channel.get().is_some() {
                return Poll::Ready(());
            }
            self.mailbox.created.register(cx.waker());
            if self.mailbox.channel.get().is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    pub(crate) fn try_recv(&mut self) -> Option<T> {
        match self.rx()? {
            Rx::Unbounded(rx) => rx.try_recv().ok(),
            Rx::Bounded(rx) => rx.try_recv().ok(),
        }
    }

    /// Refuses every later send; queued messages can still be received.
    pub(crate) fn close(&mut self) {
        if std::mem::replace(&mut self.closed, true) {
            return;
        }
        // Creating the channel here, if no one has, is what makes later
        // sends fail instead of creating a channel no one will read.
        self.mailbox.channel();
        match self.rx() {
            Some(Rx::Unbounded(rx)) => rx.close(),
            Some(Rx::Bounded(rx)) => rx.close(),
            None => {}
        }
    }

    pub(crate) fn len(&mut self) -> usize {
        match self.rx() {
            Some(Rx::Unbounded(rx)) => rx.len(),
            Some(Rx::Bounded(rx)) => rx.len(),
            None => 0,
        }
    }
}
