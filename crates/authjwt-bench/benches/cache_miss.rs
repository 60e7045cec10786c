//! The verified-token cache when it misses: the HS256 guard on a stream of tokens each new to
//! the cache, with `verified_token_cache` on against off, in one run. HS256 because its
//! verification is the cheapest, so the cache's share of it is the largest. Target (issue 11):
//! the cache costs at most 5% when it misses.
//!
//! Both sides take their requests from pools of [`POOL`] distinct tokens, 49 times what the
//! cache holds, so that a token has long been forgotten when its turn comes again and the two
//! sides read their requests from memory alike.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use authjwt::Algorithm;
use authjwt_bench::summary;
use authjwt_bench::{Case, Keys};
use criterion::Criterion;

/// Requests per pool.
const POOL: usize = 50_000;
const GROUP: &str = "cache_miss_HS256";
const UNCACHED: &str = "uncached";
const CACHE_MISS: &str = "cache_miss";

fn main() {
    let started = SystemTime::now();
    let case = Case::new(Algorithm::HS256, &Keys::generate());
    let uncached_requests = case.new_token_requests(POOL);
    let cached_requests = case.new_token_requests(POOL);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60)
        .configure_from_args();
    let mut group = criterion.benchmark_group(GROUP);
    group.bench_function(UNCACHED, |b| {
        b.iter(|| black_box(&case).authjwt_verify_distinct(&uncached_requests));
    });
    group.bench_function(CACHE_MISS, |b| {
        b.iter(|| black_box(&case).authjwt_verify_cache_miss(&cached_requests));
    });
    group.finish();

    let interleaved = summary::interleaved_ratio(
        || drop(black_box(case.authjwt_verify_cache_miss(&cached_requests))),
        || drop(black_box(case.authjwt_verify_distinct(&uncached_requests))),
    );
    let home = summary::criterion_home();
    let estimates = (
        summary::estimate_ns(&home, GROUP, CACHE_MISS, started),
        summary::estimate_ns(&home, GROUP, UNCACHED, started),
    );
    println!();
    println!(
        "The HS256 guard on tokens new to the cache, cache on / cache off (target: at most 1.05)"
    );
    if let (Some(cache_miss), Some(uncached)) = estimates {
        println!(
            "  criterion: {} / {} = {:.3}",
            summary::format_ns(cache_miss),
            summary::format_ns(uncached),
            cache_miss / uncached
        );
    }
    println!(
        "  interleaved, {} alternating {} ms slices, fastest of each: {interleaved:.3}",
        summary::ROUNDS,
        summary::SLICE.as_millis()
    );
}
