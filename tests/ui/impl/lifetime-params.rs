use genserver::prelude::*;

pub struct Borrowing<'a> {
    name: &'a str,
}

#[genserver]
impl<'a> Borrowing<'a> {
    #[call]
    pub fn name(&self) -> String {
        self.name.to_owned()
    }
}

fn main() {}
