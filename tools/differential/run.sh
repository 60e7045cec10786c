#!/usr/bin/env bash
# Differential check: the reference server (fastapi-jwt-auth 0.5.0) against authjwt-demo.
# Builds the demo, makes sure the reference virtualenv exists, then runs differential.py
# (extra arguments are passed on, e.g. --only cookies --verbose --json out.json).
#
#   DIFFERENTIAL_SHARED_DIR  the shared folder with reference/ and spec/ (default: ../shared
#                       relative to the repository root)
#   REFERENCE_VENV      the reference virtualenv (default: as reference/run.sh,
#                       ${XDG_CACHE_HOME:-$HOME/.cache}/authjwt-reference-venv)
#   CARGO_TARGET_DIR    honoured when locating the demo binary
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${DIFFERENTIAL_SHARED_DIR:-$root/../shared}
if [[ ! -f $shared/reference/run.sh ]]; then
  echo "run.sh: no reference server at $shared/reference/run.sh (set DIFFERENTIAL_SHARED_DIR)" >&2
  exit 2
fi
shared=$(cd "$shared" && pwd)

echo "== building authjwt-demo" >&2
(cd "$root" && cargo build -q -p authjwt-demo)
target=${CARGO_TARGET_DIR:-$root/target}
demo=$target/debug/authjwt-demo

venv=${REFERENCE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/authjwt-reference-venv}
if [[ ! -x $venv/bin/uvicorn || ! -x $venv/bin/python ]]; then
  # reference/run.sh builds its virtualenv on first use: start it once, wait, stop it.
  echo "== building the reference virtualenv at $venv (first use)" >&2
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  DEMO_ADDR=127.0.0.1:$port AUTHJWT_SECRET_KEY=venv-bootstrap REFERENCE_VENV=$venv \
    bash "$shared/reference/run.sh" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if [[ -x $venv/bin/uvicorn ]] && python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/public" % sys.argv[1], timeout=1)
PY
    if ! kill -0 "$pid" 2>/dev/null; then echo "run.sh: the reference server failed to start" >&2; exit 2; fi
    sleep 1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
fi

export REFERENCE_VENV=$venv
exec "$venv/bin/python" "$here/differential.py" --shared "$shared" --demo "$demo" "$@"
