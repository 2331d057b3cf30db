//! One module per implementation, each a [`Server`](crate::driver::Server).

pub mod actix;
pub mod genserver;
pub mod kameo;
pub mod ractor;
pub mod tokio_bounded;
pub mod tokio_unbounded;
pub mod xtra;
