#!/usr/bin/env bash
# The uncached guard of an earlier revision against the work tree's, in one criterion run.
#
#   tools/bench/guard-before-after.sh                  # against 8475f9f, HS256
#   tools/bench/guard-before-after.sh REV HS256 ES256  # another revision, other algorithms
#
# 8475f9f is main when issue 11 ("the uncached guard may not get slower than today by more
# than 5%") was filed. The script copies that revision's crates into
# target/guard-before-after/before-<revision>, renames their packages (`authjwt-before`, ...) so that
# Cargo can build both revisions into one program, and runs tools/bench/guard_before_after.rs:
# both revisions' `Case::authjwt_verify` (the JwtRequired guard on request parts, denylist on,
# no cache) as two functions of one criterion group, then interleaved, in RUNS processes
# (5 by default), and prints the medians. About 2 minutes after the first build. Works offline when the registry cache holds the crates (`cargo fetch` once).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

RUNS=${RUNS:-5}
revision=${1:-8475f9f}
shift || true
algorithms=("$@")
[[ ${#algorithms[@]} -gt 0 ]] || algorithms=(HS256)

work=$root/target/guard-before-after
# A directory per revision: git archive gives files their commit's time, older than the last
# build, so Cargo would take another revision's build in the same place for up to date.
before=$work/before-$(git rev-parse --short "$revision")
rm -rf "$before" "$work/program"
mkdir -p "$before" "$work/program/benches"

git archive "$revision" Cargo.toml crates | tar -x -C "$before"
python3 - "$before" <<'EOF'
import pathlib, re, sys

before = pathlib.Path(sys.argv[1])
# Every package gets the suffix, and every dependency on one of them (through the workspace
# table or by path) names the renamed package.
for manifest in [before / "Cargo.toml", *before.glob("crates/*/Cargo.toml")]:
    text = manifest.read_text()
    text = re.sub(r'(?m)^name = "(authjwt(?:-[a-z]+)?)"$', r'name = "\1-before"', text, count=1)
    text = re.sub(r'(?m)^(authjwt(?:-[a-z]+)?) = \{ path', r'\1 = { package = "\1-before", path', text)
    manifest.write_text(text)
EOF

cp tools/bench/guard_before_after.rs "$work/program/benches/"
cat >"$work/program/Cargo.toml" <<EOF
[package]
name = "guard-before-after"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dev-dependencies]
before = { package = "authjwt-bench-before", path = "$before/crates/authjwt-bench" }
now = { package = "authjwt-bench", path = "$root/crates/authjwt-bench" }
criterion = { version = "0.8", default-features = false, features = ["cargo_bench_support"] }

[[bench]]
name = "guard_before_after"
harness = false

[profile.bench]
debug = "line-tables-only"
EOF
# The work tree's lock file, so that both revisions build against the same crate versions.
cp Cargo.lock "$work/program/"

echo "==> machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> before: $(git log -1 --format='%h %s' "$revision")"
echo "==> now: the work tree ($(git log -1 --format='%h' HEAD)$(git diff --quiet HEAD || echo ', with changes'))"
cd "$work/program"
# Several processes: from one to the next the ratio moves by several percent (the heap's and
# the caches' state), more than within one.
CARGO_TARGET_DIR=$root/target cargo bench -q --bench guard_before_after --no-run
for run in $(seq "$RUNS"); do
  echo "==> run $run of $RUNS"
  CARGO_TARGET_DIR=$root/target cargo bench -q --bench guard_before_after -- "${algorithms[@]}" |
    tee "$work/run-$run.txt" | sed -n '/^group/,$p'
done
python3 - "$work" "$RUNS" <<'EOF'
import statistics, sys

work, runs = sys.argv[1], int(sys.argv[2])
ratios = {}
for run in range(1, runs + 1):
    with open(f"{work}/run-{run}.txt") as out:
        lines = out.read().split("\n")
    for line in lines[lines.index(next(l for l in lines if l.startswith("group"))) + 1:]:
        fields = line.split()
        if len(fields) == 7:
            ratios.setdefault(fields[0], []).append((float(fields[5]), float(fields[6])))
print(f"==> medians of {runs} runs (target: now / before at most 1.05)")
for group, pairs in ratios.items():
    criterion = statistics.median(pair[0] for pair in pairs)
    interleaved = statistics.median(pair[1] for pair in pairs)
    verdict = "met" if max(criterion, interleaved) <= 1.05 else "NOT met"
    print(f"  {group}: criterion {criterion:.3f}, interleaved {interleaved:.3f}: {verdict}")
EOF
