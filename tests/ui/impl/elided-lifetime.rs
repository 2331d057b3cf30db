// A lifetime elided in the self type is a lifetime parameter all the
// same: the error the parameter gets, at the lifetime, instead of rustc's
// suggestion to add a parameter to every generated item.

use genserver::prelude::*;

pub struct Greeter<'a> {
    name: &'a str,
}

#[genserver]
impl Greeter<'_> {
    #[call]
    pub fn greet(&self) -> String {
        format!("hi {}", self.name)
    }
}

pub struct Holder<T>(T);

#[genserver]
impl Holder<&str> {
    #[call]
    pub fn get(&self) -> String {
        self.0.to_owned()
    }
}

fn main() {}
