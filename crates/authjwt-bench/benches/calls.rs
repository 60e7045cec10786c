//! Each operation a few times, on the system allocator and without criterion: the program
//! `tools/bench/callgrind.sh` runs under valgrind to count, per call, the instructions and
//! the heap allocations of both Rust and the C code in aws-lc-rs. Arguments select
//! algorithms; on its own (as in `cargo bench`) it runs every operation once per algorithm
//! and says so.

use std::hint::black_box;

use authjwt_bench::{Case, Keys, selected_algorithms};

/// Calls per operation: the last one is the one measured, after the others warmed up what is
/// initialised lazily.
const CALLS: usize = 3;

fn main() {
    let keys = Keys::generate();
    let mut ran = Vec::new();
    for algorithm in selected_algorithms() {
        let case = Case::new(algorithm, &keys);
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_verify()));
        }
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_verify_core()));
        }
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_verify_cached()));
        }
        // Made first, so that making them is not counted with the calls.
        let requests = case.new_token_requests(CALLS);
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_verify_distinct(&requests)));
        }
        let requests = case.new_token_requests(CALLS);
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_verify_cache_miss(&requests)));
        }
        for _ in 0..CALLS {
            drop(black_box(case.baseline_verify()));
        }
        for _ in 0..CALLS {
            drop(black_box(case.authjwt_create()));
        }
        for _ in 0..CALLS {
            drop(black_box(case.baseline_create()));
        }
        for _ in 0..CALLS {
            drop(black_box(case.primitive_sign()));
        }
        ran.push(algorithm.as_str());
    }
    println!(
        "calls: each operation {CALLS} times for {} (tools/bench/callgrind.sh counts them)",
        ran.join(", ")
    );
}
