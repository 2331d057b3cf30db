//! A server in a nested module, visible to the crate only.

#![deny(unreachable_pub, dead_code)]

mod app {
    pub(crate) mod servers {
        use genserver::prelude::*;

        /// Counts visits.
        pub(crate) struct Visits {
            pub(crate) count: u64,
        }

        #[genserver]
        impl Visits {
            /// Records a visit and returns the count.
            #[call]
            pub(crate) fn visit(&mut self) -> u64 {
                self.count += 1;
                self.count
            }

            /// Only this module may reset.
            #[cast]
            fn reset(&mut self) {
                self.count = 0;
            }

            /// Resets through the private cast.
            pub(crate) async fn reset_through(client: &VisitsClient) {
                client.reset().await.unwrap();
            }
        }
    }
}

use app::servers::{Visits, VisitsClient};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let visits: VisitsClient = Visits::start(Visits { count: 0 }).await.unwrap();
    assert_eq!(visits.visit().await.unwrap(), 1);
    Visits::reset_through(&visits).await;
    assert_eq!(visits.visit().await.unwrap(), 1);
    visits.stop().await.unwrap();
}
