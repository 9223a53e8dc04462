# shellcheck shell=bash
# Sourced by the benchmark scripts: stopping the processes they started, by PID.

# stop_pids PID...: SIGCONT (a paused server cannot act on SIGTERM), SIGTERM, up to 5 s each,
# then SIGKILL; reaps them.
stop_pids() {
  local pid
  for pid in "$@"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
