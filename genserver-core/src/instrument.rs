//! Tracing of handled messages, compiled away without the `tracing`
//! feature. The loop calls these helpers; it has no `cfg` of its own.

use crate::{GenServer, ServerId};

#[cfg(feature = "tracing")]
mod imp {
    use crate::{ExitReason, GenServer, ServerId};

    /// The span of whoever sent a message, so that a request can be
    /// followed from the caller through every server it reaches. Boxed,
    /// and `None` without a span, so that the loop moves one word per
    /// message rather than a span's five.
    pub(crate) struct CallerSpan(Option<Box<tracing::Span>>);

    impl CallerSpan {
        /// The sender's span; `None` when it is in no span (always,
        /// without a subscriber), so that nothing travels with the message.
        pub(crate) fn current() -> Option<Self> {
            if !tracing::dispatcher::has_been_set() {
                return None;
            }
            let span = tracing::Span::current();
            (!span.is_none()).then(|| CallerSpan(Some(Box::new(span))))
        }

        pub(crate) fn none() -> Self {
            CallerSpan(None)
        }
    }

    /// The span a message is handled in; `None` while nothing could
    /// record it. Boxed for the same reason as [`CallerSpan`]: the
    /// handling in progress is part of every server's task.
    pub(crate) struct HandleSpan(Option<Box<tracing::Span>>);

    impl HandleSpan {
        pub(crate) fn none() -> Self {
            HandleSpan(None)
        }

        /// Enters the span, if there is one, until the guard is dropped.
        pub(crate) fn enter(&self) -> Option<tracing::span::Entered<'_>> {
            self.0.as_deref().map(tracing::Span::enter)
        }
    }

    #[inline]
    pub(crate) fn span<S: GenServer>(
        id: ServerId,
        message: &S::Message,
        caller: CallerSpan,
    ) -> HandleSpan {
        // Until a subscriber exists no span can be recorded; asking costs
        // one load instead of a dispatcher look-up per message.
        if !tracing::dispatcher::has_been_set() {
            return HandleSpan(None);
        }
        recorded_span::<S>(id, message, caller)
    }

    /// The span is made by the sender's subscriber when there is a sender
    /// span: an id means something only to the subscriber that issued it,
    /// and the sender may have run under another one (a thread-local
    /// default) than this server's task. Made while the sender's span is
    /// still held, since the sender may have closed it long ago (a cast
    /// returns once queued) and the subscriber must keep it open as the new
    /// span's parent. A subscriber that panics on it costs the message its
    /// span, not the server its life: this runs outside the handler's
    /// `catch_unwind`.
    #[cold]
    fn recorded_span<S: GenServer>(
        id: ServerId,
        message: &S::Message,
        caller: CallerSpan,
    ) -> HandleSpan {
        let handle_span = |parent: Option<tracing::Id>| {
            tracing::debug_span!(
                parent: parent,
                "handle",
                server = S::NAME,
                id = id.as_u64(),
                message = S::message_name(message),
            )
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let sender = caller.0.as_deref().and_then(|span| {
                span.with_subscriber(|(parent, dispatch)| (parent.clone(), dispatch.clone()))
            });
            match sender {
                Some((parent, dispatch)) => {
                    tracing::dispatcher::with_default(&dispatch, || handle_span(Some(parent)))
                }
                None => handle_span(None),
            }
        }));
        // Only now: the new span holds its parent open by itself.
        drop(caller);
        match outcome {
            Ok(span) => HandleSpan((!span.is_disabled()).then(|| Box::new(span))),
            Err(_) => HandleSpan(None),
        }
    }

    /// OTP's crash report: one event when a server ends with a failure.
    pub(crate) fn crashed<S: GenServer>(id: ServerId, reason: &ExitReason) {
        if !reason.is_clean() {
            tracing::error!(server = S::NAME, id = id.as_u64(), %reason, "server terminating");
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod imp {
    use crate::{GenServer, ServerId};

    pub(crate) struct CallerSpan;

    impl CallerSpan {
        pub(crate) fn current() -> Option<Self> {
            None
        }

        pub(crate) fn none() -> Self {
            CallerSpan
        }
    }

    pub(crate) struct HandleSpan;

    impl HandleSpan {
        pub(crate) fn none() -> Self {
            HandleSpan
        }

        pub(crate) fn enter(&self) {}
    }

    pub(crate) fn span<S: GenServer>(_: ServerId, _: &S::Message, _: CallerSpan) -> HandleSpan {
        HandleSpan
    }

    pub(crate) fn crashed<S: GenServer>(_: ServerId, _: &crate::ExitReason) {}
}

pub(crate) use imp::{CallerSpan, HandleSpan};

/// The span of the handling of one message: server name, id and message
/// variant, child of the sender's span.
pub(crate) fn span<S: GenServer>(
    id: ServerId,
    message: &S::Message,
    caller: CallerSpan,
) -> HandleSpan {
    imp::span::<S>(id, message, caller)
}

/// Reports a server that ends with a failure (OTP's crash report): one
/// `ERROR` event naming the server, its id and the reason.
pub(crate) fn crashed<S: GenServer>(id: ServerId, reason: &crate::ExitReason) {
    imp::crashed::<S>(id, reason);
}
