#!/usr/bin/env bash
# The admin page in a real headless browser: installs Debian's chromium and chromium-driver and
# Selenium (in .venv), builds gyre-node, starts a 3-node cluster and checks that the page shows
# every member and, after one is killed, that member as dead. Not part of scripts/test.sh (the
# browser is a large download); run it on its own:   scripts/test-admin-page.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
ensure_swift_on_path
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev chromium chromium-driver
ensure_python_venv "$top/.venv-browser" pytest==9.2.0 selenium==4.27.1
swift build --product gyre-node
GYRE_NODE_BIN="$(swift build --show-bin-path)/gyre-node" \
  timeout --kill-after=30 300 "$top/.venv-browser/bin/python" -m pytest -q -p no:cacheprovider Tests/browser "$@"
