#!/usr/bin/env bash
# Coverage-guided fuzzing of Gyre's parsers with libFuzzer (README.md, "Fuzzing").
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Installs what it needs, builds the fuzz package (Fuzz/) with the toolchain's libFuzzer and
# AddressSanitizer, then runs each TARGET (default: all) for SECONDS (default 60) on a working
# copy of its committed seed corpus (Fuzz/Corpus/TARGET). Inputs that reach new code are kept
# in .build-fuzz/work/TARGET/corpus (gitignored) for the next run. Prints, per target, the
# executions, executions per second, time taken and crashes; exits non-zero when any target
# crashed, timed out or ran out of memory, after printing the path of the input that did it.
# Does not take the build lock itself: run it under `flock /tmp/gyre-build.lock` like any build.
#
# How the build works (checked with Swift 6.3.1 on Linux): `-sanitize=fuzzer,address` goes to
# every Swift module through -Xswiftc (the code under test must be instrumented, so it cannot be
# a per-target setting). SwiftPM links each executable target with `--defsym main=<Module>_main`,
# which hides libFuzzer's own `main`, so `-parse-as-library` alone fails to link; each target
# instead has an `@main` that starts libFuzzer through LLVMFuzzerRunDriver (Fuzz/Sources/
# CFuzzDriver). Products are built one by one (`--product`): the seed generator FuzzSeeds is
# a plain program and is built apart, without these flags.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

all_targets=(FuzzDeframer FuzzRequestHead FuzzWire FuzzVersionSet FuzzServerSession)
seconds=${1:-60}
shift || true
targets=("$@")
[ "${#targets[@]}" -eq 0 ] && targets=("${all_targets[@]}")
case $seconds in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]; targets: ${all_targets[*]}" >&2; exit 2 ;;
esac
for target in "${targets[@]}"; do
  if [ ! -d "Fuzz/Sources/$target" ] || [ "$target" = FuzzSeeds ] || [ "$target" = FuzzSupport ]; then
    echo "fuzz: unknown target $target; targets: ${all_targets[*]}" >&2
    exit 2
  fi
done

ensure_swift_on_path
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev

scratch="$top/.build-fuzz"
flags=(--package-path Fuzz --scratch-path "$scratch" -c release -Xswiftc "-sanitize=fuzzer,address")
for target in "${targets[@]}"; do
  echo "fuzz: building $target" >&2
  swift build "${flags[@]}" --product "$target" >&2
done
bin_dir=$(swift build "${flags[@]}" --show-bin-path)

# Swift's crash backtracer fights AddressSanitizer; without it a failed check traps and
# libFuzzer reports the signal and saves the input.
export SWIFT_BACKTRACE=enable=no
failed=0
summary=()
for target in "${targets[@]}"; do
  work="$scratch/work/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -p "Fuzz/Corpus/$target"/* "$work/corpus/"
  before=$(find "$work/artifacts" -type f | wc -l)
  log="$work/last-run.log"
  echo "fuzz: running $target for ${seconds}s (log: $log)" >&2
  start=$(date +%s%N)
  status=0
  (cd "$work" && "$bin_dir/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" corpus) >"$log" 2>&1 || status=$?
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=$(( $(find "$work/artifacts" -type f | wc -l) - before ))
  [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
  summary+=("$(printf '%-18s %12s runs %9s exec/s %6d.%d s  crashes: %d' "$target" "${runs:-?}" "${rate:-?}" \
    $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) "$crashes")")
  if [ "$crashes" -gt 0 ]; then
    failed=1
    echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
    tail -n 40 "$log" >&2
    grep -h 'Test unit written to' "$log" | sed 's/^.*Test unit written to /fuzz: crashing input: /' >&2 || true
  fi
done

printf '\n%s\n' "fuzz results (${seconds}s per target):"
printf '%s\n' "${summary[@]}"
exit "$failed"
