#!/usr/bin/env bash
# Micro-benchmarks of the hot paths (Benchmarks/, package-benchmark): the GyreWire codec, DVVSet
# sync and encoding, a client Put and Get through a 3-node in-memory pipeline, one RocksDB update.
# Never run by the tests or CI. Takes about 3 minutes from a fresh clone (resolving and building
# included), 1.5 once built.
#
# Run it holding the build lock, so no build shares the two cores with the measurement:
#   flock /tmp/gyre-build.lock scripts/bench/micro-bench.sh
# (the script's own builds then run inside that lock; never take the lock inside).
#
# What it does:
#   1. builds Benchmarks/ in release (its own .build: Benchmarks/.build);
#   2. runs the package-benchmark suite into the baseline "current" (wall clock, mallocs and
#      throughput per operation; instructions too where the CPU's counters can be read, which
#      this project's machines cannot: package-benchmark then leaves that metric out);
#   3. counts instructions per operation with callgrind: `gyre-micro-ops run NAME K` and `... 2K`
#      under `valgrind --tool=callgrind`, (Ir(2K) - Ir(K)) / K, so setup, warm-up and exit cancel
#      out (repeatable to well under 1%; SWIFT_DETERMINISTIC_HASHING=1 keeps hashing the same);
#   4. writes Benchmarks/results/<UTC time>-<commit>.md: a summary table (instructions with their
#      change against the previous latest.tsv, mallocs, wall clock, throughput), package-benchmark's
#      tables, and its comparison with the committed baseline "latest";
#   5. makes that run the new reference: results/latest.md, results/latest.tsv and the baseline
#      "latest" (Benchmarks/.benchmarkBaselines/<Target>/latest/), to be committed with the change.
#
# Env:
#   MICRO_BENCH_CALLGRIND=1         0: skip the callgrind instruction counts
#   MICRO_BENCH_ITERATIONS=1000     K, the iterations of the shorter callgrind run
#   MICRO_BENCH_UPDATE_LATEST=1     0: write the run's file but keep latest.* and the baseline "latest"
#   TMPDIR=/tmp                     where the RocksDB benchmarks put their store (its filesystem
#                                   decides what an fsync costs)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

use_callgrind=${MICRO_BENCH_CALLGRIND:-1}
iterations=${MICRO_BENCH_ITERATIONS:-1000}
update_latest=${MICRO_BENCH_UPDATE_LATEST:-1}

ensure_swift_on_path
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev python3
if [ "$use_callgrind" = 1 ]; then ensure_apt_packages valgrind binutils; fi

cd Benchmarks
results=$top/Benchmarks/results
mkdir -p "$results"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-micro-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- Sources Package.swift Benchmarks/Sources Benchmarks/Benchmarks 2>/dev/null ||
  commit="$commit+changes"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$results/$stamp-$commit.md

# package-benchmark prints its build steps and warnings on stdout before the tables.
benchmark() { swift package --allow-writing-to-package-directory benchmark "$@" --no-progress; }
tables() { sed -n '/^\(##\|<details>\)/,$p'; }

echo "micro-bench: building (release)" >&2
swift build -c release --product gyre-micro-ops >&2
echo "micro-bench: package-benchmark suite -> baseline 'current'" >&2
benchmark baseline update current >&2
benchmark baseline read current --format markdown --path stdout | tables >"$tmp/current.md"
compare_note="no baseline 'latest' yet: nothing to compare with"
if compgen -G ".benchmarkBaselines/*/latest" >/dev/null; then
  if benchmark baseline compare latest current --format markdown --path stdout >"$tmp/compare.raw"; then
    compare_note="within package-benchmark's default thresholds of the baseline 'latest'"
  else
    compare_note="package-benchmark reports changes beyond its default thresholds (see below)"
  fi
  tables <"$tmp/compare.raw" >"$tmp/compare.md"
fi

: >"$tmp/instructions.tsv"
if [ "$use_callgrind" = 1 ]; then
  # valgrind 3.19 cannot read the DWARF 5 of Swift 6 binaries: count on a copy without it.
  strip --strip-debug -o "$tmp/gyre-micro-ops" .build/release/gyre-micro-ops
  ir() {
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$tmp/gyre-micro-ops" run "$1" "$2" 2>&1 | sed -n 's/^==[0-9]*== Collected : //p'
  }
  while IFS= read -r name; do
    echo "micro-bench: callgrind: $name" >&2
    short=$(ir "$name" "$iterations")
    long=$(ir "$name" $((2 * iterations)))
    [ -n "$short" ] && [ -n "$long" ] || { echo "micro-bench: callgrind failed for $name" >&2; exit 1; }
    printf '%s\t%s\n' "$name" $(((long - short) / iterations)) >>"$tmp/instructions.tsv"
  done < <("$tmp/gyre-micro-ops" list)
fi

previous=$results/latest.tsv
[ -f "$previous" ] || previous=/dev/null
python3 - "$tmp" "$previous" "$stamp" "$commit" "$iterations" "$compare_note" >"$out" <<'PY'
import re, sys
tmp, previous, stamp, commit, iterations, compare_note = sys.argv[1:]
rows = lambda path: [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
instructions = {name: int(count) for name, count in rows(f"{tmp}/instructions.tsv")}
before = {r[0]: int(r[1]) for r in rows(previous) if len(r) > 1 and r[1].isdigit()}
# The p50 column of package-benchmark's tables ("### name", then "| Metric (unit) * | p0 | p25 | p50 |").
current = open(f"{tmp}/current.md").read()
p50 = {}
for section in re.split(r"^### ", current, flags=re.M)[1:]:
    name, _, body = section.partition("\n")
    for row in body.splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) > 3 and cells[3].isdigit():
            p50[(name.strip(), cells[0].split(" (")[0])] = int(cells[3])
names = list(dict.fromkeys(list(instructions) + [name for name, _ in p50]))
table, tsv = [], ["benchmark\tinstructions\tmallocs_p50\twall_ns_p50"]
for name in names:
    count, mallocs, wall = instructions.get(name), p50.get((name, "Malloc")), p50.get((name, "Time"))
    change = f"{(count - before[name]) * 100 / before[name]:+.1f}%" if count and before.get(name) else ""
    show = lambda value: "" if value is None else f"{value:,}"
    rate = f"{round(1e9 / wall):,}" if wall else ""
    table.append(f"| {name} | {show(count)} | {change} | {show(mallocs)} | {show(wall)} | {rate} |")
    tsv.append("\t".join([name] + ["" if v is None else str(v) for v in (count, mallocs, wall)]))
open(f"{tmp}/latest.tsv", "w").write("\n".join(tsv) + "\n")
print(f"# Micro-benchmarks, {stamp}, commit {commit}\n")
print("Made by `scripts/bench/micro-bench.sh` (see Benchmarks/README.md). Per operation. Instructions:")
if instructions:
    print(f"callgrind, (Ir at {2 * int(iterations)} iterations - Ir at {iterations}) / {iterations}; change: against the")
    print("previous results/latest.tsv. Mallocs and wall clock: package-benchmark's p50; ops/s = 1e9 / wall p50.\n")
else:
    print("not counted (MICRO_BENCH_CALLGRIND=0). Mallocs and wall clock: package-benchmark's p50.\n")
print("| benchmark | instructions | change | mallocs | wall ns | ops/s |")
print("|:--|--:|--:|--:|--:|--:|")
print("\n".join(table))
print(f"\nAgainst the baseline 'latest': {compare_note}.\n")
print("## package-benchmark: this run, every percentile\n")
print(current)
print("## package-benchmark: the baseline 'latest' against this run\n")
try:
    print(open(f"{tmp}/compare.md").read())
except FileNotFoundError:
    print("(no baseline 'latest' to compare with)")
PY

if [ "$update_latest" = 1 ]; then
  cp "$out" "$results/latest.md"
  cp "$tmp/latest.tsv" "$results/latest.tsv"
  # package-benchmark has no "copy baseline": move the files (<Target>/<name>/results.json).
  for dir in .benchmarkBaselines/*/current; do
    rm -rf "${dir%/current}/latest"
    mv "$dir" "${dir%/current}/latest"
    sed -i '0,/"baselineName":"current"/s//"baselineName":"latest"/' "${dir%/current}/latest/results.json"
  done
else
  rm -rf .benchmarkBaselines/*/current
fi
echo "micro-bench: wrote ${out#"$top"/}" >&2
sed -n '1,/^Against/p' "$out"
