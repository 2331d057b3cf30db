use genserver::prelude::*;

pub struct Counter {
    total: u64,
}

// `init` has no `self`: a `Self` it borrows is a borrowed start argument,
// not the state taken the way an Elixir callback takes it.
#[genserver]
impl Counter {
    #[init]
    fn init(template: &Self) -> Self {
        Counter {
            total: template.total,
        }
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.total
    }
}

fn main() {}
