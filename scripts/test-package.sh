#!/usr/bin/env bash
# Tests the Debian package as a host without a Swift toolchain would see it:
#   1. builds it (scripts/package-deb.sh: a static-stdlib release build, under the build lock);
#   2. checks its contents (binaries, unit, config as a conffile, copyright) and control fields;
#   3. unpacks it with `dpkg -x` and, with the toolchain off the library path (env -i), checks
#      that gyre-node and gyre print the package's version and that ldd shows no Swift runtime;
#   4. runs the unpacked gyre-node on the packaged /etc/gyre/gyre.toml (ports and data dir
#      overridden), under the kernel's MemoryDenyWriteExecute rule as the systemd unit sets it:
#      JSON log lines, a put and a get through the unpacked gyre, an online backup with
#      `gyre-node backup`, /metrics, then SIGTERM and exit 0.
# Exits non-zero with "test-package: FAIL: ..." on the first failure. Not part of
# scripts/test.sh (the release build takes a while).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
ensure_apt_packages python3 curl

tmp=""
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then kill -KILL "$node_pid" 2>/dev/null || true; fi
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() {
  echo "test-package: FAIL: $*" >&2
  if [ -n "$tmp" ] && [ -s "$tmp/node.err" ]; then
    echo "--- gyre-node stderr (last 20 lines) ---" >&2
    tail -n 20 "$tmp/node.err" >&2
  fi
  exit 1
}
step() { echo "test-package: $*" >&2; }

# --- 1. build -----------------------------------------------------------------------------------
deb=$(scripts/package-deb.sh) || fail "scripts/package-deb.sh failed"
[ -f "$deb" ] || fail "package-deb.sh printed '$deb', which is not a file"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gyre-test-package.XXXXXX")

# --- 2. contents and control ---------------------------------------------------------------------
step "contents of $deb"
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/gyre-node ./usr/bin/gyre ./lib/systemd/system/gyre-node.service \
  ./etc/gyre/gyre.toml ./usr/share/doc/gyre/copyright; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
grep -qx /etc/gyre/gyre.toml < <(dpkg-deb -I "$deb" conffiles) || fail "/etc/gyre/gyre.toml is not a conffile"
dpkg-deb -I "$deb" postinst | grep -q 'adduser --system' || fail "the postinst does not create the gyre user"
expected=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || fail "wrong Architecture"
if grep -qiE 'swift' <<<"$depends"; then fail "Depends names the Swift toolchain: $depends"; fi
for lib in libc6 librocksdb libnghttp2 libprotobuf-c; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
cmp -s <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/gyre-node.service) \
  deploy/systemd/gyre-node.service || fail "the packaged unit differs from deploy/systemd/gyre-node.service"

# --- 3. the unpacked binaries, without the Swift toolchain ----------------------------------------
dpkg -x "$deb" "$tmp/root"
bare=(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= HOME=/nonexistent)
for binary in gyre-node gyre; do
  step "$binary --version and ldd"
  got=$("${bare[@]}" "$tmp/root/usr/bin/$binary" --version 2>&1) \
    || fail "$binary --version did not run from the unpacked package: $got"
  [ "$got" = "$expected" ] || fail "$binary --version printed '$got', the package is $expected"
  libs=$("${bare[@]}" ldd "$tmp/root/usr/bin/$binary") || fail "ldd $binary failed"
  if grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|/opt/swift|not found' <<<"$libs" >&2; then
    fail "$binary loads the Swift runtime or misses a library (lines above)"
  fi
done

# --- 4. run the packaged node on the packaged config ----------------------------------------------
# MemoryDenyWriteExecute=yes in the unit is, on Linux 6.3 and later, prctl(PR_SET_MDWE): run the
# node under it (inherited across exec) when the kernel has it.
run=("${bare[@]}")
mdwe=$(python3 -c 'import ctypes; l = ctypes.CDLL(None); print("yes" if l.prctl(65, 1, 0, 0, 0) == 0 else "no")')
if [ "$mdwe" = yes ]; then
  run+=(python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0: sys.exit("prctl(PR_SET_MDWE) failed")
os.execv(sys.argv[1], sys.argv[1:])')
  step "running gyre-node under PR_SET_MDWE (MemoryDenyWriteExecute)"
else
  step "this kernel has no PR_SET_MDWE: running gyre-node without the MemoryDenyWriteExecute check"
fi
"${run[@]}" "$tmp/root/usr/bin/gyre-node" --config "$tmp/root/etc/gyre/gyre.toml" \
  --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  >"$tmp/node.out" 2>"$tmp/node.err" &
node_pid=$!
for _ in $(seq 200); do
  grep -q '^gyre-node admin on ' "$tmp/node.out" && break
  kill -0 "$node_pid" 2>/dev/null || fail "gyre-node exited at start on the packaged config"
  sleep 0.1
done
address=$(sed -n 's/^gyre-node serving on //p' "$tmp/node.out")
admin=$(sed -n 's/^gyre-node admin on //p' "$tmp/node.out")
[ -n "$address" ] && [ -n "$admin" ] || fail "gyre-node did not print its addresses within 20 s"
python3 - "$tmp/node.err" <<'PY' || fail "the packaged config's log-format json did not give JSON lines"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for line in lines:
    record = json.loads(line)
    assert {"time", "level", "message"} <= record.keys(), record
PY
for _ in $(seq 100); do
  "${bare[@]}" "$tmp/root/usr/bin/gyre" members --seeds "$address" >/dev/null 2>&1 && break
  sleep 0.1
done
step "put and get through the unpacked gyre at $address"
"${bare[@]}" "$tmp/root/usr/bin/gyre" put --seeds "$address" package-test "it works" >/dev/null \
  || fail "gyre put failed"
got=$("${bare[@]}" "$tmp/root/usr/bin/gyre" get --seeds "$address" --json package-test) || fail "gyre get failed"
grep -q '"it works"' <<<"$got" || fail "gyre get did not return the value: $got"
step "online backup through $admin"
"${bare[@]}" "$tmp/root/usr/bin/gyre-node" backup --admin "$admin" --to "$tmp/backup" >/dev/null \
  || fail "gyre-node backup failed"
[ -n "$(ls -A "$tmp/backup")" ] || fail "the backup directory is empty"
curl -fsS "http://$admin/metrics" | grep -q '^gyre_rpc_requests_total' || fail "/metrics has no gyre_rpc_requests_total"
kill -TERM "$node_pid"
rc=0
wait "$node_pid" || rc=$?
node_pid=""
[ "$rc" -eq 0 ] || fail "gyre-node exited $rc on SIGTERM, expected 0 (graceful shutdown)"

echo "test-package: ok: $deb ($(du -h "$deb" | cut -f1), gyre-node $expected)"
echo "test-package: Depends: $depends"
