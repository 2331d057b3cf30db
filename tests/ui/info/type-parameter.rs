use genserver::prelude::*;

pub struct Relay<T> {
    last: Option<T>,
}

#[genserver]
impl<T: Send + 'static> Relay<T> {
    #[info]
    fn relay(&mut self, message: T) {
        self.last = Some(message);
    }
}

fn main() {}
