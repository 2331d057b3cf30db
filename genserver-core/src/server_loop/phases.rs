//! A server's task as three phases that take turns in the same room.

use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, ready};

pin_project_lite::pin_project! {
    /// What the task was spawned with, then `init` made from it on the
    /// first poll, then the life of the instance that `init` built.
    ///
    /// Written by hand because an `async` block never lets what it
    /// captured share room with what it later holds: the arguments of
    /// `init` would take room in every server's task for its whole life.
    /// Here the phases are variants of one enum.
    pub(super) struct Run<A, I, L, St, M> {
        #[pin]
        phase: Phase<A, I, L>,
        start: St,
        live: M,
    }
}

pin_project_lite::pin_project! {
    #[project = PhaseProj]
    #[project_replace = PhaseReplace]
    enum Phase<A, I, L> {
        Spawned { captures: A },
        Init { #[pin] init: I },
        Live { #[pin] live: L },
        Done,
    }
}

impl<A, I, L, St, M> Run<A, I, L, St, M> {
    /// A task that will run `start(captures)`, then `live` with what that
    /// returns, unless it returns `None` (the instance ended in `init`).
    pub(super) fn new<T>(captures: A, start: St, live: M) -> Self
    where
        St: Fn(A) -> I,
        I: Future<Output = Option<T>>,
        M: Fn(T) -> L,
    {
        Run {
            phase: Phase::Spawned { captures },
            start,
            live,
        }
    }
}

impl<A, T, I, L, St, M> Future for Run<A, I, L, St, M>
where
    St: Fn(A) -> I,
    I: Future<Output = Option<T>>,
    L: Future<Output = ()>,
    M: Fn(T) -> L,
{
    type Output = ();

    // The live phase here, the others out of line: every message of every
    // server goes through here, and the loop is inlined into this poll
    // only when the rest is out of the way.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let mut this = self.as_mut().project();
        if let PhaseProj::Live { live } = this.phase.as_mut().project() {
            ready!(live.poll(cx));
            this.phase.set(Phase::Done);
            return Poll::Ready(());
        }
        self.poll_other_phases(cx)
    }
}

impl<A, T, I, L, St, M> Run<A, I, L, St, M>
where
    St: Fn(A) -> I,
    I: Future<Output = Option<T>>,
    L: Future<Output = ()>,
    M: Fn(T) -> L,
{
    /// Starts `init`, polls it, and starts the live phase when it is done.
    #[inline(never)]
    fn poll_other_phases(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let mut this = self.project();
        loop {
            match this.phase.as_mut().project() {
                PhaseProj::Spawned { .. } => {
                    let PhaseReplace::Spawned { captures } =
                        this.phase.as_mut().project_replace(Phase::Done)
                    else {
                        unreachable!("the phase was matched above")
                    };
                    this.phase.set(Phase::Init {
                        init: (this.start)(captures),
                    });
                }
                PhaseProj::Init { init } => {
                    let next = match ready!(init.poll(cx)) {
                        Some(running) => Phase::Live {
                            live: (this.live)(running),
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
