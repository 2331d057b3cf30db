use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

#[genserver]
impl Counter {
    // The elided lifetimes of `Fn(..)` are higher-ranked: no borrow there.
    #[cast]
    pub fn map(&mut self, f: Box<dyn Fn(&str) -> &str + Send>) {
        self.total += f("a").len() as u64;
    }

    #[cast]
    pub fn take(&mut self, lines: Box<dyn Iterator<Item = &str> + Send>) {
        self.total += lines.count() as u64;
    }

    #[call]
    pub fn lines(&self) -> Box<dyn Iterator<Item = &u64> + Send> {
        todo!()
    }

    #[cast]
    pub fn sizes(&mut self, sizes: Box<dyn Iterator<Item = impl Send> + Send>) {
        self.total += sizes.count() as u64;
    }
}

fn main() {}
