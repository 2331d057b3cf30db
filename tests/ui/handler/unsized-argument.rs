// A message stores its arguments by value, so they need a size.

use genserver::prelude::*;

pub struct Log {
    lines: Vec<String>,
}

#[genserver]
impl Log {
    #[cast]
    pub fn push(&mut self, line: str) {
        self.lines.push(line.to_owned());
    }
}

fn main() {}
