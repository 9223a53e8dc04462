#!/usr/bin/env bash
# The whole test suite (README.md): installs what it needs, then, failing fast,
#   1. scripts/check-generated.sh  (the committed protoc-c codec matches proto/)
#   2. swift build, and the Examples package (a user's package depending on GyreClient by path)
#   3. swift test
#   4. scripts/fuzz.sh 5  (builds the fuzz package, runs each libFuzzer target for 5 s)
#   5. the Python black-box suite (Tests/python) against the debug gyre-node.
#   6. scripts/test-admin-page.sh: the admin page in headless chromium (installs it).
# Works on a fresh Debian machine that has only the Swift toolchain. Exits non-zero on any
# failure; its last lines are pytest's summary.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh

ensure_swift_on_path

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev protobuf-c-compiler openssl util-linux iproute2 iptables
ensure_python_venv "$top/.venv" "${GYRE_PY_PACKAGES[@]}"

step "scripts/check-generated.sh"
scripts/check-generated.sh

step "swift build"
swift build

step "Examples (depends on GyreClient by path)"
swift build --package-path Examples

step "swift test"
swift test

step "scripts/fuzz.sh 5"
scripts/fuzz.sh 5

step "Python suite (Tests/python)"
bin_dir=$(swift build --show-bin-path)
GYRE_EXAMPLE_BIN="$(swift build --package-path Examples --show-bin-path)/QuickStart" \
  GYRE_NODE_BIN="$bin_dir/gyre-node" Tests/python/run.sh

step "scripts/test-admin-page.sh (headless chromium)"
scripts/test-admin-page.sh
