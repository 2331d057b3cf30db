//! The wrapper around the futures of user code in a server's task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, ready};

use crate::exit_signal::ExitSignal;
use crate::instrument::HandleSpan;
use crate::{ExitReason, current};

pin_project_lite::pin_project! {
    /// Runs user code, inside the span of the message it handles if there
    /// is one, and catches its panics (`Err` with the payload); if the
    /// task is aborted while it runs, the instance's exit is decided
    /// (`Killed`, unless a reason already was) and what the code holds is
    /// dropped as by an ending server: the caller whose request is in hand,
    /// and one whose `Reply` the code holds, hear the reason once the end
    /// is published, as the callers of queued requests do.
    ///
    /// One wrapper for all three, rather than `tracing::Instrumented` and
    /// `CatchUnwind` around this: the handling in progress is part of
    /// every server's task, and each layer is moved and polled once per
    /// message.
    pub(super) struct KilledIfDropped<'a, F> {
        span: HandleSpan,
        exit: &'a ExitSignal,
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for KilledIfDropped<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut inner = this.inner;
            if inner.is_some() {
                let _entered = this.span.enter();
                let exit = *this.exit;
                let reason = exit.decide(ExitReason::Killed);
                current::while_ending(&reason, exit, || inner.set(None));
            }
        }
    }
}

impl<'a, F> KilledIfDropped<'a, F> {
    pub(super) fn new(exit: &'a ExitSignal, inner: F) -> Self {
        Self::in_span(HandleSpan::none(), exit, inner)
    }

    pub(super) fn in_span(span: HandleSpan, exit: &'a ExitSignal, inner: F) -> Self {
        KilledIfDropped {
            span,
            exit,
            inner: Some(inner),
        }
    }
}

impl<F: Future> Future for KilledIfDropped<'_, F> {
    type Output = Result<F::Output, current::Payload>;

    // Asked for: the compiler's own choice flips with small changes to the
    // server loop around it, and a call round trip pays about 45
    // instructions when this is not inlined into the loop.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut inner = this.inner;
        let Some(future) = inner.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let _entered = this.span.enter();
        let output = ready!(poll_catching(future, cx));
        inner.set(None);
        Poll::Ready(output)
    }
}

/// Polls `future`, catching a panic ([`current::poll_caught`]), and
/// releases the callers orphaned by a panic the user's code caught itself.
#[inline]
fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<F::Output, current::Payload>> {
    match current::poll_caught(future, cx) {
        Poll::Ready(Err(panic)) => Poll::Ready(Err(panic)),
        polled => {
            // A panic the user's code caught itself, if any, ends nothing.
            current::release_orphans();
            polled
        }
    }
}
