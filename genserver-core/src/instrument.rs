//! Tracing of handled messages, compiled away without the `tracing`
//! feature. The loop calls these helpers; it has no `cfg` of its own.

use crate::{GenServer, ServerId};

#[cfg(feature = "tracing")]
mod imp {
    use std::mem::ManuallyDrop;

    use crate::{ExitReason, GenServer, ServerId};

    /// A boxed span or none, whose drop is a test of one word when there
    /// is none: the loop drops two of these per message, almost always
    /// empty, and the drop glue of an `Option<Box<Span>>` was a call of
    /// its own each time.
    struct MaybeSpan(Option<ManuallyDrop<Box<tracing::Span>>>);

    impl MaybeSpan {
        fn new(span: Option<tracing::Span>) -> Self {
            MaybeSpan(span.map(|span| ManuallyDrop::new(Box::new(span))))
        }

        fn get(&self) -> Option<&tracing::Span> {
            self.0.as_deref().map(|span| &**span)
        }
    }

    impl Drop for MaybeSpan {
        #[inline]
        fn drop(&mut self) {
            if let Some(span) = self.0.take() {
                drop_span(span);
            }
        }
    }

    /// Drops the span with its own subscriber as this thread's default. A
    /// span that closes asks the default subscriber, not its own, to let
    /// go of its parent (tracing-subscriber's `Registry` does): a message's
    /// spans are often dropped on a thread whose default is another
    /// subscriber (the server's, when the sender ran under one of its
    /// own), which would be asked to close a span it never issued, and
    /// panic in the server's task.
    #[cold]
    fn drop_span(span: ManuallyDrop<Box<tracing::Span>>) {
        let span = ManuallyDrop::into_inner(span);
        match span.with_subscriber(|(_, dispatch)| dispatch.clone()) {
            Some(dispatch) => tracing::dispatcher::with_default(&dispatch, || drop(span)),
            None => drop(span),
        }
    }

    /// The span of whoever sent a message, so that a request can be
    /// followed from the caller through every server it reaches. Boxed,
    /// and `None` without a span, so that the loop moves one word per
    /// message rather than a span's five.
    pub(crate) struct CallerSpan(MaybeSpan);

    impl CallerSpan {
        /// The sender's span; `None` when it is in no span (always,
        /// without a subscriber), so that nothing travels with the message.
        pub(crate) fn current() -> Option<Self> {
            if !tracing::dispatcher::has_been_set() {
                return None;
            }
            let span = tracing::Span::current();
            (!span.is_none()).then(|| CallerSpan(MaybeSpan::new(Some(span))))
        }

        pub(crate) fn none() -> Self {
            CallerSpan(MaybeSpan(None))
        }
    }

    /// The span a message is handled in; `None` while nothing could
    /// record it. Boxed for the same reason as [`CallerSpan`]: the
    /// handling in progress is part of every server's task.
    pub(crate) struct HandleSpan(MaybeSpan);

    impl HandleSpan {
        pub(crate) fn none() -> Self {
            HandleSpan(MaybeSpan(None))
        }

        /// Enters the span, if there is one, until the guard is dropped,
        /// with the span's subscriber as this thread's default: a handler
        /// polled on a thread where the sender's subscriber is not the
        /// default (a thread-local one, on a multi-thread runtime) still
        /// reports to it, and what it sends carries its span on.
        #[inline]
        pub(crate) fn enter(&self) -> Option<Entered<'_>> {
            // Tested here, the rest out of line: every poll of every
            // handler asks, and almost always there is no span.
            self.0.get().map(enter_with_subscriber)
        }
    }

    #[cold]
    fn enter_with_subscriber(span: &tracing::Span) -> Entered<'_> {
        Entered {
            _span: span.enter(),
            _default: span
                .with_subscriber(|(_, dispatch)| tracing::dispatcher::set_default(dispatch)),
        }
    }

    /// A [`HandleSpan`] entered, and its subscriber the default.
    pub(crate) struct Entered<'a> {
        // Dropped first: the span is exited while its subscriber is still
        // the default.
        _span: tracing::span::Entered<'a>,
        _default: Option<tracing::dispatcher::DefaultGuard>,
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
            return HandleSpan::none();
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
            let sender = caller.0.get().and_then(|span| {
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
            Ok(span) => HandleSpan(MaybeSpan::new((!span.is_disabled()).then_some(span))),
            Err(_) => HandleSpan::none(),
        }
    }

    /// OTP's crash report: one event when a server ends with a failure.
    /// The reason's `Display` is the user's error's, and a subscriber
    /// formats it: a panic there is reported by the panic hook and goes
    /// no further, or the end (`terminate`, the tasks joined) would be cut
    /// short.
    pub(crate) fn crashed<S: GenServer>(id: ServerId, reason: &ExitReason) {
        if !reason.is_clean() {
            let _ = crate::current::survive(|| {
                tracing::error!(server = S::NAME, id = id.as_u64(), %reason, "server terminating");
            });
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
