# What the HTTP benchmark scripts (http.sh, http-sessions.sh) share; sourced, not run.
#
# Processes added to `pids` are stopped when the script exits, and `work`, once set, is
# removed. `script` names the sourcing script in messages.

script=$(basename "$0")
pids=()
work=
cleanup() {
  for pid in "${pids[@]+"${pids[@]}"}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [[ -z $work ]] || rm -rf "$work"
}
trap cleanup EXIT

# require COMMAND...: exits with 2 when one is not installed.
require() {
  local command
  for command in "$@"; do
    command -v "$command" >/dev/null || { echo "$script: $command is not installed" >&2; exit 2; }
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# stop PID: stops a process this script started and forgets it.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${pids[@]+"${pids[@]}"}"; do
    [[ $pid == "$1" ]] || kept+=("$pid")
  done
  pids=("${kept[@]+"${kept[@]}"}")
}

# start_redis: a throwaway redis-server on a free port, logging into $work; sets $redis_port
# and $redis_pid.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$work/redis-server.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
}

ticks_per_second=$(getconf CLK_TCK)
# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# cpu_per_request TICKS_BEFORE TICKS_AFTER REQUESTS: the CPU time per request, in µs.
cpu_per_request() {
  python3 -c "print(f'{($2 - $1) * 1e6 / $ticks_per_second / $3:.1f}')"
}

# check_wrk NAME OUTPUT: fails, showing wrk's output, when it counted non-2xx answers.
check_wrk() {
  if grep -q 'Non-2xx or 3xx responses' <<<"$2"; then
    echo "$script: $1 answered non-2xx responses:" >&2
    echo "$2" >&2
    return 1
  fi
}

# median VALUE...: the median, three decimals.
median() {
  python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"
}

# verdict CONDITION: "met" or "NOT met", the condition read by Python.
verdict() { python3 -c "print('met' if $1 else 'NOT met')"; }

print_machine() {
  echo "==> machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
