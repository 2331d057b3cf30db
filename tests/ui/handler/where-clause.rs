use genserver::prelude::*;

pub struct Stack<T> {
    items: Vec<T>,
}

#[genserver]
impl<T> Stack<T> {
    #[call]
    pub fn dup(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.items.clone()
    }
}

fn main() {}
