use std::pin::Pin;

use genserver::prelude::*;

pub struct Sink<T> {
    items: Vec<T>,
}

#[genserver]
impl<T: Send + 'static> Sink<T> {
    #[info]
    fn item(&mut self, item: Box<T>) {
        self.items.push(*item);
    }

    #[info]
    fn pinned(&mut self, item: Pin<Box<T>>) {
        let _ = item;
    }

    #[info]
    fn shared(&mut self, item: &'static T) {
        let _ = item;
    }
}

fn main() {}
