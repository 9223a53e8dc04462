#!/usr/bin/env bash
# Tests the Debian package: builds it (scripts/package-deb.sh, a static-stdlib release build),
# unpacks it with `dpkg -x`, and runs the unpacked gyre-node and gyre with the Swift toolchain
# off the library path: they must print the version and load no Swift runtime library. Also
# checks the unit and the config are in it. Not part of scripts/test.sh (a release build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
deb=$(scripts/package-deb.sh)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg -x "$deb" "$tmp"
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
expected=$(dpkg-deb -f "$deb" Version)
for binary in gyre-node gyre; do
  got=$(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= "$tmp/usr/bin/$binary" --version) \
    || fail "$binary --version did not run from the unpacked package"
  [ "$got" = "$expected" ] || fail "$binary --version printed '$got', the package is $expected"
  if env -i PATH=/usr/bin:/bin ldd "$tmp/usr/bin/$binary" | grep -E 'libswift|libFoundation|/opt/swift'; then
    fail "$binary loads the Swift runtime: not linked with --static-swift-stdlib"
  fi
done
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/gyre-node ./usr/bin/gyre ./lib/systemd/system/gyre-node.service ./etc/gyre/gyre.toml; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
grep -q '^/etc/gyre/gyre.toml$' <(dpkg-deb -I "$deb" conffiles) || fail "gyre.toml is not a conffile"
echo "test-package: ok: $deb ($(du -h "$deb" | cut -f1)), $(dpkg-deb -f "$deb" Depends)"
