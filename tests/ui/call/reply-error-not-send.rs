// A call's reply travels back to the caller's task: a `Box<dyn Error>`
// in it is one error at the error type, with the fix.

use genserver::prelude::*;

pub struct Parser;

#[genserver]
impl Parser {
    #[call]
    pub fn parse(&self, raw: String) -> Result<u64, Box<dyn std::error::Error>> {
        Ok(raw.parse()?)
    }

    #[info]
    fn tick(&mut self, _: Tick) -> Result<(), Box<dyn core::error::Error + Sync>> {
        Ok(())
    }
}

pub struct Tick;

fn main() {}
