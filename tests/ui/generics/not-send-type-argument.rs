use std::rc::Rc;

use genserver::prelude::*;

pub struct Holder<T> {
    value: T,
}

#[genserver]
impl<T: Clone> Holder<T> {
    #[call]
    pub fn get(&self) -> T {
        self.value.clone()
    }
}

async fn run() {
    let _ = Holder::start(Holder { value: Rc::new(1) }).await;
}

fn main() {
    let _ = run;
}
