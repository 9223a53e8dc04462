#!/usr/bin/env bash
# Dynamo's Table 2, reproduced: client-routed requests (GyreClient sends each key to a node of its
# preference list) against requests sent to a random node (which forwards when it holds no
# replica), on 5 nodes with N=3, R=W=2, RocksDB --sync always, with a per-hop delay. Prints mean
# and p99.9 of reads and writes side by side, per round and the medians. Never run by the tests.
#
# The delay is added in userspace (this kernel has no netem): every node-to-node call and its
# answer wait BENCH_HOP_DELAY_MS each (gyre-node --bench-peer-delay-ms), and so does every client
# call and its answer (gyre-bench ycsb --hop-delay-ms): each hop costs 2 x the delay round trip.
#
# Run it holding the build lock: flock /tmp/gyre-build.lock scripts/bench/routing-bench.sh
# Env:
#   BENCH_HOP_DELAY_MS=2    one-way delay of every hop, ms
#   BENCH_ROUNDS=3          rounds; each runs client routing, then random-node routing
#   BENCH_SECONDS=15        seconds per run
#   BENCH_RATE=400          open-loop operations per second (latency counts from when each was due)
#   BENCH_CONCURRENCY=64    tasks issuing them
#   BENCH_RECORDS=10000     records loaded once before the rounds
#   BENCH_WORKLOAD=a        YCSB workload (a: 50 % read, 50 % update)
#   BENCH_NODES=5           nodes
#   BENCH_ENGINE=rocksdb    storage engine (memory: no disk, to tell storage stalls from the rest)
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

delay=${BENCH_HOP_DELAY_MS:-2}
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-15}
rate=${BENCH_RATE:-400}
concurrency=${BENCH_CONCURRENCY:-64}
records=${BENCH_RECORDS:-10000}
workload=${BENCH_WORKLOAD:-a}
nodes=${BENCH_NODES:-5}
engine=${BENCH_ENGINE:-rocksdb}

release_binaries gyre-node gyre-bench gyre
bench_workspace gyre-routing-bench

start_gyre_nodes "$nodes" "$tmp" "$bin/gyre-node" --replicas 3 --read-quorum 2 --write-quorum 2 --threads 1 \
  --log-level warning --engine "$engine" --sync always --bench-peer-delay-ms "$delay"
seeds=$(IFS=,; echo "${gyre_addrs[*]}")

forwarded() {
  local total=0 a n
  for a in "${gyre_addrs[@]}"; do
    n=$("$bin/gyre" stats --seeds "$seeds" --node "$a" --prefix kv.forwarded --json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"].get("kv.forwarded", 0))')
    total=$((total + n))
  done
  echo "$total"
}

echo "bench: loading $records records" >&2
"$bin/gyre-bench" ycsb --seeds "$seeds" --workload "$workload" --phase load --records "$records" --concurrency 32 \
  --key-prefix table2 >"$tmp/load.txt" || { cat "$tmp/load.txt" >&2; echo "bench: the load phase failed" >&2; exit 1; }

results=$tmp/results.jsonl
for ((r = 1; r <= rounds; r++)); do
  for routing in preference-list any-node; do
    before=$(forwarded)
    "$bin/gyre-bench" ycsb --seeds "$seeds" --workload "$workload" --phase run --records "$records" \
      --key-prefix table2 --duration "$secs" --target-rate "$rate" --concurrency "$concurrency" \
      --routing "$routing" --hop-delay-ms "$delay" --seed "$r" --report "$tmp/run.json" >/dev/null
    after=$(forwarded)
    python3 - "$tmp/run.json" "$r" "$((after - before))" >>"$results" <<'PY'
import json, sys
report = json.loads(open(sys.argv[1]).read().splitlines()[-1])
report["round"] = int(sys.argv[2])
report["forwarded"] = int(sys.argv[3])
print(json.dumps(report))
PY
    echo "bench: round $r $routing done (forwarded $((after - before)))" >&2
  done
done

python3 - "$results" "$delay" "$nodes" "$rate" "$secs" "$workload" "$engine" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
delay, nodes, rate, secs, workload, engine = sys.argv[2:]
storage = "RocksDB --sync always" if engine == "rocksdb" else f"{engine} engine"
print(f"# Dynamo Table 2 on Gyre: {nodes} nodes, N=3 R=W=2, {storage}, hop delay {delay} ms each way")
print(f"# YCSB {workload.upper()}, open loop {rate} ops/s for {secs} s per run; latency in ms from when each op was due")
print()
print("| round | routing | reads mean | reads p99.9 | writes mean | writes p99.9 | ops ok | failed | forwarded |")
print("|---|---|---|---|---|---|---|---|---|")
def ms(us): return f"{us / 1000:.2f}"
for row in rows:
    ops = row["operations"]
    read, write = ops.get("READ", {}), ops.get("UPDATE", ops.get("READ-MODIFY-WRITE", ops.get("INSERT", {})))
    print(f"| {row['round']} | {row['routing']} | {ms(read.get('mean_us', 0))} | {ms(read.get('p99.9_us', 0))} | "
          f"{ms(write.get('mean_us', 0))} | {ms(write.get('p99.9_us', 0))} | {row['operations_ok']} | "
          f"{row['operations_failed']} | {row['forwarded']} |")
print()
def median(routing, op, field):
    values = [r["operations"][op][field] for r in rows if r["routing"] == routing and op in r["operations"]]
    return statistics.median(values) if values else float("nan")
write_op = "UPDATE" if any("UPDATE" in r["operations"] for r in rows) else "READ-MODIFY-WRITE"
print("| median | client-routed | random node | change |")
print("|---|---|---|---|")
for op, label in (("READ", "reads"), (write_op, "writes")):
    for field, name in (("mean_us", "mean"), ("p99.9_us", "p99.9")):
        a, b = median("preference-list", op, field), median("any-node", op, field)
        print(f"| {label} {name} | {ms(a)} ms | {ms(b)} ms | {100 * (a - b) / b:+.1f} % |")
client_forwarded = sum(r["forwarded"] for r in rows if r["routing"] == "preference-list")
random_forwarded = sum(r["forwarded"] for r in rows if r["routing"] == "any-node")
print()
print(f"kv.forwarded moved by {random_forwarded} in the random-node runs and by {client_forwarded} in the client-routed runs")
if random_forwarded == 0:
    print("bench: FAILED: the random-node runs forwarded nothing", file=sys.stderr)
    sys.exit(1)
PY
