//! The uncached guard of an earlier revision against today's, in one criterion run:
//! `tools/bench/guard-before-after.sh` builds this program with both revisions' benchmark
//! libraries as dependencies (`before` and `now`), so both guards are compiled alike and timed
//! in the same process, one after the other and then interleaved.
//!
//! Arguments: algorithms (`HS256` by default; any the benchmark library knows), then
//! criterion's own.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use now::summary;

const BEFORE: &str = "before";
const NOW: &str = "now";

fn main() {
    let started = SystemTime::now();
    let algorithms: Vec<String> = std::env::args()
        .skip(1)
        .take_while(|arg| !arg.starts_with('-'))
        .collect();
    let algorithms = if algorithms.is_empty() {
        vec!["HS256".to_owned()]
    } else {
        algorithms
    };
    let before_keys = before::Keys::generate();
    let now_keys = now::Keys::generate();

    let mut criterion = criterion::Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60)
        .configure_from_args();
    let mut interleaved = Vec::new();
    for name in &algorithms {
        let before_case = before::ALGORITHMS
            .into_iter()
            .find(|algorithm| algorithm.as_str() == name)
            .map(|algorithm| before::Case::new(algorithm, &before_keys));
        let now_case = now::ALGORITHMS
            .into_iter()
            .find(|algorithm| algorithm.as_str() == name)
            .map(|algorithm| now::Case::new(algorithm, &now_keys));
        let (Some(before_case), Some(now_case)) = (before_case, now_case) else {
            eprintln!("guard_before_after: unknown algorithm {name}");
            std::process::exit(2);
        };
        let group_name = format!("guard_{name}");
        let mut group = criterion.benchmark_group(&group_name);
        group.bench_function(NOW, |b| b.iter(|| black_box(&now_case).authjwt_verify()));
        group.bench_function(BEFORE, |b| {
            b.iter(|| black_box(&before_case).authjwt_verify());
        });
        group.finish();
        let ratio = summary::interleaved_ratio(
            || drop(black_box(now_case.authjwt_verify())),
            || drop(black_box(before_case.authjwt_verify())),
        );
        interleaved.push((group_name, ratio));
    }

    let home = summary::criterion_home();
    println!();
    println!(
        "The uncached guard, now against before: criterion's estimates and their ratio, and the \
         ratio measured again in {} alternating slices (target: now / before at most 1.05)",
        summary::ROUNDS
    );
    println!(
        "{:<14} {:>11} {:>11} {:>7} {:>12}",
        "group", NOW, BEFORE, "ratio", "interleaved"
    );
    for (group, interleaved) in interleaved {
        let now = summary::estimate_ns(&home, &group, NOW, started);
        let before = summary::estimate_ns(&home, &group, BEFORE, started);
        let (Some(now), Some(before)) = (now, before) else {
            println!(
                "{group:<14} (no estimates written by this run under {})",
                home.display()
            );
            continue;
        };
        println!(
            "{group:<14} {:>11} {:>11} {:>7.3} {interleaved:>12.3}",
            summary::format_ns(now),
            summary::format_ns(before),
            now / before,
        );
    }
}
