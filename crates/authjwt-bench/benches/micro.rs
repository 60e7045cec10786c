//! Create and verify, authjwt against `jsonwebtoken` 12, for HS256, RS256, PS256, ES256 and
//! EdDSA; then the ratios. See the crate documentation for what each side does.
//!
//! Each `<operation>_<algorithm>` group holds `authjwt` and `jsonwebtoken`, measured one after
//! the other in the same process, so their ratio is what counts, not the absolute times. Two
//! reference points are added: `create_*/sign_only`, the aws-lc-rs signature alone over the
//! same signing input with a key parsed once (the floor under any token creation),
//! `verify_HS256/authjwt_core`, authjwt's core pipeline without the HTTP layer, and
//! `verify_*/authjwt_cached`, the guard with a verified-token cache holding the token (what a
//! client sending its token again costs with `verified_token_cache` on).
//!
//! Bounded: 1 s warm-up and 2 s measurement per benchmark by default (criterion's
//! `--warm-up-time` and `--measurement-time` override them); about 80 s for the whole run.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use authjwt_bench::summary::{self, AUTHJWT, BASELINE, Row};

/// The signature alone on a pre-parsed key: the floor under token creation.
const PRIMITIVE: &str = "sign_only";
/// The guard with a verified-token cache that holds the token.
const CACHED: &str = "authjwt_cached";
use authjwt_bench::{ALGORITHMS, Case, Keys};
use criterion::Criterion;

fn main() {
    let started = SystemTime::now();
    let keys = Keys::generate();
    let cases: Vec<Case> = ALGORITHMS
        .into_iter()
        .map(|algorithm| Case::new(algorithm, &keys))
        .collect();

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
        .configure_from_args();

    let mut groups = Vec::new();
    for case in &cases {
        let name = format!("create_{}", case.algorithm());
        let mut group = criterion.benchmark_group(&name);
        group.bench_function(AUTHJWT, |b| b.iter(|| black_box(case).authjwt_create()));
        group.bench_function(BASELINE, |b| b.iter(|| black_box(case).baseline_create()));
        group.bench_function(PRIMITIVE, |b| b.iter(|| black_box(case).primitive_sign()));
        group.finish();
        groups.push(name);
    }
    for case in &cases {
        let name = format!("verify_{}", case.algorithm());
        let mut group = criterion.benchmark_group(&name);
        group.bench_function(AUTHJWT, |b| {
            b.iter(|| black_box(case).authjwt_verify());
        });
        if case.algorithm() == authjwt::Algorithm::HS256 {
            group.bench_function("authjwt_core", |b| {
                b.iter(|| black_box(case).authjwt_verify_core());
            });
        }
        group.bench_function(CACHED, |b| {
            b.iter(|| black_box(case).authjwt_verify_cached());
        });
        group.bench_function(BASELINE, |b| b.iter(|| black_box(case).baseline_verify()));
        group.finish();
        groups.push(name);
    }
    criterion.final_summary();

    // The ratios, for the groups this run measured (a filter may have skipped some).
    let home = summary::criterion_home();
    let ran = |group: &str| summary::estimate_ns(&home, group, AUTHJWT, started).is_some();
    let mut rows = Vec::new();
    for case in &cases {
        let group = format!("create_{}", case.algorithm());
        if ran(&group) {
            let baseline = || drop(black_box(case.baseline_create()));
            rows.push(Row {
                label: group.clone(),
                group: group.clone(),
                function: AUTHJWT,
                interleaved: Some(summary::interleaved_ratio(
                    || drop(black_box(case.authjwt_create())),
                    baseline,
                )),
            });
            rows.push(Row {
                label: "  sign alone (floor)".to_owned(),
                group,
                function: PRIMITIVE,
                interleaved: Some(summary::interleaved_ratio(
                    || drop(black_box(case.primitive_sign())),
                    baseline,
                )),
            });
        }
    }
    for case in &cases {
        let group = format!("verify_{}", case.algorithm());
        if !ran(&group) {
            continue;
        }
        let baseline = || drop(black_box(case.baseline_verify()));
        rows.push(Row {
            label: group.clone(),
            group: group.clone(),
            function: AUTHJWT,
            interleaved: Some(summary::interleaved_ratio(
                || drop(black_box(case.authjwt_verify())),
                baseline,
            )),
        });
        let core = (case.algorithm() == authjwt::Algorithm::HS256).then(|| {
            summary::interleaved_ratio(|| drop(black_box(case.authjwt_verify_core())), baseline)
        });
        if let Some(core) = core {
            rows.push(Row {
                label: "  core, no HTTP layer".to_owned(),
                group: group.clone(),
                function: "authjwt_core",
                interleaved: Some(core),
            });
        }
        rows.push(Row {
            label: "  cache hit".to_owned(),
            group,
            function: CACHED,
            interleaved: Some(summary::interleaved_ratio(
                || drop(black_box(case.authjwt_verify_cached())),
                baseline,
            )),
        });
    }
    println!();
    print!("{}", summary::table(&home, &rows, started));
}
