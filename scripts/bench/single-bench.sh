#!/usr/bin/env bash
# Benchmark: one durable Gyre node against single-node etcd, and an unsynced Gyre node
# against redis-server. Never run by the tests.
#   A. gyre-node --sync always (RocksDB, group commit) vs etcd (fsyncs its WAL, group commit):
#      Put of fresh keys, both driven by gyre-bench at the same concurrency, alternating, rounds.
#      Target: Gyre >= 2x etcd.
#   B. gyre-node --sync none vs redis-server SET (no persistence) through redis-benchmark at the
#      same concurrency: the in-memory speed-of-light reference (no target).
# Run it holding the build lock:  flock /tmp/gyre-build.lock scripts/bench/single-bench.sh
# Env: BENCH_SECONDS=8 BENCH_WARMUP=1 BENCH_ROUNDS=2 BENCH_CONCURRENCY=100 BENCH_CONNECTIONS=10
#      BENCH_VALUE_BYTES=100 BENCH_GYRE_THREADS=1 (one event loop, as in the cluster bench: the load generator shares the cores) BENCH_BUILD=1 BENCH_OUT=bench-results/
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

secs=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-1}
rounds=${BENCH_ROUNDS:-2}
concurrency=${BENCH_CONCURRENCY:-100}
connections=${BENCH_CONNECTIONS:-10}
value_bytes=${BENCH_VALUE_BYTES:-100}
gyre_threads=${BENCH_GYRE_THREADS:-1}
out_dir=${BENCH_OUT:-$top/bench-results}

ensure_apt_packages etcd-server redis-server redis-tools procps util-linux
ensure_python3
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  ensure_swift_on_path
  ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler
  swift build -c release --product gyre-node
  swift build -c release --product gyre-bench
fi
gyre_node=$top/.build/release/gyre-node
bench=$top/.build/release/gyre-bench

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-single-bench.XXXXXX")
pids=()
# shellcheck source=scripts/lib/processes.sh
source "$top/scripts/lib/processes.sh"
# shellcheck source=scripts/lib/bench.sh
source "$top/scripts/lib/bench.sh"
cleanup() { stop_pids "${pids[@]}"; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
pause() { local p; for p in "$@"; do kill -STOP "$p" 2>/dev/null || true; done; }
resume_all() { local p; for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; done; }

# gyre_node_start VAR SYNC: a single gyre-node on RocksDB with --sync SYNC; VAR gets its address.
gyre_node_start() {
  local var=$1 sync=$2 port peer pidvar="${1}_pid"
  port=$(free_port); peer=$(free_port)
  start "$pidvar" "$tmp/$var" "$gyre_node" --listen "127.0.0.1:$port" --peer-listen "127.0.0.1:$peer" \
    --data-dir "$tmp/$var.data" --sync "$sync" --threads "$gyre_threads" --log-level warning
  wait_port "$port" 30 "${pids[-1]}"
  printf -v "$var" '127.0.0.1:%s' "$port"
  "$bench" ping --target gyre --addresses "127.0.0.1:$port" --wait 30 >/dev/null
}

gyre_always_pid=(); gyre_none_pid=(); etcd_pid=(); redis_pid=()
gyre_node_start gyre_always always
gyre_node_start gyre_none none
etcd_port=$(free_port); etcd_peer=$(free_port)
start etcd_pid "$tmp/etcd" etcd --name e0 --data-dir "$tmp/etcd.data" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "e0=http://127.0.0.1:$etcd_peer" --logger zap --log-outputs stderr
wait_port "$etcd_port" 30 "${etcd_pid[0]}"
etcd_addr=127.0.0.1:$etcd_port
"$bench" ping --target etcd --addresses "$etcd_addr" --wait 60 >/dev/null
redis_port=$(free_port)
start redis_pid "$tmp/redis" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$tmp"
wait_port "$redis_port" 30 "${redis_pid[0]}"

results=$tmp/results.txt
: >"$results"
common=(--concurrency "$concurrency" --connections "$connections" --value-bytes "$value_bytes"
  --duration "$secs" --warmup "$warmup" --op put)

# run_bench NAME TARGET ADDR PID ROUND: one gyre-bench Put run with the others paused.
run_bench() {
  local name=$1 target=$2 addr=$3 pid=$4 round=$5 out=$tmp/$1-$5 others=() p
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || others+=("$p"); done
  resume_all
  "$bench" ping --target "$target" --addresses "$addr" --wait 30 >/dev/null
  [ "$target" = gyre ] && "$bench" stats --addresses "$addr" >"$out.before.json"
  pause "${others[@]}"
  "$bench" run --target "$target" --addresses "$addr" --key-prefix "$name-r$round" --cpu-pids "$pid" \
    "${common[@]}" >"$out.txt" 2>&1 || { resume_all; echo "bench: $name failed:" >&2; tail -5 "$out.txt" >&2; exit 1; }
  resume_all
  [ "$target" = gyre ] && "$bench" stats --addresses "$addr" >"$out.after.json"
  sed -n '2,3p;6p' "$out.txt" | sed "s/^/bench: $name round $round:/" >&2
  python3 - "$name" "$round" "$out.txt" "$out.before.json" "$out.after.json" >>"$results" <<'PY'
import json, os, sys
name, rnd, path, before, after = sys.argv[1:6]
s = [json.loads(l) for l in open(path) if l.startswith("{")][-1]
syncs = ""
if os.path.exists(after):
    b = json.load(open(before)); a = json.load(open(after))
    cb = next(iter(b.values()))["counters"]; ca = next(iter(a.values()))["counters"]
    w = ca.get("storage.writes", 0) - cb.get("storage.writes", 0)
    f = ca.get("storage.wal_syncs", 0) - cb.get("storage.wal_syncs", 0)
    syncs = f"{f / w:.3f}" if w else "-"
bad = "ok" if not (s["errors"] or s["bad"] or s["total_errors"] or s["total_bad"]) else "ERRORS"
print(f"{name} {rnd} {s['ops_per_s']:.0f} {s['p50_ms']:.3f} {s['p99_ms']:.3f} {s['server_cpu_us_per_op']:.1f} {syncs or '-'} {bad}")
PY
}

# run_redis ROUND: redis-benchmark SET of random keys at the same concurrency, the others paused.
run_redis() {
  local round=$1 others=() p n
  for p in "${pids[@]}"; do [ "$p" = "${redis_pid[0]}" ] || others+=("$p"); done
  n=$((secs * 60000))
  pause "${others[@]}"
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -t set -c "$concurrency" -n "$n" -d "$value_bytes" -r 100000000 \
    --csv -q >"$tmp/redis-$round.csv" 2>&1 || true
  resume_all
  python3 - "$round" "$tmp/redis-$round.csv" >>"$results" <<'PY'
import csv, sys
rnd, path = sys.argv[1:3]
rows = [r for r in csv.reader(open(path)) if r and r[0] == "SET"]
if not rows:
    sys.exit(f"bench: no SET row in {path}: " + open(path).read()[-300:])
r = rows[-1]
print(f"redis-SET {rnd} {float(r[1]):.0f} {float(r[5]):.3f} {float(r[7]):.3f} - - ok")
PY
  tail -1 "$results" | sed 's/^/bench: /' >&2
}

for ((r = 1; r <= rounds; r++)); do
  run_bench gyre-always gyre "$gyre_always" "${gyre_always_pid[0]}" "$r"
  run_bench etcd etcd "$etcd_addr" "${etcd_pid[0]}" "$r"
  run_bench gyre-none gyre "$gyre_none" "${gyre_none_pid[0]}" "$r"
  run_redis "$r"
done

mkdir -p "$out_dir"
summary=$out_dir/single-$(date +%Y%m%d-%H%M%S).txt
{
  echo "# Put of fresh keys, $value_bytes-byte values, $concurrency calls in flight ($connections HTTP/2 connections"
  echo "# for gyre-bench; redis-benchmark: $concurrency connections), $warmup s warm-up + $secs s, $rounds rounds"
  echo "# alternating, servers not measured SIGSTOPped; $(nproc) cores. gyre-node: RocksDB under ${TMPDIR:-/tmp},"
  echo "# $gyre_threads event-loop threads; etcd $(etcd --version | head -1 | sed 's/etcd Version: //') single member"
  echo "# (fsyncs its WAL per batch); redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') without persistence."
  echo
  printf '%-12s %5s %9s %8s %8s %13s %11s  %s\n' system round ops/s "p50 ms" "p99 ms" "srv CPU us/op" "fsync/write" check
  while read -r name rnd ops p50 p99 cpu syncs check; do
    printf '%-12s %5s %9s %8s %8s %13s %11s  %s\n' "$name" "$rnd" "$ops" "$p50" "$p99" "$cpu" "$syncs" "$check"
  done <"$results"
  echo
  python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r[0], {})[r[1]] = float(r[2])
def ratio(a, b, label, target=None):
    rs = [by[a][k] / by[b][k] for k in sorted(by.get(a, {})) if k in by.get(b, {}) and by[b][k]]
    for k, r in zip(sorted(by.get(a, {})), rs):
        print(f"{label} round {k}: {by[a][k]:.0f} / {by[b][k]:.0f} = {r:.2f}x")
    if rs:
        m = statistics.median(rs)
        verdict = "" if target is None else f"  (target >= {target}x: {'meets' if m >= target else 'BELOW'})"
        print(f"{label} median: {m:.2f}x{verdict}")
ratio("gyre-always", "etcd", "Gyre --sync always / etcd Put", 2)
ratio("gyre-none", "redis-SET", "Gyre --sync none / redis SET")
PY
} | tee "$summary"
echo "bench: summary in $summary" >&2
