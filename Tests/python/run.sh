#!/usr/bin/env bash
# Runs the Python black-box suite against a built gyre-node (scripts/test.sh calls this).
# Usage: Tests/python/run.sh [PYTEST_ARGS...]      e.g. Tests/python/run.sh -k deadline -x
# Env:   GYRE_NODE_BIN        the binary to test (default: .build/debug/gyre-node)
#        GYRE_PY_STUBS        grpcio stubs dir (default: generated into a temp dir, then removed)
#        GYRE_PYTEST_TIMEOUT  seconds before the whole run is stopped (default: 300)
# Installs its Python packages into .venv on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib/deps.sh
source "$top/scripts/lib/deps.sh"

ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"

node_bin=${GYRE_NODE_BIN:-$top/.build/debug/gyre-node}
GYRE_NODE_BIN=$(realpath -m -- "$node_bin")
export GYRE_NODE_BIN

tmp=""
cleanup() { if [ -n "$tmp" ]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
if [ -z "${GYRE_PY_STUBS:-}" ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-py-stubs.XXXXXX")
  "$top/scripts/gen-py-stubs.sh" "$tmp" "$top/.venv/bin/python"
  GYRE_PY_STUBS=$tmp
fi
GYRE_PY_STUBS=$(realpath -- "$GYRE_PY_STUBS")
export GYRE_PY_STUBS

cd "$here"
rc=0
# On timeout pytest gets SIGTERM (conftest turns it into an interrupt so the nodes are stopped).
timeout --kill-after=30 "${GYRE_PYTEST_TIMEOUT:-300}" \
  "$top/.venv/bin/python" -m pytest "$@" || rc=$?
exit "$rc"
