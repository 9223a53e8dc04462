#!/usr/bin/env bash
# YCSB A, B and C through the GyreClient SDK (gyre-bench ycsb) on a 3-node cluster on loopback
# (N=3, R=W=2, RocksDB --sync always), workloads alternating round by round. Prints throughput,
# p99 and p99.9 of each operation per round and the medians. Never run by the tests.
#
# Run it holding the build lock: flock /tmp/gyre-build.lock scripts/bench/ycsb-bench.sh
# Env:
#   BENCH_ROUNDS=3          rounds; each runs A, B, C
#   BENCH_SECONDS=10        seconds per run
#   BENCH_CONCURRENCY=64    operations in flight
#   BENCH_RECORDS=100000    records loaded once before the rounds
#   BENCH_DISTRIBUTION=     key choice (default: each workload's, zipfian)
#   BENCH_SYNC=always       --sync of the nodes
#   BENCH_BUILD=1           swift build -c release first (0: use the release binaries as they are)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
# shellcheck source=scripts/lib/processes.sh
source scripts/lib/processes.sh
# shellcheck source=scripts/lib/bench.sh
source scripts/lib/bench.sh

rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-10}
concurrency=${BENCH_CONCURRENCY:-64}
records=${BENCH_RECORDS:-100000}
sync_mode=${BENCH_SYNC:-always}
distribution=()
if [ -n "${BENCH_DISTRIBUTION:-}" ]; then distribution=(--distribution "$BENCH_DISTRIBUTION"); fi

release_binaries gyre-node gyre-bench
bench_workspace gyre-ycsb-bench

start_gyre_nodes 3 "$tmp" "$bin/gyre-node" --replicas 3 --read-quorum 2 --write-quorum 2 --threads 1 \
  --log-level warning --engine rocksdb --sync "$sync_mode"
seeds=$(IFS=,; echo "${gyre_addrs[*]}")

echo "bench: loading $records records" >&2
"$bin/gyre-bench" ycsb --seeds "$seeds" --phase load --records "$records" --concurrency "$concurrency" \
  --key-prefix ycsb --report "$tmp/load.json" | head -2 >&2

results=$tmp/results.jsonl
for ((r = 1; r <= rounds; r++)); do
  for workload in a b c; do
    "$bin/gyre-bench" ycsb --seeds "$seeds" --workload "$workload" --phase run --records "$records" --key-prefix ycsb \
      --duration "$secs" --concurrency "$concurrency" --seed "$r" "${distribution[@]}" --report "$tmp/run.json" >/dev/null || true
    python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); d["round"]=int(sys.argv[2]); print(json.dumps(d))' \
      "$tmp/run.json" "$r" >>"$results"
    echo "bench: round $r workload $workload done" >&2
  done
done

python3 - "$results" "$sync_mode" "$concurrency" "$records" "$secs" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
sync_mode, concurrency, records, secs = sys.argv[2:]
print(f"# YCSB on Gyre: 3 nodes on loopback, N=3 R=W=2, RocksDB --sync {sync_mode}; GyreClient, client routing;")
print(f"# {concurrency} operations in flight, {records} records, 100-byte values, {secs} s per run; latency in ms")
print()
print("| round | workload | ops/s | failed | read p99 | read p99.9 | update p99 | update p99.9 |")
print("|---|---|---|---|---|---|---|---|")
def ms(op, field):
    return f"{op[field] / 1000:.2f}" if op else "-"
for row in rows:
    ops = row["operations"]
    read, update = ops.get("READ"), ops.get("UPDATE")
    print(f"| {row['round']} | {row['workload'].upper()} | {row['throughput_ops_s']:.0f} | {row['operations_failed']} | "
          f"{ms(read, 'p99_us')} | {ms(read, 'p99.9_us')} | {ms(update, 'p99_us')} | {ms(update, 'p99.9_us')} |")
print()
print("| median | ops/s | read p99 | read p99.9 | update p99 | update p99.9 |")
print("|---|---|---|---|---|---|")
for workload in "abc":
    mine = [r for r in rows if r["workload"] == workload]
    def med(op, field):
        values = [r["operations"][op][field] for r in mine if op in r["operations"]]
        return f"{statistics.median(values) / 1000:.2f}" if values else "-"
    print(f"| {workload.upper()} | {statistics.median(r['throughput_ops_s'] for r in mine):.0f} | {med('READ', 'p99_us')} | "
          f"{med('READ', 'p99.9_us')} | {med('UPDATE', 'p99_us')} | {med('UPDATE', 'p99.9_us')} |")
PY
