#!/usr/bin/env bash
# Benchmark: a 3-node Gyre cluster (N=3, R=W=2) against a 3-member etcd cluster, both on loopback,
# driven by ONE load generator (gyre-bench) with one key pattern and the same concurrency,
# alternating systems, several rounds. Never run by the tests.
# Takes about ROUNDS x 4 x (WARMUP + SECONDS + ~3) s, plus start-up and preload.
#
# Run it holding the build lock, so no build shares the two cores with the measurement:
#   flock /tmp/gyre-build.lock scripts/bench/cluster-bench.sh
# (the script's own `swift build` then runs inside that lock; never take the lock inside).
#
# Env:
#   BENCH_SECONDS=10        measured seconds per run, after BENCH_WARMUP=1 s of warm-up
#   BENCH_ROUNDS=2          rounds; each round runs gyre Put, gyre Get, etcd Put, etcd Range
#   BENCH_CONCURRENCY=100   calls in flight (both systems)
#   BENCH_CONNECTIONS=10    HTTP/2 connections, spread over the 3 servers (both systems)
#   BENCH_VALUE_BYTES=100   value size
#   BENCH_KEYS=10000        Get/Range keyspace, preloaded once per system before the rounds
#   BENCH_ROUTE=round-robin gyre routing: round-robin, or ring (each key to its partition's owner)
#   BENCH_CLIENT_THREADS=1  gyre-bench event-loop threads
#   BENCH_GYRE_THREADS=1    event-loop threads per gyre-node (3 nodes + etcd + client on 2 cores)
#   BENCH_ENGINE=rocksdb    gyre storage engine: rocksdb (stores under the run's temp dir) or memory
#   BENCH_SYNC=always       gyre --sync with rocksdb: always | interval:MS | none
#   BENCH_TLS=0             1: also a second Gyre cluster with TLS on both listeners (mutual TLS between
#                           nodes, TLS on the client port), measured in the same rounds ("gyre-tls"),
#                           and the TLS/plain ratios printed
#   BENCH_BASELINE_BIN=PATH another gyre-node binary (an older build): a third cluster ("gyre-base") with the
#                           same settings, measured in the same rounds next to "gyre" (each goes first in
#                           every other round), and the
#                           gyre/gyre-base ratios printed (a change's regression check)
#   BENCH_BUILD=1           swift build -c release of gyre-node and gyre-bench first (0: as they are)
#   BENCH_OUT=DIR           where the summary goes (default: bench-results/, gitignored)
#
# Method (the conventions of h2load-bench.sh):
#   - Servers not being measured are paused (SIGSTOP) for the whole run, so an idle etcd's raft
#     ticks and fsyncs cannot steal CPU from Gyre, and the other way round. After etcd is resumed
#     it is pinged (a linearizable Range) until it has a leader again, outside the window.
#   - Server CPU per op: gyre-bench reads utime+stime of the 3 measured servers from /proc at the
#     start and end of the measured window and divides by the OK calls completed in it.
#   - gyre-bench checks every response's grpc-status and every OK body (Put: exactly one value,
#     so the key was fresh; Get/Range: exactly the bench value).
#   - Around each gyre run every node's Cluster/Stats is read: the sum of rpc.KV.<Op>.OK must equal
#     the OK calls gyre-bench counted, replica calls per client op must be >= N-1 = 2, and no
#     error counter may grow. "rpc/op" is node-to-node HTTP/2 calls per client op: coordinators
#     batch the replica calls for one peer from one event-loop pass into one Replica.Batch.
#   - Every process is stopped by PID (TERM, then KILL after 5 s) on exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

secs=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-1}
rounds=${BENCH_ROUNDS:-2}
concurrency=${BENCH_CONCURRENCY:-100}
connections=${BENCH_CONNECTIONS:-10}
value_bytes=${BENCH_VALUE_BYTES:-100}
keys=${BENCH_KEYS:-10000}
route=${BENCH_ROUTE:-round-robin}
client_threads=${BENCH_CLIENT_THREADS:-1}
gyre_threads=${BENCH_GYRE_THREADS:-1}
engine=${BENCH_ENGINE:-rocksdb}
sync_mode=${BENCH_SYNC:-always}
with_tls=${BENCH_TLS:-0}
baseline_bin=${BENCH_BASELINE_BIN:-}
out_dir=${BENCH_OUT:-$top/bench-results}

ensure_apt_packages etcd-server procps util-linux
ensure_python3
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  ensure_swift_on_path
  ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler
  echo "bench: swift build -c release --product gyre-node / gyre-bench" >&2
  swift build -c release --product gyre-node
  swift build -c release --product gyre-bench
fi
bin_dir=$top/.build/release
gyre_node=$bin_dir/gyre-node
bench=$bin_dir/gyre-bench
for b in "$gyre_node" "$bench"; do
  [ -x "$b" ] || { echo "bench: $b not found (run with BENCH_BUILD=1)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-cluster-bench.XXXXXX")
pids=()
gyre_pids=()
gyre_tls_pids=()
gyre_base_pids=()
etcd_pids=()
# shellcheck source=scripts/lib/processes.sh
source "$top/scripts/lib/processes.sh"
# shellcheck source=scripts/lib/bench.sh
source "$top/scripts/lib/bench.sh"
cleanup() {
  stop_pids "${pids[@]}"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pause() { local p; for p in "$@"; do kill -STOP "$p" 2>/dev/null || true; done; }
resume_all() { local p; for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; done; }
csv() { local IFS=,; echo "$*"; }

# ---------------------------------------------------------------- Gyre: 3 nodes
gyre_addrs=()
gyre_peers=()
for i in 0 1 2; do
  gyre_addrs+=("127.0.0.1:$(free_port)")
  gyre_peers+=("127.0.0.1:$(free_port)")
done
for i in 0 1 2; do
  start gyre_pids "$tmp/gyre-$i" "$gyre_node" --listen "${gyre_addrs[$i]}" --peer-listen "${gyre_peers[$i]}" \
    --peers "$(csv "${gyre_peers[@]}")" --replicas 3 --read-quorum 2 --write-quorum 2 \
    --threads "$gyre_threads" --log-level warning --engine "$engine" --data-dir "$tmp/gyre-$i.data" --sync "$sync_mode"
done
for i in 0 1 2; do
  for ((n = 0; n < 300; n++)); do
    grep -q '^gyre-node serving on ' "$tmp/gyre-$i.out" && break
    kill -0 "${gyre_pids[$i]}" 2>/dev/null || { tail "$tmp/gyre-$i.err" >&2; echo "bench: gyre-node $i exited" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^gyre-node serving on ' "$tmp/gyre-$i.out" || { echo "bench: gyre-node $i not ready after 30 s" >&2; exit 1; }
done
gy=$(csv "${gyre_addrs[@]}")
"$bench" ring --addresses "$gy" --wait 60 >"$tmp/ring.txt"
"$bench" ping --target gyre --addresses "$gy" --wait 30 >&2

# ---------------------------------------------------------------- Gyre over TLS: 3 more nodes
tls_args=()
if [ "$with_tls" = 1 ]; then
  scripts/gen-certs.sh "$tmp/certs" n0 n1 n2 >/dev/null
  tls_args=(--tls-ca "$tmp/certs/ca.pem")
  gyre_tls_addrs=()
  gyre_tls_peers=()
  for i in 0 1 2; do
    gyre_tls_addrs+=("127.0.0.1:$(free_port)")
    gyre_tls_peers+=("127.0.0.1:$(free_port)")
  done
  for i in 0 1 2; do
    start gyre_tls_pids "$tmp/gyre-tls-$i" "$gyre_node" --listen "${gyre_tls_addrs[$i]}" --peer-listen "${gyre_tls_peers[$i]}" \
      --peers "$(csv "${gyre_tls_peers[@]}")" --replicas 3 --read-quorum 2 --write-quorum 2 \
      --threads "$gyre_threads" --log-level warning --engine "$engine" --data-dir "$tmp/gyre-tls-$i.data" --sync "$sync_mode" \
      --node-name "n$i" --tls-cert "$tmp/certs/n$i.pem" --tls-key "$tmp/certs/n$i.key" --tls-ca "$tmp/certs/ca.pem" --client-tls on
  done
  for i in 0 1 2; do
    for ((n = 0; n < 300; n++)); do
      grep -q '^gyre-node serving on ' "$tmp/gyre-tls-$i.out" && break
      kill -0 "${gyre_tls_pids[$i]}" 2>/dev/null || { tail "$tmp/gyre-tls-$i.err" >&2; echo "bench: gyre-node (TLS) $i exited" >&2; exit 1; }
      sleep 0.1
    done
  done
  gyt=$(csv "${gyre_tls_addrs[@]}")
  "$bench" ring --addresses "$gyt" "${tls_args[@]}" --wait 60 >/dev/null
  "$bench" ping --target gyre --addresses "$gyt" "${tls_args[@]}" --wait 30 >&2
fi

# ---------------------------------------------------------------- Gyre baseline: 3 nodes of another binary
if [ -n "$baseline_bin" ]; then
  [ -x "$baseline_bin" ] || { echo "bench: BENCH_BASELINE_BIN $baseline_bin is not executable" >&2; exit 1; }
  gyre_base_addrs=()
  gyre_base_peers=()
  for i in 0 1 2; do
    gyre_base_addrs+=("127.0.0.1:$(free_port)")
    gyre_base_peers+=("127.0.0.1:$(free_port)")
  done
  for i in 0 1 2; do
    start gyre_base_pids "$tmp/gyre-base-$i" "$baseline_bin" --listen "${gyre_base_addrs[$i]}" \
      --peer-listen "${gyre_base_peers[$i]}" --peers "$(csv "${gyre_base_peers[@]}")" --replicas 3 --read-quorum 2 \
      --write-quorum 2 --threads "$gyre_threads" --log-level warning --engine "$engine" \
      --data-dir "$tmp/gyre-base-$i.data" --sync "$sync_mode"
  done
  for i in 0 1 2; do
    for ((n = 0; n < 300; n++)); do
      grep -q '^gyre-node serving on ' "$tmp/gyre-base-$i.out" && break
      kill -0 "${gyre_base_pids[$i]}" 2>/dev/null || { tail "$tmp/gyre-base-$i.err" >&2; echo "bench: baseline gyre-node $i exited" >&2; exit 1; }
      sleep 0.1
    done
  done
  gyb=$(csv "${gyre_base_addrs[@]}")
  "$bench" ring --addresses "$gyb" --wait 60 >/dev/null
  "$bench" ping --target gyre --addresses "$gyb" --wait 30 >&2
fi

# ---------------------------------------------------------------- etcd: 3 members
etcd_addrs=()
etcd_peer_ports=()
initial=""
for i in 0 1 2; do
  etcd_addrs+=("127.0.0.1:$(free_port)")
  etcd_peer_ports+=("$(free_port)")
  initial+="${initial:+,}e$i=http://127.0.0.1:${etcd_peer_ports[$i]}"
done
for i in 0 1 2; do
  start etcd_pids "$tmp/etcd-$i" etcd --name "e$i" --data-dir "$tmp/etcd-$i.data" \
    --listen-client-urls "http://${etcd_addrs[$i]}" --advertise-client-urls "http://${etcd_addrs[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${etcd_peer_ports[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer_ports[$i]}" \
    --initial-cluster "$initial" --initial-cluster-token gyre-cluster-bench --initial-cluster-state new \
    --logger zap --log-outputs stderr
done
for i in 0 1 2; do wait_port "${etcd_addrs[$i]##*:}" 30 "${etcd_pids[$i]}"; done
ec=$(csv "${etcd_addrs[@]}")
"$bench" ping --target etcd --addresses "$ec" --wait 60 >&2

# ---------------------------------------------------------------- preload the Get keyspace
common=(--concurrency "$concurrency" --connections "$connections" --value-bytes "$value_bytes" --keys "$keys"
  --threads "$client_threads")
echo "bench: preloading $keys keys get/0..<$keys in each system" >&2
"$bench" run --target gyre --addresses "$gy" --op get --key-prefix get --preload --duration 0 "${common[@]}" \
  | head -2 >&2
if [ "$with_tls" = 1 ]; then
  "$bench" run --target gyre --addresses "$gyt" "${tls_args[@]}" --op get --key-prefix get --preload --duration 0 \
    "${common[@]}" | head -2 >&2
fi
if [ -n "$baseline_bin" ]; then
  "$bench" run --target gyre --addresses "$gyb" --op get --key-prefix get --preload --duration 0 "${common[@]}" \
    | head -2 >&2
fi
"$bench" run --target etcd --addresses "$ec" --op get --key-prefix get --preload --duration 0 "${common[@]}" \
  | head -2 >&2

# ---------------------------------------------------------------- runs
results=$tmp/results.jsonl
: >"$results"
failed=0

# run_one SYSTEM OP ROUND
run_one() {
  local system=$1 op=$2 round=$3 addrs measured=() others=() prefix out=$tmp/$1-$2-$3 rc=0 extra=() target=$1 tls=()
  case $system in
    gyre)
      addrs=$gy; measured=("${gyre_pids[@]}"); others=("${etcd_pids[@]}" "${gyre_tls_pids[@]}" "${gyre_base_pids[@]}")
      extra=(--route "$route") ;;
    gyre-tls)
      target=gyre; tls=("${tls_args[@]}")
      addrs=$gyt; measured=("${gyre_tls_pids[@]}"); others=("${etcd_pids[@]}" "${gyre_pids[@]}" "${gyre_base_pids[@]}")
      extra=(--route "$route") ;;
    gyre-base)
      target=gyre
      addrs=$gyb; measured=("${gyre_base_pids[@]}"); others=("${etcd_pids[@]}" "${gyre_pids[@]}" "${gyre_tls_pids[@]}")
      extra=(--route "$route") ;;
    *)
      addrs=$ec; measured=("${etcd_pids[@]}"); others=("${gyre_pids[@]}" "${gyre_tls_pids[@]}" "${gyre_base_pids[@]}") ;;
  esac
  if [ "$op" = put ]; then prefix="put-r$round"; else prefix="get"; fi
  resume_all
  # Outside the window: the measured system answers (etcd re-elects after a pause).
  "$bench" ping --target "$target" --addresses "$addrs" "${tls[@]}" --wait 30 >/dev/null
  [ "$target" = gyre ] && "$bench" stats --addresses "$addrs" "${tls[@]}" >"$out.before.json"
  pause "${others[@]}"
  timeout $((secs + warmup + 60)) "$bench" run --target "$target" --addresses "$addrs" "${tls[@]}" --op "$op" \
    --duration "$secs" --warmup "$warmup" --key-prefix "$prefix" --cpu-pids "$(csv "${measured[@]}")" \
    "${common[@]}" "${extra[@]}" >"$out.txt" 2>&1 || rc=$?
  resume_all
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "bench: gyre-bench failed ($rc) on $system $op round $round:" >&2; tail -5 "$out.txt" >&2
    failed=1
    return
  fi
  [ "$rc" -eq 3 ] && failed=1
  sed 's/^/bench: /' "$out.txt" | grep -v '^bench: {' >&2
  if [ "$target" = gyre ]; then
    "$bench" stats --addresses "$addrs" "${tls[@]}" >"$out.after.json"
    python3 scripts/bench/cluster_report.py check "$system" "$op" "$round" "$out.txt" \
      "$out.before.json" "$out.after.json" >>"$results"
  else
    python3 scripts/bench/cluster_report.py check "$system" "$op" "$round" "$out.txt" >>"$results"
  fi
  case $(tail -1 "$results") in *'"check": "ok"'*) ;; *) failed=1 ;; esac
}

echo "bench: $rounds rounds x (gyre put, gyre get, etcd put, etcd range) x ($warmup + $secs) s" >&2
# With a baseline, the two builds take turns going first (gyre first in odd rounds, gyre-base
# first in even ones), so neither always runs on the machine the other just warmed or loaded.
for ((r = 1; r <= rounds; r++)); do
  for op in put get; do
    if [ -n "$baseline_bin" ] && ((r % 2 == 0)); then
      run_one gyre-base "$op" "$r"
      run_one gyre "$op" "$r"
    else
      run_one gyre "$op" "$r"
      [ -n "$baseline_bin" ] && run_one gyre-base "$op" "$r"
    fi
    [ "$with_tls" = 1 ] && run_one gyre-tls "$op" "$r"
  done
  run_one etcd put "$r"
  run_one etcd get "$r"
done

mkdir -p "$out_dir"
summary=$out_dir/cluster-$(date +%Y%m%d-%H%M%S).txt
{
  echo "# gyre-bench: concurrency $concurrency over $connections HTTP/2 connections (both systems), $value_bytes-byte"
  echo "# values, Put of fresh keys, Get/Range of $keys preloaded keys, $warmup s warm-up + $secs s per run,"
  echo "# $rounds rounds alternating; $client_threads client thread(s); $(nproc) cores; servers not measured SIGSTOPped."
  if [ "$engine" = rocksdb ]; then
    echo "# Gyre: 3 nodes on loopback, N=3 R=2 W=2, storage: RocksDB under ${TMPDIR:-/tmp} with --sync $sync_mode"
    echo "#   (always: a write is acked after its WAL fsync, group-committed), $gyre_threads event-loop thread(s) per node, routing $route"
  else
    echo "# Gyre: 3 nodes on loopback, N=3 R=2 W=2, storage: in-memory engine (nothing on disk, no fsync),"
    echo "#   $gyre_threads event-loop thread(s) per node, routing $route"
  fi
  echo "#   (with S = N = 3 every node is in every preference list: no forwarding, kv.forwarded checked)."
  [ -n "$baseline_bin" ] && echo "# gyre-base: the same 3 nodes' setup running $baseline_bin (the baseline build)."
  [ "$with_tls" = 1 ] && echo "# gyre-tls: the same 3 nodes' setup with mutual TLS between nodes and TLS on the client port (ECDSA P-256, TLS 1.3)."
  echo "# etcd: $(etcd --version | head -1 | sed 's/etcd Version: //'), 3 members on loopback, data dirs under ${TMPDIR:-/tmp}"
  echo "#   (WAL fsync per commit, its default); Put = KV/Put, Range = linearizable KV/Range; connections"
  echo "#   spread over all 3 members like clientv3's round-robin balancer (followers forward to the leader)."
  echo
  cat "$tmp/ring.txt"
  echo
  python3 scripts/bench/cluster_report.py table "$results"
} | tee "$summary"
cp "$results" "${summary%.txt}.jsonl"
echo "bench: summary in $summary" >&2
exit "$failed"
