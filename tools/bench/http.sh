#!/usr/bin/env bash
# HTTP load benchmark: GET /public against GET /protected (an HS256 access token in
# `Authorization: Bearer`) on the demo server (authjwt-axum, denylist on) and, beside it, a
# baseline server (crates/authjwt-bench/src/bin/baseline_server.rs: the same routes on the
# same server loop, with a hand-written extractor on jsonwebtoken doing the same checks).
# Every server runs at once; each round measures each of them with wrk in turn (the order
# rotates, and which route goes first alternates), so a drift in the machine's load hits
# them all alike. Prints, per server and route, the throughput and the server's CPU time
# per request (from /proc/<pid>/stat: what a route costs the server, apart from wrk sharing
# the machine), their medians over the rounds, and the targets.
#
#   tools/bench/http.sh
#   DURATION=10s REPEATS=6 MIXES=distinct tools/bench/http.sh
#
# Token mixes (MIXES, all three by default); /public is sent the same tokens, so the
# difference between the routes is the authentication alone:
#   one       every request carries the same token;
#   rotating  1,000 tokens in rotation (the verified-token cache holds them all);
#   distinct  DISTINCT_TOKENS (100,000) tokens in rotation, ten times the cache: every
#             request brings a token the cache does not hold, as if each were new.
# The wrk threads take disjoint shares of the tokens.
#
# Settings (environment): DURATION (wrk -d, default 5s), THREADS (wrk -t, 2), CONNECTIONS
# (wrk -c, 64), REPEATS (rounds, 4), MIXES, DISTINCT_TOKENS, CACHE (the demo's
# AUTHJWT_VERIFIED_TOKEN_CACHE when measured with the cache, 10000), REDIS (1: also the demo
# with a Redis denylist when redis-server is installed; 0 by default), OTHER_DEMO (the path
# of another build of the demo, measured beside this one as "other": before and after a
# change in one run), KEY_SET_FILE (a JSON key set: the demo signs and verifies with it, RS256
# or ES256 say, and the HS256-only baseline is left out).
#
# Targets, reported, never enforced: the demo's /protected (no cache, mix "one") costs the
# server no more CPU than the baseline's; with the cache, all-distinct tokens cost at most 5%
# more CPU than without it, and a hit (mix "rotating") at most 2 µs more than /public. The
# script fails only when it cannot measure (a build failure, a server that does not start,
# or non-2xx answers, which would mean a token was refused).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
REPEATS=${REPEATS:-4}
MIXES=${MIXES:-"one rotating distinct"}
DISTINCT_TOKENS=${DISTINCT_TOKENS:-100000}
CACHE=${CACHE:-10000}
REDIS=${REDIS:-0}
OTHER_DEMO=${OTHER_DEMO:-}

# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh
require wrk curl

echo "==> building the demo and the baseline server (release)"
cargo build --release -q -p authjwt-demo -p authjwt-bench --bins
target_dir=${CARGO_TARGET_DIR:-target}
demo_bin=$target_dir/release/authjwt-demo
baseline_bin=$target_dir/release/baseline_server
tokens_bin=$target_dir/release/access_tokens

secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 48)
# The signing keys: an HS256 secret, or with KEY_SET_FILE (a JSON key set, as
# AUTHJWT_KEY_SET_FILE reads it) the demo's keys from that file, for RS256 or ES256 runs. The
# baseline server signs with the secret alone, so it is left out then.
if [[ -n ${KEY_SET_FILE:-} ]]; then
  keys=(AUTHJWT_KEY_SET_FILE="$(realpath "$KEY_SET_FILE")")
else
  keys=(AUTHJWT_SECRET_KEY="$secret")
fi
work=$(mktemp -d)

# Each wrk thread sends its own share of the token file, in rotation (a file of one token
# is shared by all).
cat >"$work/tokens.lua" <<'EOF'
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  local all = {}
  for line in io.lines(args[1]) do all[#all + 1] = line end
  local count = tonumber(args[2])
  tokens = {}
  for i = 1, #all do
    if #all < count or (i - 1) % count == id then tokens[#tokens + 1] = all[i] end
  end
  position = 0
end
function request()
  position = position % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[position] })
end
EOF

names=()
declare -A pid_of base_of
# start NAME COMMAND...: starts a server with a clean environment on a free port.
start() {
  local name=$1 port pid
  shift
  port=$(free_port)
  env -i PATH="$PATH" RUST_LOG=warn "${keys[@]}" DEMO_ADDR="127.0.0.1:$port" \
    BASELINE_ADDR="127.0.0.1:$port" "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/public" >/dev/null 2>&1; then
      names+=("$name")
      pid_of[$name]=$pid
      base_of[$name]="http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "http.sh: $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

[[ -n ${KEY_SET_FILE:-} ]] || start baseline "$baseline_bin"
start demo env DEMO_DENYLIST=memory AUTHJWT_VERIFIED_TOKEN_CACHE=0 "$demo_bin"
start "demo+cache" env DEMO_DENYLIST=memory AUTHJWT_VERIFIED_TOKEN_CACHE="$CACHE" "$demo_bin"
if [[ -n $OTHER_DEMO ]]; then
  start other env DEMO_DENYLIST=memory AUTHJWT_VERIFIED_TOKEN_CACHE=0 "$OTHER_DEMO"
  start "other+cache" env DEMO_DENYLIST=memory AUTHJWT_VERIFIED_TOKEN_CACHE="$CACHE" "$OTHER_DEMO"
fi
if ((REDIS)); then
  if command -v redis-server >/dev/null; then
    start_redis
    start redis env DEMO_DENYLIST="redis://127.0.0.1:$redis_port" \
      AUTHJWT_VERIFIED_TOKEN_CACHE=0 "$demo_bin"
    start "redis+cache" env DEMO_DENYLIST="redis://127.0.0.1:$redis_port" \
      AUTHJWT_VERIFIED_TOKEN_CACHE="$CACHE" "$demo_bin"
  else
    echo "==> Redis skipped: redis-server is not installed"
  fi
fi

# run_wrk NAME PATH TOKENS: prints requests/s and the server's CPU time per request (µs);
# fails on socket errors or non-2xx answers.
run_wrk() {
  local name=$1 path=$2 tokens=$3 pid out rps requests before after cpu
  pid=${pid_of[$name]}
  before=$(cpu_ticks "$pid")
  out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency -s "$work/tokens.lua" \
    "${base_of[$name]}$path" -- "$tokens" "$THREADS")
  after=$(cpu_ticks "$pid")
  check_wrk "$name $path" "$out" || return 1
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  requests=$(awk '/ requests in / {print $1}' <<<"$out")
  cpu=$(cpu_per_request "$before" "$after" "$requests")
  printf '    %-12s %-11s %9.0f req/s   p50 %-9s server CPU %5s µs/request\n' "$name" "$path" \
    "$rps" "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$cpu" >&2
  echo "$rps $cpu"
}

declare -A cpu_public cpu_protected ratios
print_machine
echo "==> wrk -t $THREADS -c $CONNECTIONS -d $DURATION, $REPEATS rounds; servers: ${names[*]}"
for mix in $MIXES; do
  case $mix in
    one) count=1 ;;
    rotating) count=1000 ;;
    distinct) count=$DISTINCT_TOKENS ;;
    *) echo "http.sh: unknown mix $mix (one, rotating, distinct)" >&2; exit 2 ;;
  esac
  # Made now, so that none expires during the measurement.
  env -i PATH="$PATH" "${keys[@]}" "$tokens_bin" "$count" >"$work/$mix.tokens"
  echo "==> mix: $mix ($count token(s))"
  for name in "${names[@]}"; do
    curl -fsS "${base_of[$name]}/protected" -H "Authorization: Bearer $(head -1 "$work/$mix.tokens")" \
      >/dev/null || { echo "http.sh: $name refused the token" >&2; exit 1; }
    # Warm-up, untimed (for the distinct mix, this also fills the cache with other tokens).
    wrk -t "$THREADS" -c "$CONNECTIONS" -d 2s -s "$work/tokens.lua" "${base_of[$name]}/protected" \
      -- "$work/$mix.tokens" "$THREADS" >/dev/null
  done
  declare -A public_cpus=() protected_cpus=() round_ratios=()
  for round in $(seq 1 "$REPEATS"); do
    echo "  round $round" >&2
    order=("${names[@]:round % ${#names[@]}}" "${names[@]:0:round % ${#names[@]}}")
    for name in "${order[@]}"; do
      public= protected=
      if ((round % 2 == 1)); then
        read -r public public_cpu < <(run_wrk "$name" /public "$work/$mix.tokens")
        read -r protected protected_cpu < <(run_wrk "$name" /protected "$work/$mix.tokens")
      else
        read -r protected protected_cpu < <(run_wrk "$name" /protected "$work/$mix.tokens")
        read -r public public_cpu < <(run_wrk "$name" /public "$work/$mix.tokens")
      fi
      [[ -n $public && -n $protected ]] || exit 1
      public_cpus[$name]+=" $public_cpu"
      protected_cpus[$name]+=" $protected_cpu"
      round_ratios[$name]+=" $(python3 -c "print(f'{$protected / $public:.3f}')")"
    done
  done
  printf '  %-12s %14s %17s %10s   %s\n' server "/public µs" "/protected µs" difference \
    "protected/public throughput (median; rounds)"
  for name in "${names[@]}"; do
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    cpu_public[$mix,$name]=$(median ${public_cpus[$name]})
    # shellcheck disable=SC2086
    cpu_protected[$mix,$name]=$(median ${protected_cpus[$name]})
    # shellcheck disable=SC2086
    ratios[$mix,$name]=$(median ${round_ratios[$name]})
    printf '  %-12s %14.1f %17.1f %+10.1f   %s;%s\n' "$name" "${cpu_public[$mix,$name]}" \
      "${cpu_protected[$mix,$name]}" \
      "$(python3 -c "print(${cpu_protected[$mix,$name]} - ${cpu_public[$mix,$name]})")" \
      "${ratios[$mix,$name]}" "${round_ratios[$name]}"
  done
  unset public_cpus protected_cpus round_ratios
done

echo "==> targets (server CPU per request, medians of the rounds)"
for mix in $MIXES; do
  [[ -n ${KEY_SET_FILE:-} ]] && break
  demo=${cpu_protected[$mix,demo]} baseline=${cpu_protected[$mix,baseline]}
  printf '  %-9s demo /protected %.1f µs, baseline %.1f µs: %s (target: demo <= baseline)\n' \
    "$mix" "$demo" "$baseline" "$(verdict "$demo <= $baseline")"
done
if [[ -n ${KEY_SET_FILE:-} ]]; then
  for mix in $MIXES; do
    printf '  %-9s protected/public throughput with the cache: %s (target, key sets: >= 0.85)\n' \
      "$mix" "${ratios[$mix,demo+cache]}"
  done
fi
if [[ " $MIXES " == *" distinct "* ]]; then
  off=${cpu_protected[distinct,demo]} on=${cpu_protected[distinct,demo+cache]}
  printf '  distinct  cache on %.1f µs against off %.1f µs: %+.1f%%: %s (target: <= +5%%)\n' \
    "$on" "$off" "$(python3 -c "print(($on / $off - 1) * 100)")" \
    "$(verdict "$on <= 1.05 * $off")"
fi
if [[ " $MIXES " == *" rotating "* ]]; then
  hit=$(python3 -c "print(${cpu_protected[rotating,demo+cache]} - ${cpu_public[rotating,demo+cache]})")
  printf '  rotating  cache hit over /public: %+.1f µs: %s (target: <= 2 µs)\n' "$hit" \
    "$(verdict "$hit <= 2")"
fi
