use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// A boxed error that can cross tasks, as accepted by [`ExitReason::error`].
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Why a server stopped.
///
/// Every observer of an exit (callers whose call was queued or running,
/// [`ServerRef::stop`](crate::ServerRef::stop), `terminate`) sees the same
/// reason. `Normal` and `Shutdown` are the *clean* reasons: [`is_clean`]
/// is `true` for them and `false` for everything else, which is what
/// decides whether a crash propagates (OTP's `:normal` and `:shutdown`).
///
/// The reason is cheap to clone: payloads are reference counted.
///
/// [`is_clean`]: ExitReason::is_clean
#[derive(Clone)]
#[non_exhaustive]
pub enum ExitReason {
    /// The server asked to stop, or was stopped through its handle: OTP's `:normal`.
    Normal,
    /// The server was told to shut down by its owner: OTP's `:shutdown`.
    Shutdown,
    /// The server's task was aborted; `terminate` did not run: OTP's
    /// `:kill`, and what links and monitors receive, as OTP's `:killed`
    /// (a trapping server gets it as an [`Exit`](crate::Exit) message).
    /// Also the reason of a stop asked for with it
    /// (`stop_with(ExitReason::Killed)`), which runs `terminate` as any stop
    /// does, as `GenServer.stop(pid, :kill)` does.
    Killed,
    /// There was no server to observe: it had already ended when it was
    /// monitored or linked (OTP's `:noproc`). A [`Down`](crate::Down) or
    /// [`Exit`](crate::Exit) notice carries it instead of the real reason,
    /// which is no longer known.
    NoProc,
    /// A handler panicked, or `init` did (then inside
    /// [`StartError::Init`](crate::StartError::Init)). A panic in `terminate`
    /// does not change the reason the server was already ending with.
    Panicked {
        /// The panic payload when it was a string, otherwise a placeholder.
        message: Arc<str>,
    },
    /// A handler returned `Err`, `init` failed, or the server stopped itself
    /// with an error.
    Error {
        /// The error, shared between every observer of the exit.
        source: Arc<dyn Error + Send + Sync + 'static>,
    },
}

impl ExitReason {
    /// An [`ExitReason::Error`] from any error value.
    pub fn error(source: impl Into<BoxError>) -> Self {
        ExitReason::Error {
            source: Arc::from(source.into()),
        }
    }

    /// The error of an [`Error`](ExitReason::Error) reason, if it is an
    /// `E`: how a caller matches the typed error a handler or `init`
    /// returned. `None` for any other reason or error type.
    ///
    /// An error given as a `String` or `&str` is kept as its text, in a
    /// type of the standard library that is not public: read it with
    /// `to_string()` on the source, or return an error type of your own
    /// to match on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use genserver_core::ExitReason;
    ///
    /// #[derive(Debug)]
    /// struct OutOfStock(u32);
    ///
    /// impl std::fmt::Display for OutOfStock {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "item {} is out of stock", self.0)
    ///     }
    /// }
    ///
    /// impl std::error::Error for OutOfStock {}
    ///
    /// let reason = ExitReason::error(OutOfStock(7));
    /// assert_eq!(reason.downcast_ref::<OutOfStock>().map(|e| e.0), Some(7));
    /// assert!(reason.downcast_ref::<std::io::Error>().is_none());
    /// assert!(ExitReason::Shutdown.downcast_ref::<OutOfStock>().is_none());
    ///
    /// let text = ExitReason::error("no such item");
    /// let ExitReason::Error { source } = &text else { unreachable!() };
    /// assert_eq!(source.to_string(), "no such item");
    /// ```
    #[must_use]
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        match self {
            ExitReason::Error { source } => source.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// `true` for [`Normal`](ExitReason::Normal) and
    /// [`Shutdown`](ExitReason::Shutdown): exits that are not failures.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        matches!(self, ExitReason::Normal | ExitReason::Shutdown)
    }

    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        ExitReason::Panicked {
            message: panic_message(payload),
        }
    }
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Arc<str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Arc::from(*s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Arc::from(s.as_str())
    } else {
        Arc::from("Box<dyn Any>")
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("Normal"),
            ExitReason::Shutdown => f.write_str("Shutdown"),
            ExitReason::Killed => f.write_str("Killed"),
            ExitReason::NoProc => f.write_str("NoProc"),
            ExitReason::Panicked { message } => f
                .debug_struct("Panicked")
                .field("message", message)
                .finish(),
            ExitReason::Error { source } => {
                f.debug_struct("Error").field("source", source).finish()
            }
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal exit"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("no such server"),
            ExitReason::Panicked { message } => write!(f, "panicked: {message}"),
            ExitReason::Error { source } => write!(f, "error: {source}"),
        }
    }
}

/// Two reasons are equal when they are the same variant with equal
/// messages; errors compare by identity, since `dyn Error` has no equality.
impl PartialEq for ExitReason {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ExitReason::Normal, ExitReason::Normal)
            | (ExitReason::Shutdown, ExitReason::Shutdown)
            | (ExitReason::Killed, ExitReason::Killed)
            | (ExitReason::NoProc, ExitReason::NoProc) => true,
            (ExitReason::Panicked { message: a }, ExitReason::Panicked { message: b }) => a == b,
            (ExitReason::Error { source: a }, ExitReason::Error { source: b }) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}
