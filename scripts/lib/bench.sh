# shellcheck shell=bash
# Sourced by the benchmark scripts: free ports, waiting for a listener, starting servers in the
# background. `start` appends to the caller's `pids` array (and to the array named by its first
# argument), so the caller's cleanup can stop everything by PID.

# free_port: a port nothing listens on now, different from every port handed out before.
used_ports=" "
free_port() {
  local port
  while :; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    case $used_ports in *" $port "*) continue ;; esac
    used_ports+="$port "
    echo "$port"
    return
  done
}

# wait_port PORT SECONDS PID: until something listens on 127.0.0.1:PORT (fails if PID died).
wait_port() {
  local port=$1 secs=$2 pid=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "bench: process $pid died while starting" >&2; return 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$port after $secs s" >&2
  return 1
}

# start PIDVAR LOG CMD...: starts CMD in the background; setsid keeps Ctrl-C to this script,
# setpriv --pdeathsig sends TERM if this script is killed outright; both exec, so $! is CMD's PID.
start() {
  local var=$1 log=$2
  shift 2
  setsid setpriv --pdeathsig TERM -- "$@" >"$log.out" 2>"$log.err" &
  pids+=($!)
  eval "$var+=($!)"
}


# start_gyre_nodes COUNT DIR NODE_BIN ARGS...: starts COUNT gyre-nodes that know each other (free
# client and peer ports, stores under DIR/node-I), waits until each prints its serving line, and
# then until every node's Health says SERVING (the cluster has formed: gyre-bench ping, beside
# NODE_BIN), and sets gyre_addrs (client addresses) and gyre_node_pids. ARGS go to every node.
start_gyre_nodes() {
  local count=$1 dir=$2 node_bin=$3 i n peers=""
  shift 3
  gyre_addrs=()
  gyre_node_pids=()
  local peer_addrs=()
  for ((i = 0; i < count; i++)); do
    gyre_addrs+=("127.0.0.1:$(free_port)")
    peer_addrs+=("127.0.0.1:$(free_port)")
    peers+="${peers:+,}${peer_addrs[$i]}"
  done
  for ((i = 0; i < count; i++)); do
    start gyre_node_pids "$dir/node-$i" "$node_bin" --listen "${gyre_addrs[$i]}" --peer-listen "${peer_addrs[$i]}" \
      --peers "$peers" --data-dir "$dir/node-$i.data" "$@"
  done
  for ((i = 0; i < count; i++)); do
    for ((n = 0; n < 300; n++)); do
      grep -q '^gyre-node serving on ' "$dir/node-$i.out" && break
      kill -0 "${gyre_node_pids[$i]}" 2>/dev/null || { tail "$dir/node-$i.err" >&2; echo "bench: gyre-node $i exited" >&2; return 1; }
      sleep 0.1
    done
    grep -q '^gyre-node serving on ' "$dir/node-$i.out" || { echo "bench: gyre-node $i not ready after 30 s" >&2; return 1; }
  done
  "$(dirname "$node_bin")/gyre-bench" ping --addresses "$(IFS=,; echo "${gyre_addrs[*]}")" --wait 60 >&2
}

# release_binaries PRODUCT...: unless BENCH_BUILD=0, installs the build's Debian packages and runs
# `swift build -c release` for each product; then sets `bin` to the release directory and fails
# when a product is missing there.
release_binaries() {
  local product
  if [ "${BENCH_BUILD:-1}" = 1 ]; then
    ensure_swift_on_path
    ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler
    for product in "$@"; do swift build -c release --product "$product"; done
  fi
  bin=$top/.build/release
  for product in "$@"; do
    [ -x "$bin/$product" ] || { echo "bench: $bin/$product not built (run with BENCH_BUILD=1)" >&2; exit 1; }
  done
}

# bench_workspace NAME: a temporary directory in `tmp`, an empty `pids`, and traps that stop every
# process started with `start` (by PID) and remove the directory when the script ends.
bench_workspace() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  pids=()
  trap 'stop_pids "${pids[@]}"; rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM
}
