use genserver::prelude::*;

struct Server;

#[genserver]
impl Server {
    #[init]
    fn init(#[cfg_attr(unix, cfg(unix))] _verbose: bool) -> Self {
        Server
    }

    #[call]
    fn get(&self, #[cfg(any())] extra: u8, y: u8) -> u8 {
        y
    }

    // A lint level concerns the handler only, and stays on it.
    #[cast]
    fn set(&mut self, #[allow(unused_variables)] x: u8) {}
}

fn main() {}
