use genserver::prelude::*;

pub trait Shape {}

#[genserver]
impl dyn Shape {
    #[call]
    pub fn get(&self) -> u64 {
        1
    }
}

fn main() {}
