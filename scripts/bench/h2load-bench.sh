#!/usr/bin/env bash
# Benchmark: gyre-node Get/Put against nghttpd (HTTP/2 ceiling) and etcd 3.4 (a real KV), side by
# side on loopback with IDENTICAL h2load flags, alternating targets, several rounds.
# Never run by the tests. Takes about ROUNDS x 5 x (SECONDS + 2) s.
#
# Env:
#   BENCH_SECONDS=8     h2load main duration per run (-D), after 1 s of warm-up
#   BENCH_ROUNDS=2      rounds; each round runs every target once, in turn
#   BENCH_BUILD=1       run `swift build -c release` first (0: use the binary as it is)
#   BENCH_GYRE_BIN=...  gyre-node to measure (default: .build/release/gyre-node)
#   BENCH_GYRE_BASE_BIN=...  a second gyre-node (say, main's build) measured in the same rounds as
#                       target base-get, alternating with gyre-get (which goes first alternates
#                       by round); the report compares the medians (a regression: >10% worse)
#   BENCH_SKIP_GYRE=1   skip gyre (automatic, with a note, when the binary is missing)
#   BENCH_SKIP_ETCD=1   skip etcd
#   BENCH_GYRE_THREADS=1  gyre-node event-loop threads (nghttpd runs one worker)
#   BENCH_OUT=DIR       where the summary goes (default: bench-results/, gitignored)
#   BENCH_WAIT_QUIET=S  before each run, wait up to S seconds (default 0: not at all) until the
#                       machine is at least 90% idle over 2 s (with the other servers stopped):
#                       on a machine shared with builds, a run measured beside one says nothing
#
# What it checks besides speed (h2load counts HTTP 200 as success whatever grpc-status says):
#   gyre: Cluster/Stats before/after each run: rpc.KV.<Method>.OK must grow by at least h2load's
#         2xx count (it also counts the 1 s warm-up, which h2load does not), and no other counter
#         may grow; after Put runs the key reads back as the bench value.
#   etcd: the store's revision grows by at least the 2xx count over a Put run (one revision per
#         applied put); after the Put rounds, a Range finds the key with the bench value.
#   nghttpd answers a POST to a static file with 200 and the file (13 bytes).
#
# Caveats: h2load sends one fixed body, so every Put writes the same key without a context: with
# siblings that piles up siblings, then FAILED_PRECONDITION. The gyre-put row is off by default
# (BENCH_H2LOAD_PUT=1 to run it); the issue-2 Put figures were measured when a key held one
# version. Fresh-key Puts: scripts/bench/cluster-bench.sh.
# All targets share the machine with h2load (about one core at 200k req/s): compare ratios within
# one run, never absolute figures across runs.
#
# Report: per row req/s, p50 and p99 (from every request's duration in h2load's --log-file) and
# p99/p50; per round gyre's req/s over nghttpd's and its p99/p50, judged against the tail goal
# (p99 <= 3 x p50 and req/s >= 0.6 x nghttpd's, in the same round).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

secs=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-2}
warmup=1
out_dir=${BENCH_OUT:-$top/bench-results}
gyre_bin=${BENCH_GYRE_BIN:-$top/.build/release/gyre-node}
skip_gyre=${BENCH_SKIP_GYRE:-0}
skip_etcd=${BENCH_SKIP_ETCD:-0}
h2load_flags=(-c10 -m10 -D "$secs" --warm-up-time "$warmup"
  -H 'content-type: application/grpc' -H 'te: trailers')

ensure_apt_packages nghttp2-client nghttp2-server etcd-server procps
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"
py=("$top/.venv/bin/python" "$top/scripts/bench/grpc_tool.py")

if [ "$skip_gyre" != 1 ] && [ "${BENCH_BUILD:-1}" = 1 ]; then
  ensure_swift_on_path
  ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler
  echo "bench: swift build -c release" >&2
  swift build -c release
fi
if [ "$skip_gyre" != 1 ] && [ ! -x "$gyre_bin" ]; then
  echo "bench: NOTE: $gyre_bin not found: skipping the gyre targets" >&2
  skip_gyre=1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-bench.XXXXXX")
pids=()
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

# Servers not under measurement are stopped (SIGSTOP) while another one is measured, so an
# idle etcd's background work (compaction, fsync) cannot steal CPU from the target.
pause_others() { # PID: stop every other server
  local p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kill -STOP "$p" 2>/dev/null || true; done
}
resume_all() {
  local p
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
}

# wait_quiet SECONDS: until the whole machine was >= 90% idle over 2 s, or SECONDS passed
# (then says so: that run shared the machine with something else).
wait_quiet() {
  local limit=$1 start=$SECONDS a b total idle i
  [ "$limit" -gt 0 ] || return 0
  while :; do
    read -ra a </proc/stat; sleep 2; read -ra b </proc/stat
    total=0
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    idle=$((b[4] - a[4] + b[5] - a[5]))
    [ $((idle * 100)) -ge $((total * 90)) ] && return 0
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "bench: NOTE: the machine was still busy after $limit s; measuring anyway" >&2
      return 0
    fi
  done
}

cpu_ticks() { # utime + stime of PID (all threads), in clock ticks
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) } # fields after "(comm) "; utime and stime are fields 14, 15 of the whole line
  awk '{print $12 + $13}' <<<"$stat"
}
clk_tck=$(getconf CLK_TCK)

# ---------------------------------------------------------------- servers
declare -A url pid_of body

mkdir -p "$tmp/htdocs"
printf 'hello, world\n' >"$tmp/htdocs/static" # 13 bytes
ng_port=$(free_port)
nghttpd --no-tls -a 127.0.0.1 -d "$tmp/htdocs" "$ng_port" >"$tmp/nghttpd.log" 2>&1 &
pids+=($!); pid_of[nghttpd]=$!
wait_port "$ng_port" 10 "${pid_of[nghttpd]}"
url[nghttpd]="http://127.0.0.1:$ng_port/static"
"${py[@]}" body gyre-get "$tmp/get.bin" --key bench/get
body[nghttpd]=$tmp/get.bin
targets=(nghttpd)

declare -A addr_of
# start_gyre NAME BIN: starts a node, waits until it serves, writes the bench keys; its address
# goes to addr_of[NAME], its PID to pid_of[NAME].
start_gyre() {
  local name=$1 bin=$2 port i
  port=$(free_port)
  # One event loop, like nghttpd's one worker: on 2 cores shared with h2load a second loop
  # only adds context switches (measured: ~10% fewer req/s with --threads 2) and, in some
  # rounds, a p99 of 4-5 ms: three busy threads on two cores, a loop waits out a time slice.
  # The in-memory engine by default: this benchmark measures the transport against nghttpd
  # (BENCH_GYRE_ENGINE=rocksdb for the durable engine; single-bench.sh measures storage).
  "$bin" --listen "127.0.0.1:$port" --log-level warning --threads "${BENCH_GYRE_THREADS:-1}" \
    --engine "${BENCH_GYRE_ENGINE:-memory}" --data-dir "$tmp/$name.data" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!); pid_of[$name]=$!
  for ((i = 0; i < 300; i++)); do
    grep -q '^gyre-node serving on ' "$tmp/$name.out" && break
    kill -0 "${pid_of[$name]}" 2>/dev/null || { cat "$tmp/$name.err" >&2; echo "bench: $bin exited" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^gyre-node serving on ' "$tmp/$name.out" || { echo "bench: $bin not ready after 30 s" >&2; exit 1; }
  addr_of[$name]="127.0.0.1:$port"
  "${py[@]}" gyre-put "${addr_of[$name]}" bench/get 100
  "${py[@]}" gyre-put "${addr_of[$name]}" bench/put 100
}

base_bin=${BENCH_GYRE_BASE_BIN:-}
if [ -n "$base_bin" ] && [ ! -x "$base_bin" ]; then
  echo "bench: BENCH_GYRE_BASE_BIN=$base_bin is not an executable" >&2; exit 1
fi
if [ "$skip_gyre" != 1 ]; then
  start_gyre gyre "$gyre_bin"
  gy_addr=${addr_of[gyre]}
  "${py[@]}" body gyre-put "$tmp/put.bin" --key bench/put --value-bytes 100
  url[gyre-get]="http://$gy_addr/gyre.v1.KV/Get"; body[gyre-get]=$tmp/get.bin; pid_of[gyre-get]=${pid_of[gyre]}
  url[gyre-put]="http://$gy_addr/gyre.v1.KV/Put"; body[gyre-put]=$tmp/put.bin; pid_of[gyre-put]=${pid_of[gyre]}
  addr_of[gyre-get]=$gy_addr; addr_of[gyre-put]=$gy_addr
  targets+=(gyre-get)
  if [ -n "$base_bin" ]; then
    start_gyre base "$base_bin"
    url[base-get]="http://${addr_of[base]}/gyre.v1.KV/Get"; body[base-get]=$tmp/get.bin; pid_of[base-get]=${pid_of[base]}
    addr_of[base-get]=${addr_of[base]}
    targets+=(base-get)
  fi
  # h2load sends one fixed body, so every Put is a context-free write of one key: since keys keep
  # siblings (dotted version vectors), that measures the sibling cap (FAILED_PRECONDITION after
  # 100), not writes. Put is measured with fresh keys by scripts/bench/cluster-bench.sh
  # (gyre-bench); BENCH_H2LOAD_PUT=1 runs this row anyway (its check then reports the refusals).
  if [ "${BENCH_H2LOAD_PUT:-0}" = 1 ]; then targets+=(gyre-put); fi
fi

if [ "$skip_etcd" != 1 ]; then
  ec_port=$(free_port); ep_port=$(free_port)
  etcd --name bench --data-dir "$tmp/etcd" \
    --listen-client-urls "http://127.0.0.1:$ec_port" --advertise-client-urls "http://127.0.0.1:$ec_port" \
    --listen-peer-urls "http://127.0.0.1:$ep_port" --initial-advertise-peer-urls "http://127.0.0.1:$ep_port" \
    --initial-cluster "bench=http://127.0.0.1:$ep_port" --initial-cluster-state new \
    --logger zap --log-outputs stderr >"$tmp/etcd.log" 2>&1 &
  pids+=($!); pid_of[etcd]=$!
  wait_port "$ec_port" 30 "${pid_of[etcd]}"
  ec_addr="127.0.0.1:$ec_port"
  "${py[@]}" wait-grpc "$ec_addr" 30
  "${py[@]}" etcd-put "$ec_addr" bench/put 100
  "${py[@]}" body etcd-put "$tmp/etcd-put.bin" --key bench/put --value-bytes 100
  "${py[@]}" body etcd-range "$tmp/etcd-range.bin" --key bench/put
  url[etcd-put]="http://$ec_addr/etcdserverpb.KV/Put"; body[etcd-put]=$tmp/etcd-put.bin; pid_of[etcd-put]=${pid_of[etcd]}
  url[etcd-range]="http://$ec_addr/etcdserverpb.KV/Range"; body[etcd-range]=$tmp/etcd-range.bin; pid_of[etcd-range]=${pid_of[etcd]}
  targets+=(etcd-put etcd-range)
fi

# ---------------------------------------------------------------- checks around a run
json_get() { "$top/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# gyre_check METHOD BEFORE_JSON AFTER_JSON OK_2XX: prints a one-word-ish verdict for the table.
gyre_check() {
  "$top/.venv/bin/python" - "$@" <<'PY'
import json, sys
method, before, after, n2xx = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
ok_name = f"rpc.KV.{method}.OK"
ignore = {ok_name, "rpc.in_flight"} | {k for k in after if k.startswith("rpc.Cluster.Stats.")}
grew = after.get(ok_name, 0) - before.get(ok_name, 0)
other = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)
         if k not in ignore and after.get(k, 0) != before.get(k, 0)}
verdict = "ok" if grew >= n2xx and not other else "FAIL"
extra = f" others:{','.join(f'{k}+{v}' for k, v in sorted(other.items()))}" if other else ""
print(f"{verdict} {ok_name}+{grew} vs 2xx {n2xx} (+{grew - n2xx} warm-up/tail){extra}")
PY
}

results=$tmp/results.tsv
printf 'target\tround\trps\tp50_ms\tp99_ms\tcpu_us_per_req\tcheck\n' >"$results"
failed=0

run_one() {
  local target=$1 round=$2 log=$tmp/$1.$2.log before="" after="" check="" h2pid c0 c1 rc=0
  rm -f "$log" # h2load appends to an existing --log-file
  case $target in
    gyre-* | base-get) before=$("${py[@]}" gyre-stats "${addr_of[$target]}") ;;
    etcd-put) before=$("${py[@]}" etcd-range "$ec_addr" bench/put | json_get revision) ;;
  esac
  pause_others "${pid_of[$target]}"
  wait_quiet "${BENCH_WAIT_QUIET:-0}"
  timeout $((secs + warmup + 60)) h2load "${h2load_flags[@]}" -d "${body[$target]}" \
    --log-file "$log" "${url[$target]}" >"$tmp/$target.$round.out" 2>&1 &
  h2pid=$!
  sleep "$warmup" # CPU is counted over the measured phase only, like the log
  c0=$(cpu_ticks "${pid_of[$target]}")
  wait "$h2pid" || rc=$?
  c1=$(cpu_ticks "${pid_of[$target]}")
  resume_all
  if [ "$rc" -ne 0 ]; then
    echo "bench: h2load failed ($rc) on $target:" >&2; tail -5 "$tmp/$target.$round.out" >&2; failed=1
  fi
  local stats n2xx
  stats=$("${py[@]}" analyze "$log" "$secs")
  n2xx=$(json_get ok <<<"$stats")
  case $target in
    gyre-get | gyre-put | base-get)
      local method=Get
      [ "$target" = gyre-put ] && method=Put
      after=$("${py[@]}" gyre-stats "${addr_of[$target]}")
      check=$(gyre_check "$method" "$before" "$after" "$n2xx")
      if [ "$target" = gyre-put ]; then
        local got
        got=$("${py[@]}" gyre-get "$gy_addr" bench/put)
        if [ "$(json_get values <<<"$got")" = 1 ] && [ "$(json_get bench_values <<<"$got")" = True ]; then
          check="$check; read back ok"
        else
          check="FAIL $check; read back $got"
        fi
      fi
      ;;
    etcd-put)
      after=$("${py[@]}" etcd-range "$ec_addr" bench/put | json_get revision)
      if [ $((after - before)) -ge "$n2xx" ]; then check="ok"; else check="FAIL"; fi
      check="$check revision+$((after - before)) vs 2xx $n2xx"
      ;;
    nghttpd) check="status 200 x $n2xx" ;;
    *) check="-" ;;
  esac
  [ "$(json_get not_ok <<<"$stats")" = 0 ] || check="$check; non-2xx $(json_get not_ok <<<"$stats")"
  case $check in FAIL*) failed=1 ;; esac
  "$top/.venv/bin/python" - "$target" "$round" "$stats" "$((c1 - c0))" "$clk_tck" "$check" >>"$results" <<'PY'
import json, sys
target, rnd, s, ticks, tck, check = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
cpu = ticks * 1e6 / tck / s["ok"] if s["ok"] else float("nan")
print(f"{target}\t{rnd}\t{s['rps']:.0f}\t{s['p50_ms']:.3f}\t{s['p99_ms']:.3f}\t{cpu:.2f}\t{check}")
PY
  tail -1 "$results" | cut -f1-6 | sed 's/^/bench: /' >&2
  rm -f "$log"
}

echo "bench: ${#targets[@]} targets x $rounds rounds x ($warmup + $secs) s: ${targets[*]}" >&2
echo "bench: h2load ${h2load_flags[*]@Q} -d BODY --log-file LOG URL" >&2
for ((r = 1; r <= rounds; r++)); do
  order=("${targets[@]}")
  if [ -n "$base_bin" ] && [ $((r % 2)) = 0 ]; then
    # Even rounds measure the baseline before gyre-get, so neither always runs right after nghttpd.
    order=()
    for t in "${targets[@]}"; do
      case $t in gyre-get) ;; base-get) order+=(base-get gyre-get) ;; *) order+=("$t") ;; esac
    done
  fi
  for t in "${order[@]}"; do run_one "$t" "$r"; done
done

if [ "$skip_etcd" != 1 ]; then
  final=$("${py[@]}" etcd-range "$ec_addr" bench/put)
  echo "bench: etcd Range bench/put after the runs: $final" >&2
  if [ "$(json_get count <<<"$final")" != 1 ] || [ "$(json_get value_ok <<<"$final")" != True ]; then
    echo "bench: FAIL: etcd does not hold the bench key" >&2; failed=1
  fi
fi

mkdir -p "$out_dir"
summary=$out_dir/h2load-$(date +%Y%m%d-%H%M%S).txt
{
  echo "# h2load ${h2load_flags[*]@Q} -d BODY URL; $(h2load --version | head -1); $(nproc) cores"
  [ "$skip_gyre" = 1 ] && echo "# gyre targets skipped (no binary at $gyre_bin)"
  [ -n "$base_bin" ] && echo "# gyre-get: $gyre_bin; base-get: $base_bin"
  "${py[@]}" report "$results"
} | tee "$summary"
cp "$results" "${summary%.txt}.tsv"
echo "bench: summary in $summary" >&2
exit "$failed"
