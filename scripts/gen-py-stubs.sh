#!/usr/bin/env bash
# Generates Python grpcio stubs for proto/ into OUT_DIR (not committed; made at test time).
# Usage: scripts/gen-py-stubs.sh OUT_DIR [PYTHON]   (PYTHON: one with grpcio-tools, default .venv)
# Layout: OUT_DIR/gyre/v1/{kv,cluster}_pb2{,_grpc}.py and OUT_DIR/health_pb2{,_grpc}.py. Health
# is generated at top level on purpose: a generated `grpc/` folder would clash with grpcio's own
# `grpc` package.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: gen-py-stubs.sh OUT_DIR [PYTHON]}
py=${2:-$top/.venv/bin/python}
mkdir -p "$out"
"$py" -m grpc_tools.protoc -I "$top/proto" --python_out="$out" --grpc_python_out="$out" \
  gyre/v1/kv.proto gyre/v1/cluster.proto gyre/v1/replica.proto
"$py" -m grpc_tools.protoc -I "$top/proto/grpc/health/v1" --python_out="$out" --grpc_python_out="$out" \
  health.proto
