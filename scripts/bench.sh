#!/usr/bin/env bash
# Runs holdfast's whole performance comparison in a few minutes and writes the
# report: holdfast against its one-lock baselines and the hardware floor
# (P1, P2), the 1M-ticket sell-out (P3), memory (P4), and Redis and
# PostgreSQL over loopback (P5).
#
#   bash scripts/bench.sh
#
# Method: installs what it needs with apt-get (skipping what is present),
# builds the benchmarks in Release, starts a throwaway Redis and PostgreSQL
# on free loopback ports in a temporary directory, runs every suite with
# --benchmark_out, and turns the JSON into a Markdown table and a plot
# (bench/report.py). Both servers are stopped by pid when the script ends,
# whether it succeeded or not. Writes into results/ (not committed): the raw
# JSON, report.md, throughput.png, machine.txt; then copies the report and
# the plot into bench/results/ (committed) and the table into README.md
# between its "bench:begin" and "bench:end" markers.
#
# Environment:
#   HOLDFAST_BENCH_BUILD=DIR      build directory (default build/bench)
#   HOLDFAST_BENCH_MIN_TIME=S     --benchmark_min_time of the contention suites (default 0.3)
#   HOLDFAST_BENCH_REPETITIONS=N  repetitions of each contention benchmark; the report
#                                 takes the median (default 3)
#   HOLDFAST_BENCH_NO_PEERS=1     skip Redis and PostgreSQL
#   HOLDFAST_BENCH_NO_PUBLISH=1   leave bench/results/ and README.md alone
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

build=${HOLDFAST_BENCH_BUILD:-$root/build/bench}
min_time=${HOLDFAST_BENCH_MIN_TIME:-0.3}
repetitions=${HOLDFAST_BENCH_REPETITIONS:-3}
results=$root/results
mkdir -p "$results"

log() { echo "bench: $*" >&2; }

# Debian's python3, which has Debian's matplotlib, even when another python3
# (pyenv, a venv) comes first on PATH.
python=/usr/bin/python3
[[ -x $python ]] || python=python3

# ---------------------------------------------------------------------------
# Packages: the normal build's, then the comparison's own.

bash scripts/setup.sh
extra=(python3-matplotlib)
if [[ ${HOLDFAST_BENCH_NO_PEERS:-0} != 1 ]]; then
  extra+=(redis-server redis-tools postgresql libhiredis-dev libpq-dev pkg-config)
fi
missing=()
for package in "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
    missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]}"
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
  "${apt_get[@]}" update
  "${apt_get[@]}" install --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------
# Build: Release, benchmarks only.

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOLDFAST_BUILD_TESTS=OFF \
  -DHOLDFAST_BUILD_EXAMPLES=OFF -DHOLDFAST_BUILD_PYTHON=OFF -DHOLDFAST_INSTALL=OFF >/dev/null
targets=(sale_benchmark sell_out_benchmark memory_benchmark)
[[ ${HOLDFAST_BENCH_NO_PEERS:-0} != 1 ]] && targets+=(peers_benchmark)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

# ---------------------------------------------------------------------------
# Servers: started here, stopped by pid on any exit.

scratch=$(mktemp -d /tmp/holdfast-bench.XXXXXX)
chmod 755 "$scratch"  # the postgres user must reach its directory inside
redis_pid=""
postgres_pid=""
stop_servers() {
  local status=$?
  if [[ -n $redis_pid ]] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" && wait "$redis_pid" 2>/dev/null || true
  fi
  if [[ -n $postgres_pid ]] && kill -0 "$postgres_pid" 2>/dev/null; then
    kill -INT "$postgres_pid"  # fast shutdown
    for _ in $(seq 100); do kill -0 "$postgres_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$scratch"
  exit "$status"
}
trap stop_servers EXIT INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_redis() {
  local port
  port=$(free_port)
  mkdir "$scratch/redis"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$scratch/redis" --save '' \
    --appendonly no --daemonize no --loglevel warning >"$scratch/redis/log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
  done
  export HOLDFAST_REDIS_PORT=$port
  log "redis-server pid $redis_pid on 127.0.0.1:$port"
}

# initdb refuses to run as root: as root, the cluster belongs to `postgres`.
start_postgres() {
  local port bin as_owner=() data=$scratch/postgres/data
  port=$(free_port)
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  mkdir "$scratch/postgres"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$scratch/postgres"
    as_owner=(runuser -u postgres --)
  fi
  "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
  # Durability off: the comparison is of in-memory work, like Redis without
  # persistence and holdfast itself (see bench/peers_benchmark.cc).
  "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$scratch/postgres/log" -w start -o \
    "-p $port -k $scratch/postgres -c listen_addresses=127.0.0.1 -c max_connections=150 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  postgres_pid=$(head -n 1 "$data/postmaster.pid")
  export HOLDFAST_PG_PORT=$port
  log "postgres pid $postgres_pid on 127.0.0.1:$port"
}

# ---------------------------------------------------------------------------
# The runs.

{
  echo "$(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n 1))"
  echo "$(uname -sr), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$(date -u +%Y-%m-%d) by scripts/bench.sh"
} >"$results/machine.txt"

contention=(--benchmark_min_time="$min_time" --benchmark_repetitions="$repetitions"
  --benchmark_out_format=json)
log "contention scenarios (P1, P2)"
"$build/bench/sale_benchmark" "${contention[@]}" --benchmark_out="$results/sale.json"
log "sell-out (P3)"
"$build/bench/sell_out_benchmark" --benchmark_out_format=json \
  --benchmark_out="$results/sell_out.json"
log "memory (P4)"
"$build/bench/memory_benchmark" --benchmark_out_format=json --benchmark_out="$results/memory.json"
rm -f "$results/peers.json"
if [[ ${HOLDFAST_BENCH_NO_PEERS:-0} != 1 ]]; then
  log "peers (P5)"
  start_redis
  start_postgres
  "$build/bench/peers_benchmark" "${contention[@]}" --benchmark_repetitions=1 \
    --benchmark_out="$results/peers.json"
fi

echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
"$python" bench/report.py --machine "$results/machine.txt" --out "$results" "$results"/*.json

# ---------------------------------------------------------------------------
# Publish: the committed copy and the README's table.

if [[ ${HOLDFAST_BENCH_NO_PUBLISH:-0} != 1 ]]; then
  mkdir -p bench/results
  cp "$results/report.md" "$results/throughput.png" "$results/machine.txt" bench/results/
  cp "$results"/*.json bench/results/
  if grep -q '<!-- bench:begin -->' README.md; then
    "$python" - "$results/report.md" <<'EOF'
import re, sys
table = open(sys.argv[1]).read().replace("](throughput.png)", "](bench/results/throughput.png)")
readme = open("README.md").read()
block = "<!-- bench:begin -->\n" + table + "<!-- bench:end -->"
open("README.md", "w").write(
    re.sub(r"<!-- bench:begin -->.*?<!-- bench:end -->", lambda _: block, readme, flags=re.S))
EOF
  fi
  log "report: results/report.md, copied to bench/results/ and README.md"
fi
