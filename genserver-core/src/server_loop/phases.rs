//! A server's task as two futures that take turns in the same room.

use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, ready};

use super::TaskEnd;
use crate::{Context, GenServer};

pin_project_lite::pin_project! {
    /// `init`, then the life of the instance built from what it returns.
    ///
    /// Written by hand because an `async` block never lets what it
    /// captured share room with what it later holds: the arguments of
    /// `init` would take room in every server's task for its whole life.
    /// Here the two phases are variants of one enum.
    pub(super) struct Run<I, L, M> {
        #[pin]
        phase: Phase<I, L>,
        live: M,
    }
}

pin_project_lite::pin_project! {
    #[project = PhaseProj]
    enum Phase<I, L> {
        Init { #[pin] init: I },
        Live { #[pin] live: L },
        Done,
    }
}

impl<I, L, M> Run<I, L, M> {
    pub(super) fn new<S>(init: I, live: M) -> Self
    where
        I: Future<Output = Option<(S, Context<S>, TaskEnd<S>)>>,
        M: Fn(S, Context<S>, TaskEnd<S>) -> L,
        S: GenServer,
    {
        Run {
            phase: Phase::Init { init },
            live,
        }
    }
}

impl<S, I, L, M> Future for Run<I, L, M>
where
    S: GenServer,
    I: Future<Output = Option<(S, Context<S>, TaskEnd<S>)>>,
    L: Future<Output = ()>,
    M: Fn(S, Context<S>, TaskEnd<S>) -> L,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let mut this = self.project();
        loop {
            match this.phase.as_mut().project() {
                PhaseProj::Init { init } => {
                    let next = match ready!(init.poll(cx)) {
                        Some((state, ctx, task)) => Phase::Live {
                            live: (this.live)(state, ctx, task),
                        },
                        None => Phase::Done,
                    };
                    this.phase.set(next);
                }
                PhaseProj::Live { live } => {
                    ready!(live.poll(cx));
                    this.phase.set(Phase::Done);
                }
                PhaseProj::Done => return Poll::Ready(()),
            }
        }
    }
}
