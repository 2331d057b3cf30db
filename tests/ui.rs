//! Compile-fail tests of `#[genserver]` (`tests/ui/<area>/*.rs`, each with
//! the `.stderr` rustc prints) and programs that must compile
//! (`tests/pass/*.rs`). Regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
    t.pass("tests/pass/*.rs");
}
