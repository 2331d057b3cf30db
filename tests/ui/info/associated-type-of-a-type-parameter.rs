use genserver::prelude::*;

pub struct Feed<T: Iterator> {
    last: Option<T::Item>,
}

#[genserver]
impl<T: Iterator + Send + 'static> Feed<T>
where
    T::Item: Send + 'static,
{
    #[info]
    fn item(&mut self, item: T::Item) {
        self.last = Some(item);
    }
}

pub struct Qualified<T: Iterator> {
    last: Option<T::Item>,
}

#[genserver]
impl<T: Iterator + Send + 'static> Qualified<T>
where
    T::Item: Send + 'static,
{
    #[info]
    fn item(&mut self, item: <T as Iterator>::Item) {
        self.last = Some(item);
    }
}

fn main() {}
