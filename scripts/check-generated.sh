#!/usr/bin/env bash
# Fails when the committed protoc-c output in Sources/CGyreProto differs from what proto/ generates.
# Skips (exit 0, with a note) when protoc-c is not installed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v protoc-c >/dev/null; then
  echo "check-generated: protoc-c not installed, skipping" >&2; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$top/scripts/generate-proto.sh" "$tmp/CGyreProto"
if ! diff -r "$tmp/CGyreProto" "$top/Sources/CGyreProto"; then
  echo "check-generated: Sources/CGyreProto is stale; run scripts/generate-proto.sh and commit" >&2
  exit 1
fi
echo "check-generated: Sources/CGyreProto is up to date"
