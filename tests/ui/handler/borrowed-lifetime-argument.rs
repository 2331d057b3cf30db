// A borrow is a borrow whether written `&str` or `Cow<'_, str>`: the
// argument travels to the server's task, so it cannot borrow.

use std::borrow::Cow;

use genserver::prelude::*;

pub struct Log {
    lines: Vec<String>,
}

#[genserver]
impl Log {
    #[cast]
    pub fn push(&mut self, line: Cow<'_, str>) {
        self.lines.push(line.into_owned());
    }
}

fn main() {}
