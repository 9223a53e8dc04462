#!/usr/bin/env bash
# Availability figures of a five-node cluster on loopback (see availability_bench.py): failure
# detection time, false suspicions, writes with two owners down, hint delivery rate, catch-up of
# an owner down for 60 s. Every option at its default. Never run by the tests; takes 3-4 minutes.
# Env: BENCH_GYRE_BIN (default .build/release/gyre-node), BENCH_BUILD=1 builds it first.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
ensure_apt_packages openssl util-linux
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler
  swift build -c release
fi
GYRE_NODE_BIN=$(realpath -- "${BENCH_GYRE_BIN:-$top/.build/release/gyre-node}")
export GYRE_NODE_BIN
stubs=$(mktemp -d "${TMPDIR:-/tmp}/gyre-py-stubs.XXXXXX")
trap 'rm -rf "$stubs"' EXIT
scripts/gen-py-stubs.sh "$stubs" "$top/.venv/bin/python"
GYRE_PY_STUBS=$stubs "$top/.venv/bin/python" scripts/bench/availability_bench.py
