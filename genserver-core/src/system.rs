//! Requests the runtime answers inside a server's task, outside its
//! handlers: statistics, and reading or replacing the state (OTP's
//! `:sys.get_state/1` and `:sys.replace_state/2`), for debugging and tests.

use tokio::sync::oneshot;

use crate::call::{enqueue, exit_reason};
use crate::deadline::with_deadline;
use crate::envelope::Envelope;
use crate::exit::panic_message;
use crate::{CallError, Context, GenServer, ServerRef, ServerStats, current};

impl<S: GenServer> ServerRef<S> {
    /// The server's statistics: messages handled, queue length, uptime.
    ///
    /// Answered in the server's task, in mailbox order, so the queue
    /// length counts what is behind the request. It does not count as a
    /// message: it neither cancels an idle timeout nor adds to
    /// `messages_handled`.
    ///
    /// # Errors
    ///
    /// As a call: [`CallError::NoProc`], [`CallError::Exited`],
    /// [`CallError::Timeout`] (this reference's timeout, 5 s by default),
    /// or [`CallError::CallingSelf`] from the server's own handlers.
    pub async fn stats(&self) -> Result<ServerStats, CallError> {
        let stats = self.system_call(|_, ctx, queued| {
            Ok(ctx
                .instance()
                .stats
                .snapshot(queued, ctx.instance().restarts()))
        });
        stats.await
    }

    /// Runs `inspect` on the state, in the server's task, and returns what
    /// it returns. The debugging escape of OTP's `:sys.get_state/1`.
    ///
    /// # Errors
    ///
    /// As a call; [`CallError::Panicked`] when `inspect` panicked (the
    /// server keeps running).
    pub async fn inspect_state<R: Send + 'static>(
        &self,
        inspect: impl FnOnce(&S) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        self.system_call(move |state, _, _| {
            current::survive(|| inspect(state)).map_err(|panic| CallError::Panicked {
                message: panic_message(&*panic),
            })
        })
        .await
    }

    /// Replaces the state by what `replace` builds from it, in the server's
    /// task (OTP's `:sys.replace_state/2`). If `replace` panics the state is
    /// left as it was and the server keeps running. The old state is then
    /// dropped; a panic in its `Drop` is reported by the panic hook and
    /// does not fail the call, since the new state is in place.
    ///
    /// # Errors
    ///
    /// As a call; [`CallError::Panicked`] when `replace` panicked.
    pub async fn replace_state(
        &self,
        replace: impl FnOnce(&S) -> S + Send + 'static,
    ) -> Result<(), CallError> {
        self.system_call(move |state, _, _| {
            let new = current::survive(|| replace(state)).map_err(|panic| CallError::Panicked {
                message: panic_message(&*panic),
            })?;
            let old = std::mem::replace(state, new);
            // Caught here, or the reply channel would be dropped with the
            // unwinding request and the caller left to wait for its timeout.
            crate::server_loop::drop_reported(old);
            Ok(())
        })
        .await
    }

    async fn system_call<R: Send + 'static>(
        &self,
        request: impl FnOnce(&mut S, &mut Context<S>, usize) -> Result<R, CallError> + Send + 'static,
    ) -> Result<R, CallError> {
        if self.is_own_address() {
            return Err(CallError::CallingSelf);
        }
        let (tx, rx) = oneshot::channel();
        let envelope = Envelope::System(Box::new(move |state, ctx, queued| {
            let _ = tx.send(request(state, ctx, queued));
        }));
        let mut deadline = enqueue(self.inner(), envelope, self.call_timeout(None)).await?;
        match with_deadline(&mut deadline, rx).await {
            Some(Ok(result)) => result,
            Some(Err(_closed)) => Err(exit_reason(self.inner(), deadline).await),
            None => Err(CallError::Timeout),
        }
    }
}
