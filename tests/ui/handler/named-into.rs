// `client.into()` would call `Into::into`, which takes the client by value
// and is found before a client method `into(&self)`.

use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn into(&self) -> u64 {
        self.total
    }

    #[call]
    pub fn try_into(&self) -> Option<u64> {
        Some(self.total)
    }
}

pub struct Other;

#[genserver]
impl Other {
    #[cast]
    pub fn r#into(&mut self) {}
}

fn main() {}
