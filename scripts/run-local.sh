#!/usr/bin/env bash
# Installs what it needs, builds gyre-node (release), starts a local 3-node cluster on 127.0.0.1
# (N=3, R=W=2), prints how to talk to it, and runs until Ctrl-C, then stops the nodes by PID.
# A node that dies is reported (with how to restart it) and the others keep running.
#
#   scripts/run-local.sh              start the cluster and watch it (Ctrl-C stops every node)
#   scripts/run-local.sh stop N       from another shell: stop node N (SIGTERM, by its recorded PID)
#   scripts/run-local.sh restart N    from another shell: stop node N if it runs, start it again
#                                     with the same command line and data, wait until it serves
#
# Each node's PID, command line, stdout and log are recorded in GYRE_DATA/run/node-N.{pid,cmd,out,log}.
# Env: GYRE_NODES=3          how many nodes
#      GYRE_PORT=7100        the first node's client port (node i: GYRE_PORT+i; peer port +100)
#      GYRE_LOG_LEVEL=info   trace|debug|info|notice|warning|error
#      GYRE_BUILD=1          0: do not run `swift build -c release`
#      GYRE_NODE_BIN=...     the binary to run (default: the release build's gyre-node)
#      GYRE_DATA=.gyre-local the nodes' stores (node I: GYRE_DATA/node-I); kept between runs, so a
#                            restarted local cluster has its data (remove the directory to start over)
#      GYRE_SYNC=always      --sync of every node: always | interval:MS | none
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

base_port=${GYRE_PORT:-7100}
log_level=${GYRE_LOG_LEVEL:-info}
ready_timeout=30 # seconds for each node to print its "serving on" line
node_count=${GYRE_NODES:-3}
data_root=${GYRE_DATA:-$top/.gyre-local}
sync_mode=${GYRE_SYNC:-always}
peers=""
for ((i = 0; i < node_count; i++)); do peers+="${peers:+,}127.0.0.1:$((base_port + 100 + i))"; done
run_dir=$data_root/run

# alive PID: the process runs (a zombie, dead but not yet reaped, does not count).
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; }
# node_pid N: node N's recorded PID when that process is alive, else nothing.
node_pid() {
  local file=$run_dir/node-$1.pid pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if alive "$pid"; then echo "$pid"; fi
}
# stop_node N: SIGTERM to node N by its recorded PID, SIGKILL after 10 s.
stop_node() {
  local n=$1 pid
  pid=$(node_pid "$n")
  if [ -z "$pid" ]; then echo "run-local: node $n is not running" >&2; return 0; fi
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    echo "run-local: node $n (pid $pid) did not stop within 10 s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "run-local: node $n (pid $pid) stopped" >&2
}
# launch N [setpriv args...]: starts node N with its recorded command line; records its PID.
launch() {
  local n=$1 args
  shift
  mapfile -t args <"$run_dir/node-$n.cmd"
  : >"$run_dir/node-$n.out"
  # setsid: Ctrl-C reaches only the watching script, which stops the nodes in order, by PID.
  setsid "$@" "${args[@]}" >"$run_dir/node-$n.out" 2>>"$run_dir/node-$n.log" </dev/null &
  echo "$!" >"$run_dir/node-$n.pid"
}
# wait_ready N: until node N prints "gyre-node serving on ...", at most $ready_timeout s.
wait_ready() {
  local i=$1 pid n
  pid=$(cat "$run_dir/node-$i.pid")
  for ((n = 0; n < ready_timeout * 10; n++)); do
    if grep -q '^gyre-node serving on ' "$run_dir/node-$i.out"; then return 0; fi
    if ! alive "$pid"; then
      echo "run-local: node $i (pid $pid) exited before it was ready; its log:" >&2
      tail -20 "$run_dir/node-$i.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "run-local: node $i not ready after $ready_timeout s; its log:" >&2
  tail -20 "$run_dir/node-$i.log" >&2
  return 1
}

case "${1:-start}" in
  start) ;;
  stop | restart)
    n=${2:-}
    [[ $n =~ ^[0-9]+$ ]] && [ -f "$run_dir/node-$n.cmd" ] ||
      { echo "run-local: $1 N: no node '$n' was started from $data_root (see $run_dir)" >&2; exit 2; }
    stop_node "$n"
    if [ "$1" = restart ]; then
      # No parent-death signal here: the node outlives this command; the watching
      # run-local stops it on Ctrl-C, or `scripts/run-local.sh stop N` does.
      launch "$n"
      wait_ready "$n"
      echo "run-local: node $n restarted (pid $(cat "$run_dir/node-$n.pid")): $(head -1 "$run_dir/node-$n.out")" >&2
    fi
    exit 0
    ;;
  *)
    echo "usage: scripts/run-local.sh [start | stop N | restart N]" >&2
    exit 2
    ;;
esac
for ((i = 0; i < node_count; i++)); do
  if [ -n "$(node_pid "$i")" ]; then
    echo "run-local: node $i of an earlier run is still running (pid $(node_pid "$i")): stop it first (scripts/run-local.sh stop $i)" >&2
    exit 1
  fi
done

ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler nghttp2-client openssl
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"
stubs=$top/.build/py-stubs
scripts/gen-py-stubs.sh "$stubs" "$top/.venv/bin/python"

if [ -n "${GYRE_NODE_BIN:-}" ]; then
  bin=$GYRE_NODE_BIN
else
  ensure_swift_on_path
  if [ "${GYRE_BUILD:-1}" = 1 ]; then
    echo "run-local: swift build -c release" >&2
    swift build -c release
  fi
  bin=$(swift build -c release --show-bin-path)/gyre-node
fi
[ -x "$bin" ] || { echo "run-local: $bin is not an executable" >&2; exit 1; }

mkdir -p "$data_root"
# Nodes talk to each other over mutual TLS with development certificates (made once, kept with
# the data: a node's name is part of its identity in the ring).
certs_dir=$data_root/certs
for ((i = 0; i < node_count; i++)); do
  [ -f "$certs_dir/node-$i.pem" ] || scripts/gen-certs.sh "$certs_dir" "node-$i" >/dev/null
done
mkdir -p "$run_dir"
addrs=()

stop_nodes() {
  local i
  for ((i = 0; i < node_count; i++)); do stop_node "$i" 2>/dev/null; done
  wait 2>/dev/null || true
  echo "run-local: stopped; logs in $run_dir" >&2
}
trap stop_nodes EXIT
trap 'exit 130' INT TERM

# start_node I PORT: records node I's command line, starts it in the background (stdout:
# node-I.out, stderr appended to node-I.log). setpriv --pdeathsig: a node still gets SIGTERM if
# this script is killed outright. Both setsid and setpriv exec, so the recorded PID is the node's.
start_node() {
  local i=$1 port=$2
  printf '%s\n' "$bin" --listen "127.0.0.1:$port" --peer-listen "127.0.0.1:$((port + 100))" \
    --peers "$peers" --log-level "$log_level" --data-dir "$data_root/node-$i" --sync "$sync_mode" \
    --node-name "node-$i" --tls-cert "$certs_dir/node-$i.pem" --tls-key "$certs_dir/node-$i.key" --tls-ca "$certs_dir/ca.pem" \
    >"$run_dir/node-$i.cmd"
  launch "$i" setpriv --pdeathsig TERM --
  addrs+=("127.0.0.1:$port")
}

for ((i = 0; i < node_count; i++)); do start_node "$i" $((base_port + i)); done
for ((i = 0; i < node_count; i++)); do wait_ready "$i"; done
# Every node answers SERVING once the cluster has formed (all peers known, ring claimed).
"$top/.venv/bin/python" - "$stubs" "${addrs[@]}" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import grpc, health_pb2, health_pb2_grpc
deadline = time.monotonic() + 60
for addr in sys.argv[2:]:
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(addr))
    while True:
        try:
            if stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status == health_pb2.HealthCheckResponse.SERVING:
                break
        except grpc.RpcError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"run-local: {addr} is not SERVING after 60 s: the cluster did not form (see the node logs)")
        time.sleep(0.1)
PY

addr=${addrs[0]}
"$top/.venv/bin/python" scripts/bench/grpc_tool.py body gyre-get "$run_dir/get-hello.bin" --key hello

cat <<EOF_USAGE

gyre is running: a $node_count-node cluster (N=3, R=W=2) with clients on ${addrs[*]}
(peer addresses $peers over mutual TLS, certificates in $certs_dir; pids $(for ((i = 0; i < node_count; i++)); do printf '%s ' "$(cat "$run_dir/node-$i.pid")"; done)logs in
$run_dir). Any node accepts any request.
Storage: RocksDB in $data_root/node-* with --sync $sync_mode (kept after Ctrl-C: run this again
and the cluster comes back with its data; remove $data_root to start over).

Talk to it with the gyre command line (built beside gyre-node):

export GYRE_SEEDS=$(IFS=,; echo "${addrs[*]}")
$(dirname "$bin")/gyre put hello world
$(dirname "$bin")/gyre get hello --json
$(dirname "$bin")/gyre members
$(dirname "$bin")/gyre ring --key hello

Or from Python (paste into a shell):

$top/.venv/bin/python - <<'PY'
import sys; sys.path.insert(0, "$stubs")
import grpc
from gyre.v1 import kv_pb2, kv_pb2_grpc, cluster_pb2, cluster_pb2_grpc
ch = grpc.insecure_channel("$addr")
kv = kv_pb2_grpc.KVStub(ch)
kv.Put(kv_pb2.PutRequest(key=b"hello", value=b"world"), timeout=5)
got = kv.Get(kv_pb2.GetRequest(key=b"hello"), timeout=5)
print(list(got.values), got.replicas)
kv.Put(kv_pb2.PutRequest(key=b"hello", value=b"again"), timeout=5)   # no context: a sibling
got = kv.Get(kv_pb2.GetRequest(key=b"hello"), timeout=5)
print(sorted(got.values))                                            # both values
kv.Put(kv_pb2.PutRequest(key=b"hello", value=b"merged", context=got.context), timeout=5)
print(list(kv.Get(kv_pb2.GetRequest(key=b"hello"), timeout=5).values))  # [b'merged']
stats = cluster_pb2_grpc.ClusterStub(ch).Stats(cluster_pb2.StatsRequest(), timeout=5)
print({c.name: c.value for c in stats.counters if c.value})
PY

Load it with h2load (Get of key "hello"; h2load counts HTTP 200, check grpc-status via Stats):

h2load -n 100000 -c10 -m10 -d $run_dir/get-hello.bin -H 'content-type: application/grpc' -H 'te: trailers' http://$addr/gyre.v1.KV/Get

A node that dies is reported and the others keep running. From another shell:
  scripts/run-local.sh stop 1       stops node 1 (by its recorded PID): watch the others carry on
  scripts/run-local.sh restart 1    starts it again with its data, and waits until it serves

Ctrl-C stops every node.
EOF_USAGE

# Until Ctrl-C (the INT trap exits, the EXIT trap stops every node). A node that dies is
# reported once, with how to restart it; the others keep running.
declare -A reported=()
while true; do
  for ((i = 0; i < node_count; i++)); do
    pid=$(cat "$run_dir/node-$i.pid" 2>/dev/null || true)
    [ -n "$pid" ] && [ -z "${reported[$pid]:-}" ] || continue
    if ! alive "$pid"; then
      reported[$pid]=1
      wait "$pid" 2>/dev/null || true
      echo "run-local: node $i (pid $pid) exited; the other nodes keep running. Its log: $run_dir/node-$i.log" >&2
      echo "run-local: restart it with: scripts/run-local.sh restart $i" >&2
    fi
  done
  sleep 1
done
