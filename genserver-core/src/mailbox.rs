//! The queue in front of a server: unbounded by default, bounded on request.
//!
//! Unbounded is the default because two servers that cast to each other
//! through bounded mailboxes can deadlock, each waiting for room in the
//! other's. A bound is a per-server choice, made where backpressure is
//! wanted.

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

pub(crate) enum MailboxSender<T> {
    Unbounded(mpsc::UnboundedSender<T>),
    Bounded(mpsc::Sender<T>),
}

pub(crate) enum MailboxReceiver<T> {
    Unbounded(mpsc::UnboundedReceiver<T>),
    Bounded(mpsc::Receiver<T>),
}

pub(crate) fn mailbox<T>(capacity: MailboxCapacity) -> (MailboxSender<T>, MailboxReceiver<T>) {
    match capacity {
        MailboxCapacity::Unbounded => {
            let (tx, rx) = mpsc::unbounded_channel();
            (MailboxSender::Unbounded(tx), MailboxReceiver::Unbounded(rx))
        }
        MailboxCapacity::Bounded(n) => {
            let (tx, rx) = mpsc::channel(n.max(1));
            (MailboxSender::Bounded(tx), MailboxReceiver::Bounded(rx))
        }
    }
}

impl<T> MailboxSender<T> {
    /// Waits for room in a bounded mailbox; never waits otherwise.
    pub(crate) async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self {
            MailboxSender::Unbounded(tx) => tx.send(value).map_err(|e| SendError(e.0)),
            MailboxSender::Bounded(tx) => tx.send(value).await.map_err(|e| SendError(e.0)),
        }
    }

    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self {
            MailboxSender::Unbounded(tx) => tx.send(value).map_err(|e| TrySendError::NoProc(e.0)),
            MailboxSender::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                mpsc::error::TrySendError::Full(v) => TrySendError::Full(v),
                mpsc::error::TrySendError::Closed(v) => TrySendError::NoProc(v),
            }),
        }
    }
}

impl<T> MailboxReceiver<T> {
    pub(crate) async fn recv(&mut self) -> Option<T> {
        match self {
            MailboxReceiver::Unbounded(rx) => rx.recv().await,
            MailboxReceiver::Bounded(rx) => rx.recv().await,
        }
    }

    pub(crate) fn try_recv(&mut self) -> Option<T> {
        match self {
            MailboxReceiver::Unbounded(rx) => rx.try_recv().ok(),
            MailboxReceiver::Bounded(rx) => rx.try_recv().ok(),
        }
    }

    pub(crate) fn close(&mut self) {
        match self {
            MailboxReceiver::Unbounded(rx) => rx.close(),
            MailboxReceiver::Bounded(rx) => rx.close(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            MailboxReceiver::Unbounded(rx) => rx.len(),
            MailboxReceiver::Bounded(rx) => rx.len(),
        }
    }
}
