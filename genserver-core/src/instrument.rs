//! Tracing of handled messages, compiled away without the `tracing`
//! feature. The loop calls these helpers; it has no `cfg` of its own.

use std::future::Future;

use crate::{GenServer, ServerId};

#[cfg(feature = "tracing")]
mod imp {
    use std::future::Future;

    use tracing::Instrument;

    use crate::{ExitReason, GenServer, ServerId};

    /// The span of whoever sent a message, so that a request can be
    /// followed from the caller through every server it reaches.
    pub(crate) struct CallerSpan(tracing::Span);

    impl CallerSpan {
        /// The sender's span; `None` when it is in no span (always,
        /// without a subscriber), so that nothing travels with the message.
        pub(crate) fn current() -> Option<Self> {
            if !tracing::dispatcher::has_been_set() {
                return None;
            }
            let span = tracing::Span::current();
            (!span.is_none()).then_some(CallerSpan(span))
        }

        pub(crate) fn none() -> Self {
            CallerSpan(tracing::Span::none())
        }
    }

    pub(crate) struct HandleSpan(tracing::Span);

    pub(crate) fn span<S: GenServer>(
        id: ServerId,
        message: &S::Message,
        caller: &CallerSpan,
    ) -> HandleSpan {
        // Until a subscriber exists no span can be recorded; asking costs
        // one load instead of a dispatcher look-up per message.
        if !tracing::dispatcher::has_been_set() {
            return HandleSpan(tracing::Span::none());
        }
        let parent = caller.0.id();
        HandleSpan(tracing::debug_span!(
            parent: parent,
            "handle",
            server = S::NAME,
            id = id.as_u64(),
            message = S::message_name(message),
        ))
    }

    pub(crate) fn within<F: Future>(
        span: HandleSpan,
        future: F,
    ) -> impl Future<Output = F::Output> {
        future.instrument(span.0)
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
    use std::future::Future;

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

    pub(crate) fn span<S: GenServer>(_: ServerId, _: &S::Message, _: &CallerSpan) -> HandleSpan {
        HandleSpan
    }

    pub(crate) fn within<F: Future>(_: HandleSpan, future: F) -> F {
        future
    }

    pub(crate) fn crashed<S: GenServer>(_: ServerId, _: &crate::ExitReason) {}
}

pub(crate) use imp::{CallerSpan, HandleSpan};

/// The span of the handling of one message: server name, id and message
/// variant, child of the sender's span.
pub(crate) fn span<S: GenServer>(
    id: ServerId,
    message: &S::Message,
    caller: &CallerSpan,
) -> HandleSpan {
    imp::span::<S>(id, message, caller)
}

pub(crate) fn within<F: Future>(span: HandleSpan, future: F) -> impl Future<Output = F::Output> {
    imp::within(span, future)
}

/// Reports a server that ends with a failure (OTP's crash report): one
/// `ERROR` event naming the server, its id and the reason.
pub(crate) fn crashed<S: GenServer>(id: ServerId, reason: &crate::ExitReason) {
    imp::crashed::<S>(id, reason);
}
