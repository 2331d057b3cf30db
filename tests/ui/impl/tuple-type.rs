use genserver::prelude::*;

#[genserver]
impl (u8, u8) {
    #[call]
    pub fn get(&self) -> u8 {
        self.0
    }
}

fn main() {}
