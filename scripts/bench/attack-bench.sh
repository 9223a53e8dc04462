#!/usr/bin/env bash
# The hostile-client attacks of Tests/python/test_hostile.py as a measurement: for each gyre-node
# binary given (e.g. an older build and the current one), every attack against a fresh node, with
# peak RSS, RSS after the attackers left, node CPU and a normal client's failures during it.
# Usage: scripts/bench/attack-bench.sh [GYRE_NODE_BIN...]    (default: .build/release/gyre-node)
#   BENCH_SECONDS=4   how long each attack lasts
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
ensure_apt_packages util-linux
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"
stubs=$(mktemp -d "${TMPDIR:-/tmp}/gyre-attack-stubs.XXXXXX")
trap 'rm -rf "$stubs"' EXIT
scripts/gen-py-stubs.sh "$stubs" "$top/.venv/bin/python" >/dev/null
[ "$#" -gt 0 ] || set -- "$top/.build/release/gyre-node"
for bin in "$@"; do
  "$top/.venv/bin/python" scripts/bench/attack_rss.py "$stubs" "$bin" "${BENCH_SECONDS:-4}"
done
