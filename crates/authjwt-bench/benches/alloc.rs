//! Heap allocations per operation, counted by `allocation-counter`'s global allocator (which
//! this binary alone links; the timing benchmark runs on the system allocator).
//!
//! Each operation runs once to warm up (lazily initialised state is not charged to a
//! request), then [`ITERATIONS`] times (or `ALLOC_ITERATIONS`) under the counter; the average
//! per operation is printed. Arguments select algorithms (`cargo bench -p authjwt-bench --bench
//! alloc -- RS256`). The counter sees every allocation made through Rust's global allocator;
//! the C code inside aws-lc-rs allocates with its own `malloc` and is not counted here:
//! `tools/bench/callgrind.sh` counts both.

use std::hint::black_box;

use authjwt_bench::{Case, Keys, selected_algorithms};

/// Calls measured per operation, unless `ALLOC_ITERATIONS` says otherwise.
const ITERATIONS: u64 = 1_000;

/// The average allocations and bytes per call of `operation`.
fn per_call(iterations: u64, mut operation: impl FnMut()) -> (f64, f64) {
    operation();
    let info = allocation_counter::measure(|| {
        for _ in 0..iterations {
            operation();
        }
    });
    #[allow(clippy::cast_precision_loss)] // small counts
    (
        info.count_total as f64 / iterations as f64,
        info.bytes_total as f64 / iterations as f64,
    )
}

fn main() {
    let iterations = std::env::var("ALLOC_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|&iterations| iterations > 0)
        .unwrap_or(ITERATIONS);
    let keys = Keys::generate();
    println!("allocations per operation (Rust heap; average of {iterations}), count / bytes");
    println!(
        "{:<7} {:>18} {:>18} {:>18} {:>18} {:>18} {:>18}",
        "alg",
        "guard verify",
        "core verify",
        "cache hit",
        "jsonwebtoken dec",
        "authjwt create",
        "jsonwebtoken enc"
    );
    for algorithm in selected_algorithms() {
        let case = Case::new(algorithm, &keys);
        let guard = per_call(iterations, || drop(black_box(case.authjwt_verify())));
        let core = per_call(iterations, || drop(black_box(case.authjwt_verify_core())));
        let cached = per_call(iterations, || drop(black_box(case.authjwt_verify_cached())));
        let decode = per_call(iterations, || drop(black_box(case.baseline_verify())));
        let create = per_call(iterations, || drop(black_box(case.authjwt_create())));
        let encode = per_call(iterations, || drop(black_box(case.baseline_create())));
        let cell = |(count, bytes): (f64, f64)| format!("{count:.1} / {bytes:.0} B");
        println!(
            "{:<7} {:>18} {:>18} {:>18} {:>18} {:>18} {:>18}",
            algorithm.as_str(),
            cell(guard),
            cell(core),
            cell(cached),
            cell(decode),
            cell(create),
            cell(encode)
        );
    }
}
