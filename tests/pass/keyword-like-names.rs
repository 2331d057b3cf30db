//! Handler names that turn into keywords or keyword-like names once made
//! into message variants still compile: `self_` becomes `Self_`, and raw
//! identifiers keep working.

#![allow(dead_code)]

use genserver::prelude::*;

pub struct Odd {
    total: u64,
}

#[genserver]
impl Odd {
    #[call]
    pub fn self_(&self) -> u64 {
        self.total
    }

    #[cast]
    pub fn r#type(&mut self, by: u64) {
        self.total += by;
    }

    #[call]
    pub fn r#match(&self) -> bool {
        self.total > 0
    }
}

fn main() {}
