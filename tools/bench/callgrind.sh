#!/usr/bin/env bash
# Instructions and heap allocations per call, authjwt against jsonwebtoken 12, counted by
# valgrind (callgrind): exact and repeatable, so they complement the timings, which the
# machine's other load disturbs.
#
#   tools/bench/callgrind.sh                # every algorithm
#   tools/bench/callgrind.sh HS256 ES256    # some
#
# Runs the `calls` benchmark binary of crates/authjwt-bench (each operation three times, on
# the system allocator) under callgrind, dumping the counters on entry to and exit from each
# measured function, and reads the dump of the last call of each: its instructions (Ir) and
# its calls to malloc/calloc/realloc — Rust's allocations and those of the C code inside
# aws-lc-rs alike. Instruction counts are not times (valgrind also hides some CPU features,
# such as SHA extensions, from aws-lc), but their ratios move with the code, not the load.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 2; }

binary=$(cargo bench -q -p authjwt-bench --bench calls --no-run --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "calls" \
            and message.get("executable"):
        print(message["executable"])')
[[ -x $binary ]] || { echo "callgrind.sh: cannot build the calls benchmark" >&2; exit 1; }

algorithms=("$@")
[[ ${#algorithms[@]} -gt 0 ]] || algorithms=(HS256 RS256 PS256 ES256 EdDSA)
operations=(authjwt_verify authjwt_verify_core authjwt_verify_cached authjwt_verify_distinct authjwt_verify_cache_miss baseline_verify authjwt_create baseline_create primitive_sign)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "per call, last of three: instructions (Ir) and allocations (malloc+calloc+realloc, Rust and C)"
for algorithm in "${algorithms[@]}"; do
  dumps=()
  for operation in "${operations[@]}"; do
    dumps+=(--dump-before="authjwt_bench::Case::$operation" --dump-after="authjwt_bench::Case::$operation")
  done
  valgrind --tool=callgrind --callgrind-out-file="$work/$algorithm.out" "${dumps[@]}" \
    "$binary" "$algorithm" >/dev/null 2>"$work/$algorithm.log" ||
    { cat "$work/$algorithm.log" >&2; exit 1; }
  python3 - "$work" "$algorithm" "${operations[@]}" <<'EOF'
import glob, re, sys

work, algorithm, operations = sys.argv[1], sys.argv[2], sys.argv[3:]
ALLOCATORS = {"malloc", "calloc", "realloc"}

def read(path):
    """Instructions and allocator calls recorded in one callgrind dump."""
    names, current, allocations, summary = {}, None, 0, 0
    with open(path, errors="replace") as dump:
        for line in dump:
            match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if match:
                kind, ident, name = match.groups()
                if name is not None:
                    names[ident] = name
                if kind == "cfn":
                    current = names.get(ident, ident).split("'")[0]
                continue
            match = re.match(r"^calls=(\d+) ", line)
            if match and current in ALLOCATORS:
                allocations += int(match.group(1))
            match = re.match(r"^summary: (\d+)", line)
            if match:
                summary = int(match.group(1))
    return summary, allocations

last = {}
for path in glob.glob(f"{work}/{algorithm}.out.*"):
    with open(path, errors="replace") as dump:
        head = dump.read(4000)
    match = re.search(r"Trigger: --dump-after=authjwt_bench::Case::(\w+)", head)
    part = int(path.rsplit(".", 1)[1])
    if match and part > last.get(match.group(1), (0,))[0]:
        last[match.group(1)] = (part, *read(path))

def row(label, operation, baseline=None):
    if operation not in last:
        return
    _, ir, allocations = last[operation]
    ratio = ""
    if baseline in last:
        ratio = f"{ir / last[baseline][1]:.3f}"
    print(f"  {label:<34} {ir:>12,} Ir {allocations:>5} allocations   {ratio:>6}")

print(f"{algorithm}                                                    Ir ratio to jsonwebtoken")
row("verify: authjwt guard", "authjwt_verify", "baseline_verify")
row("verify: authjwt core, no HTTP", "authjwt_verify_core", "baseline_verify")
row("verify: authjwt guard, cache hit", "authjwt_verify_cached", "baseline_verify")
row("verify: authjwt guard, a new token", "authjwt_verify_distinct", "baseline_verify")
row("verify: authjwt guard, cache miss", "authjwt_verify_cache_miss", "baseline_verify")
row("verify: jsonwebtoken::decode", "baseline_verify")
row("create: authjwt", "authjwt_create", "baseline_create")
row("create: jsonwebtoken::encode", "baseline_create")
row("create: signature alone (floor)", "primitive_sign", "baseline_create")
EOF
done
