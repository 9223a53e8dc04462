#!/usr/bin/env bash
# The GyreClient SDK's cost per call: one release gyre-node (in-memory engine, one event loop),
# one request in flight, Get of one existing key, measured three ways in alternating rounds:
#   h2load      raw HTTP/2 (nghttp2's load tool, a fixed gRPC body): the floor
#   raw-client  gyre-bench run: the GyreHTTP2 client with a hand-encoded request, no SDK
#   sdk         gyre-bench ycsb (workload C, one record): GyreClient.get, with routing, decoding
#               and its async call path
# Prints req/s and mean latency per round and the medians; the SDK's overhead is its mean latency
# minus h2load's. Never run by the tests.
#
# Run it holding the build lock: flock /tmp/gyre-build.lock scripts/bench/client-overhead-bench.sh
# Env: BENCH_SECONDS=5  BENCH_ROUNDS=3  BENCH_BUILD=1 (0: use the release binaries as they are)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
# shellcheck source=scripts/lib/processes.sh
source scripts/lib/processes.sh
# shellcheck source=scripts/lib/bench.sh
source scripts/lib/bench.sh

secs=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
ensure_apt_packages nghttp2-client
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"
release_binaries gyre-node gyre-bench
bench_workspace gyre-client-overhead

start_gyre_nodes 1 "$tmp" "$bin/gyre-node" --replicas 1 --read-quorum 1 --write-quorum 1 --threads 1 \
  --log-level warning --engine memory
addr=${gyre_addrs[0]}
# The one key every way reads: bench/0 (h2load's body and gyre-bench run) and ovh/0 (ycsb).
"$bin/gyre-bench" run --addresses "$addr" --op get --keys 1 --preload --duration 0 --concurrency 1 --connections 1 >/dev/null
"$bin/gyre-bench" ycsb --seeds "$addr" --workload c --phase load --records 1 --key-prefix ovh --concurrency 1 >/dev/null
"$top/.venv/bin/python" "$top/scripts/bench/grpc_tool.py" body gyre-get "$tmp/get.bin" --key bench/0

results=$tmp/results.tsv
: >"$results"
for ((r = 1; r <= rounds; r++)); do
  out=$(h2load -c1 -m1 -D "$secs" --warm-up-time 1 -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$tmp/get.bin" "http://$addr/gyre.v1.KV/Get")
  rps=$(awk '/finished in/ {for (i = 1; i <= NF; i++) if ($i ~ /req\/s/) print $(i-1)}' <<<"$out" | tr -d ',')
  mean=$(awk '/time for request:/ {print $6}' <<<"$out")
  printf 'h2load\t%s\t%s\t%s\n' "$r" "$rps" "$mean" >>"$results"

  out=$("$bin/gyre-bench" run --addresses "$addr" --op get --keys 1 --concurrency 1 --connections 1 --duration "$secs" --warmup 1 | tail -1)
  python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("raw-client\t%s\t%.1f\t%.1fus" % (sys.argv[1], r["ops_per_s"], r["mean_ms"] * 1000))' "$r" <<<"$out" >>"$results"

  out=$("$bin/gyre-bench" ycsb --seeds "$addr" --workload c --phase run --records 1 --key-prefix ovh --concurrency 1 \
    --duration "$secs" | tail -1)
  python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("sdk\t%s\t%.1f\t%.1fus" % (sys.argv[1], r["throughput_ops_s"], r["operations"]["READ"]["mean_us"]))' "$r" <<<"$out" >>"$results"
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
def us(text):
    text = text.strip()
    for unit, scale in (("us", 1), ("ms", 1000), ("s", 1e6)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)
print("# one gyre-node (in-memory, 1 event loop), Get of one key, 1 request in flight")
print("| round | way | req/s | mean µs |")
print("|---|---|---|---|")
for way, r, rps, mean in rows:
    print(f"| {r} | {way} | {float(rps):.0f} | {us(mean):.1f} |")
med = {way: statistics.median(us(m) for w, _, _, m in rows if w == way) for way in ("h2load", "raw-client", "sdk")}
print()
for way in ("h2load", "raw-client", "sdk"):
    print(f"median {way}: {med[way]:.1f} µs")
print(f"SDK overhead per call over raw HTTP/2: {med['sdk'] - med['h2load']:+.1f} µs; over the raw GyreHTTP2 client: {med['sdk'] - med['raw-client']:+.1f} µs")
PY
