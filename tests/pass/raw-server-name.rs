//! A server type with a raw name: its enum and client are named without
//! the `r#` (`matchMessage`, `matchClient`), and so is `GenServer::NAME`.

#![allow(non_camel_case_types)]

use genserver::prelude::*;

/// A server named with a keyword.
pub struct r#match;

#[genserver]
impl r#match {
    /// One.
    #[call]
    pub fn get(&self) -> u8 {
        1
    }
}

/// A server whose raw name is not a keyword.
pub struct r#Plain;

#[genserver]
impl r#Plain {
    /// Two.
    #[call]
    pub fn r#get(&self) -> u8 {
        2
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server: matchClient = r#match::start(r#match).await.unwrap();
    assert_eq!(server.get().await.unwrap(), 1);
    assert_eq!(<r#match as GenServer>::NAME, "match");
    assert!(format!("{server:?}").starts_with("matchClient"));
    let _: Option<matchMessage> = None;
    server.stop().await.unwrap();

    let plain: PlainClient = Plain::start(Plain).await.unwrap();
    assert_eq!(plain.get().await.unwrap(), 2);
    assert_eq!(<Plain as GenServer>::NAME, "Plain");
    plain.stop().await.unwrap();
}
