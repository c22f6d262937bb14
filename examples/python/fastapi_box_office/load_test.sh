#!/usr/bin/env bash
# load_test.sh: the noon rush against the FastAPI box office and the C++ box_office in one run.
#
#   PYTHONPATH=build/python examples/python/fastapi_box_office/load_test.sh \
#     build/examples/box_office/box_office [CONNECTIONS] [SECONDS]
#
# Starts each server in turn on 127.0.0.1 with the same sale (CAPACITY tickets, default
# CONNECTIONS / 2 as in examples/box_office/load_test.sh, 4 a buyer)
# and the same token file (one buyer per connection), replays examples/box_office/noon_rush.lua
# with wrk (availability, hold 1-2 tickets, confirm, or release in the first half), then
# prints wrk's summary and checks through GET /v1/sale that sold + held + available ==
# capacity for every type. The FastAPI app runs in one uvicorn process (one sale, one
# process). Needs wrk, curl and python3-uvicorn (Debian: apt-get install -y wrk).
set -euo pipefail

binary=${1:?usage: load_test.sh PATH/TO/box_office [CONNECTIONS] [SECONDS]}
connections=${2:-100}
duration=${3:-15}
capacity=${CAPACITY:-$((connections / 2))}
wrk_threads=${WRK_THREADS:-2}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
lua=$here/../../box_office/noon_rush.lua
work=$(mktemp -d)
server_pid=
trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/sale.json" <<JSON
{
  "types": [{"name": "regular", "capacity": $((capacity * 4 / 5))},
            {"name": "student", "capacity": $((capacity / 5))}],
  "cycles": [{"name": "noon", "opens_at": "now", "allotment": $capacity, "per_buyer_max": 4}],
  "per_buyer_units_max": 4,
  "per_buyer_holds_max": 1,
  "units_per_hold_max": 2,
  "hold_ttl_default_seconds": 120,
  "hold_lifetime_max_seconds": 600,
  "holds_max": 32768,
  "buyers_max": 32768,
  "idempotency_keys_max": 0
}
JSON
"$binary" --generate_tokens="$connections" >"$work/tokens.txt"

wait_for_port() {  # $1: a file the server writes its port into, or a fixed port
  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "load_test: the server did not start" >&2
  return 1
}

rush() {  # $1: name, $2: port
  local url=http://127.0.0.1:$2
  echo "== $1: $connections connections, $wrk_threads wrk threads, ${duration}s, $url"
  wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 30s --latency \
    -s "$lua" "$url" -- "$work/tokens.txt" "$wrk_threads" $((duration / 2)) |
    grep -E 'Requests/sec|Latency |  50%|  99%|Socket errors|requests in|Non-2xx'
  "$python" - "$url" <<'PY'
import json, sys, urllib.request
sale = json.load(urllib.request.urlopen(sys.argv[1] + "/v1/sale"))
for t in sale["types"]:
    ok = t["sold"] + t["held"] + t["available"] == t["capacity"] >= t["sold"]
    print("  %s: sold %d held %d available %d of %d: %s" % (
        t["name"], t["sold"], t["held"], t["available"], t["capacity"],
        "adds up" if ok else "DOES NOT ADD UP"))
    assert ok
PY
}

echo "machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2);" \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$binary" --port=0 --sale_config="$work/sale.json" --tokens="$work/tokens.txt" \
  --max_connections=$((connections + 2048)) >"$work/cpp.out" 2>"$work/cpp.err" &
server_pid=$!
for _ in $(seq 100); do
  port=$(awk '/^port /{print $2}' "$work/cpp.out")
  [[ -n $port ]] && break
  sleep 0.1
done
wait_for_port "$port"
rush "C++ box_office" "$port"
kill -TERM "$server_pid" && wait "$server_pid" || true
server_pid=

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
HOLDFAST_BOX_OFFICE_SALE=$work/sale.json HOLDFAST_BOX_OFFICE_TOKENS_FILE=$work/tokens.txt \
  "$python" -m uvicorn --factory box_office.app:create_app_from_env --app-dir "$here" \
  --host 127.0.0.1 --port "$port" --no-access-log --log-level warning \
  --backlog $((connections + 2048)) >"$work/py.out" 2>"$work/py.err" &
server_pid=$!
wait_for_port "$port"
rush "FastAPI box office (uvicorn, 1 process)" "$port"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
