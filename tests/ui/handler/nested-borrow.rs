use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    #[cast]
    pub fn log(&mut self, lines: Vec<&str>) {
        self.total += lines.len() as u64;
    }
}

fn main() {}
