//! The fuzz properties; see `harness.rs`. The stable test `crates/authjwt-demo/tests/fuzz_corpus.rs`
//! includes the same file and replays the committed corpus through it.
#[path = "harness.rs"]
pub mod harness;
