//! What the clients of both supervisors share: the [`Client`] impl, the
//! admin request without a time limit, and the address's identity. A
//! macro, because each client is its own public type with its own
//! message; what differs between them (the requests, `stop` and `wait`
//! with their examples) stays in each.
//!
//! [`Client`]: crate::Client

/// Implements [`Client`](crate::Client) and the shared methods for
/// `$client`, a struct with a `server: ServerRef<$server>` field whose
/// server's message is `$message(Request)`.
macro_rules! admin_client {
    ($client:ident, $server:ident, $message:ident) => {
        impl $crate::Client for $client {
            type Server = $server;

            fn from_server_ref(server: $crate::ServerRef<$server>) -> Self {
                $client { server }
            }

            fn server_ref(&self) -> &$crate::ServerRef<$server> {
                &self.server
            }
        }

        impl $client {
            /// Admin requests have no time limit unless the client was
            /// given one: stopping a child may take its whole shutdown.
            async fn request<R: Send + 'static>(
                &self,
                request: impl FnOnce($crate::ReplyTo<R>) -> Request,
            ) -> Result<R, $crate::CallError> {
                self.server
                    .call_with(
                        |reply| $message(request(reply)),
                        self.server.call_timeout(Some(None)),
                    )
                    .await
            }

            /// The id of the supervisor's instance.
            #[must_use]
            pub fn id(&self) -> $crate::ServerId {
                self.server.id()
            }

            /// `true` until the supervisor starts to exit.
            #[must_use]
            pub fn is_alive(&self) -> bool {
                self.server.is_alive()
            }

            /// A copy of this client whose requests time out after `timeout`,
            /// instead of waiting without a limit as OTP's admin requests
            /// do (semantics 15.8).
            #[must_use]
            pub fn with_timeout(&self, timeout: ::std::time::Duration) -> Self {
                $client {
                    server: self.server.with_timeout(timeout),
                }
            }

            /// The supervisor's address.
            #[must_use]
            pub fn server_ref(&self) -> &$crate::ServerRef<$server> {
                &self.server
            }
        }
    };
}

pub(super) use admin_client;
