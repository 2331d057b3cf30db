mod m {
    use genserver::prelude::*;

    /// Visible in the crate, but with a `pub` handler.
    pub(crate) struct Pc;

    #[genserver]
    impl Pc {
        #[call]
        pub fn get(&self) -> u8 {
            1
        }
    }
}

fn main() {}
