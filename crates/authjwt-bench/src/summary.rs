//! The ratios authjwt time / jsonwebtoken time, read back from criterion's estimates after
//! the benchmarks ran.
//!
//! Each row's ratio is the row's time over the baseline's time in the same group, the
//! baseline being `jsonwebtoken` doing the same work.
//!
//! Criterion keeps its results in `<criterion home>/<group>/<function>/new/estimates.json`.
//! The home is found the way criterion finds it: `$CRITERION_HOME`, else
//! `$CARGO_TARGET_DIR/criterion`, else the target directory `cargo metadata` reports, else
//! `target/criterion`. Only estimates written during this run are used, so a filtered run
//! (`cargo bench -p authjwt-bench -- HS256`) never mixes in older numbers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

/// The function name of authjwt's benchmark in every group.
pub const AUTHJWT: &str = "authjwt";
/// The function name of the baseline's benchmark in every group.
pub const BASELINE: &str = "jsonwebtoken";

/// A goal for one ratio.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The benchmark group, as `<operation>_<algorithm>`.
    pub group: &'static str,
    /// The largest acceptable ratio.
    pub max_ratio: f64,
}

/// The targets: the HS256 verify path at most 1.1× the baseline; RS256 and ES256
/// signing at least twice as fast as the baseline.
pub const TARGETS: [Target; 3] = [
    Target {
        group: "verify_HS256",
        max_ratio: 1.1,
    },
    Target {
        group: "create_RS256",
        max_ratio: 0.5,
    },
    Target {
        group: "create_ES256",
        max_ratio: 0.5,
    },
];

/// Where criterion writes its results, found as criterion finds it.
#[must_use]
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    #[derive(Deserialize)]
    struct Metadata {
        target_directory: PathBuf,
    }
    std::env::var_os("CARGO")
        .and_then(|cargo| {
            Command::new(cargo)
                .args(["metadata", "--format-version", "1"])
                .output()
                .ok()
        })
        .and_then(|output| serde_json::from_slice::<Metadata>(&output.stdout).ok())
        .map_or_else(
            || PathBuf::from("target/criterion"),
            |metadata| metadata.target_directory.join("criterion"),
        )
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    slope: Option<Estimate>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// The time per iteration in nanoseconds of `group/function` — criterion's headline estimate,
/// the one it prints: the slope of the linear regression over the samples (the mean when
/// the sampling mode has no slope) — if criterion wrote it after `since`.
#[must_use]
pub fn estimate_ns(home: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = home
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path)
        .and_then(|meta| meta.modified())
        .ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read(&path).ok()?;
    let estimates: Estimates = serde_json::from_slice(&text).ok()?;
    Some(estimates.slope.unwrap_or(estimates.mean).point_estimate)
}

/// A duration in nanoseconds, with a readable unit.
#[must_use]
pub fn format_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

/// One line of the summary: `function` of `group` against the group's baseline.
#[derive(Debug, Clone)]
pub struct Row {
    /// What the line shows.
    pub label: String,
    /// The criterion group, `<operation>_<algorithm>`.
    pub group: String,
    /// The criterion function compared with [`BASELINE`].
    pub function: &'static str,
    /// The same ratio measured by [`interleaved_ratio`], if it was.
    pub interleaved: Option<f64>,
}

fn verdict(group: &str, function: &str, ratio: f64) -> Option<(f64, &'static str)> {
    TARGETS
        .iter()
        .find(|target| target.group == group && function == AUTHJWT)
        .map(|target| {
            let verdict = if ratio <= target.max_ratio {
                "met"
            } else {
                "NOT met"
            };
            (target.max_ratio, verdict)
        })
}

/// The ratio table, from the estimates criterion wrote since `since`; rows whose benchmarks
/// did not run in this run are left out.
#[must_use]
pub fn table(home: &Path, rows: &[Row], since: SystemTime) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "authjwt / jsonwebtoken 12 (aws_lc_rs): time per operation (criterion's estimate) and \
         the ratio; ratio < 1: authjwt is faster"
    );
    let _ = writeln!(
        out,
        "'interleaved': the same ratio measured again in {ROUNDS} alternating {} ms slices, fastest \
         slice of each side, which other load on the machine disturbs less",
        SLICE.as_millis()
    );
    let _ = writeln!(
        out,
        "{:<24} {:>11} {:>13} {:>7} {:>12}   target",
        "benchmark", "time", "jsonwebtoken", "ratio", "interleaved"
    );
    let mut shown = 0;
    for row in rows {
        let (Some(ours), Some(theirs)) = (
            estimate_ns(home, &row.group, row.function, since),
            estimate_ns(home, &row.group, BASELINE, since),
        ) else {
            continue;
        };
        shown += 1;
        let ratio = ours / theirs;
        let interleaved = row
            .interleaved
            .map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.3}"));
        let target = match verdict(&row.group, row.function, ratio) {
            None => String::new(),
            Some((max_ratio, criterion_verdict)) => {
                let interleaved_verdict = row
                    .interleaved
                    .and_then(|ratio| verdict(&row.group, row.function, ratio))
                    .map_or("-", |(_, verdict)| verdict);
                format!("≤ {max_ratio:.2}: {criterion_verdict} / {interleaved_verdict}")
            }
        };
        let _ = writeln!(
            out,
            "{:<24} {:>11} {:>13} {ratio:>7.3} {interleaved:>12}   {target}",
            row.label,
            format_ns(ours),
            format_ns(theirs),
        );
    }
    if shown == 0 {
        let _ = writeln!(
            out,
            "(no estimates written by this run under {})",
            home.display()
        );
    }
    out
}

/// Rounds of [`interleaved_ratio`].
pub const ROUNDS: usize = 61;

/// The time of one slice of [`interleaved_ratio`]: shorter than a scheduler time slice, so
/// many slices run undisturbed even when other processes share the cores.
pub const SLICE: Duration = Duration::from_millis(4);

/// The ratio time of `ours` / time of `theirs`, measured in [`ROUNDS`] rounds that each run
/// `ours` and `theirs` for about [`SLICE`] (alternating which goes first). Each side's time
/// is its fastest slice (mean time per call within the slice): the slices that other
/// processes did not disturb. Both sides are sampled across the same stretch of the run, so
/// a load change moves this ratio much less than it moves two separate measurements.
pub fn interleaved_ratio(mut ours: impl FnMut(), mut theirs: impl FnMut()) -> f64 {
    let ours_calls = calls_per_slice(&mut ours);
    let theirs_calls = calls_per_slice(&mut theirs);
    let mut ours_best = f64::INFINITY;
    let mut theirs_best = f64::INFINITY;
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            ours_best = ours_best.min(per_call(&mut ours, ours_calls));
            theirs_best = theirs_best.min(per_call(&mut theirs, theirs_calls));
        } else {
            theirs_best = theirs_best.min(per_call(&mut theirs, theirs_calls));
            ours_best = ours_best.min(per_call(&mut ours, ours_calls));
        }
    }
    ours_best / theirs_best
}

fn calls_per_slice(operation: &mut impl FnMut()) -> u32 {
    for _ in 0..3 {
        operation();
    }
    let started = Instant::now();
    operation();
    let once = started.elapsed().max(Duration::from_nanos(1));
    u32::try_from(SLICE.as_nanos() / once.as_nanos())
        .unwrap_or(u32::MAX)
        .clamp(1, 1_000_000)
}

fn per_call(operation: &mut impl FnMut(), calls: u32) -> f64 {
    let started = Instant::now();
    for _ in 0..calls {
        operation();
    }
    started.elapsed().as_secs_f64() / f64::from(calls)
}
