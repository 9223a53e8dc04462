#!/usr/bin/env bash
# Micro-benchmark of the storage engines alone (no network, no node): `gyre-bench storage` in one
# process per row. Never run by the tests. Takes about 5 rows x 2 x BENCH_SECONDS s.
#
# Rows:
#   rocksdb sync none,    1 writer      puts/s and gets/s of RocksDB itself (no fsync)
#   rocksdb sync always,  1 writer      fsynced puts/s, one writer (one fsync per put)
#   rocksdb sync always,  50 writers    fsynced puts/s with group commit (walSyncs/write < 1)
#   rocksdb interval:5,   1 writer      puts acknowledged before the periodic fsync
#   memory,               1 writer      the in-memory engine, for reference
# Each row: a put phase (fresh keys, synchronous updates), then a get phase over those keys,
# with as many reader threads as writers.
#
# Env:
#   BENCH_SECONDS=5     seconds per phase
#   BENCH_VALUE_BYTES=100
#   BENCH_DIR=/tmp      where the RocksDB stores go (one new directory per row, removed after);
#                       its filesystem decides what an fsync costs
#   BENCH_BUILD=1       run `swift build -c release` first (0: use the binary as it is)
#   BENCH_OUT=DIR       where the JSON lines go (default: bench-results/, gitignored)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

secs=${BENCH_SECONDS:-5}
value_bytes=${BENCH_VALUE_BYTES:-100}
base_dir=${BENCH_DIR:-/tmp}
out_dir=${BENCH_OUT:-$top/bench-results}

if [ "${BENCH_BUILD:-1}" = 1 ]; then
  ensure_swift_on_path
  ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler util-linux
  echo "bench: swift build -c release --product gyre-bench (waits for /tmp/gyre-build.lock)" >&2
  flock /tmp/gyre-build.lock swift build -c release --product gyre-bench
fi
bench=$top/.build/release/gyre-bench
[ -x "$bench" ] || { echo "bench: $bench not found (run with BENCH_BUILD=1)" >&2; exit 1; }

mkdir -p "$out_dir"
results=$out_dir/storage-bench-$(date +%Y%m%d-%H%M%S).jsonl
tmp=$(mktemp -d "$base_dir/gyre-storage-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

row=0
run_row() { # ENGINE SYNC WRITERS
  row=$((row + 1))
  local args=(storage --engine "$1" --sync "$2" --writers "$3" --seconds "$secs" --value-bytes "$value_bytes")
  [ "$1" = rocksdb ] && args+=(--dir "$tmp/row-$row")
  echo >&2
  "$bench" "${args[@]}" | tee /dev/stderr | tail -1 >>"$results"
  rm -rf "$tmp/row-$row"
}

run_row rocksdb none 1
run_row rocksdb always 1
run_row rocksdb always 50
run_row rocksdb interval:5 1
run_row memory none 1

echo
echo "storage-bench: ${secs} s per phase, ${value_bytes}-byte values, RocksDB stores under $base_dir ($(findmnt -no FSTYPE -T "$base_dir" 2>/dev/null || echo '?'))"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"{'engine':8} {'sync':11} {'writers':>7} {'puts/s':>10} {'put p50 µs':>10} {'put p99 µs':>10} {'gets/s':>10} {'walSyncs/write':>14}")
for r in rows:
    sync = r['sync'] if r['engine'] == 'rocksdb' else '-'
    print(f"{r['engine']:8} {sync:11} {r['writers']:>7} {r['puts_per_s']:>10.0f} {r['put_p50_us']:>10.1f} {r['put_p99_us']:>10.1f} "
          f"{r['gets_per_s']:>10.0f} {r['wal_syncs_per_write']:>14.3f}")
PY
echo "(JSON lines: $results)"
