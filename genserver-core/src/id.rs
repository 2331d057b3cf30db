use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of one running server instance, unique for the life of the
/// process (OTP's pid).
///
/// Ids are never reused. A server restarted by a supervisor gets a new id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerId(NonZeroU64);

impl ServerId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let raw = NEXT.fetch_add(1, Ordering::Relaxed);
        ServerId(NonZeroU64::new(raw).expect("server id counter overflowed u64"))
    }

    /// The id as a number, for logs and metrics.
    #[must_use]
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}
