mod server {
    use genserver::prelude::*;

    pub struct Secret {
        pub value: u64,
    }

    #[genserver]
    impl Secret {
        /// Reads the value.
        #[call]
        pub fn get(&self) -> u64 {
            self.value
        }

        #[call]
        fn peek(&self) -> u64 {
            self.value
        }
    }
}

async fn run(client: server::SecretClient) {
    let _ = client.peek().await;
}

fn main() {
    let _ = run;
}
