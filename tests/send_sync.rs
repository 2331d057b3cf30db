//! Clients and the futures of their methods can cross threads.

use genserver::prelude::*;

/// A server whose state is `Send` but not `Sync`.
struct Cellular {
    value: std::cell::Cell<u64>,
}

#[genserver]
impl Cellular {
    #[call]
    fn get(&mut self) -> u64 {
        self.value.get()
    }

    #[cast]
    fn set(&mut self, value: u64) {
        self.value.set(value);
    }
}

fn assert_send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn clients_are_send_sync_and_their_futures_are_send() {
    let client = Cellular::start(Cellular {
        value: std::cell::Cell::new(1),
    })
    .await
    .unwrap();
    assert_send_sync(&client);
    let get = client.get();
    assert_send(&get);
    assert_eq!(get.await, Ok(1));
    let set = client.set(2);
    assert_send(&set);
    set.await.unwrap();
    let stop = client.stop();
    assert_send(&stop);
    stop.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_usable_from_spawned_tasks_on_other_threads() {
    let client = Cellular::start(Cellular {
        value: std::cell::Cell::new(0),
    })
    .await
    .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                client.set(n).await.unwrap();
                client.get().await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap() < 8);
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<CallError>();
    send_sync::<ExitReason>();
    send_sync::<StartError>();
    send_sync::<ServerRef<Cellular>>();
    send_sync::<CellularClient>();
};
