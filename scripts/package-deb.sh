#!/usr/bin/env bash
# Builds a Debian package of Gyre: gyre-node and gyre (built with the Swift standard library
# linked statically, so the target needs no Swift toolchain), the systemd unit, and a default
# /etc/gyre/gyre.toml (a conffile). Prints the .deb's path (dist/gyre_VERSION_ARCH.deb).
# Usage: scripts/package-deb.sh        (installs the Debian packages it needs; takes a release build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  PATH=/opt/swift/usr/bin:$PATH
fi
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev dpkg-dev

scratch=.build-static
for product in gyre-node gyre; do
  swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product" >&2
done
bin=$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)
version=$("$bin/gyre-node" --version)
arch=$(dpkg --print-architecture)

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin/gyre-node" "$root/usr/bin/gyre-node"
install -D -m 0755 "$bin/gyre" "$root/usr/bin/gyre"
strip --strip-unneeded "$root/usr/bin/gyre-node" "$root/usr/bin/gyre"
install -D -m 0644 deploy/systemd/gyre-node.service "$root/lib/systemd/system/gyre-node.service"
install -D -m 0644 deploy/gyre.toml "$root/etc/gyre/gyre.toml"
install -D -m 0644 LICENSE "$root/usr/share/doc/gyre/copyright"
install -D -m 0644 docs/OPERATIONS.md "$root/usr/share/doc/gyre/OPERATIONS.md"

# Runtime dependencies: the Debian packages that hold the shared libraries the binaries load.
depends=$(for lib in $(ldd "$root/usr/bin/gyre-node" "$root/usr/bin/gyre" | awk '/=> \//{print $3}' | sort -u); do
            dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
          done | cut -d: -f1 | sort -u | while read -r pkg; do
            ver=$(dpkg-query -W -f='${Version}' "$pkg" | sed 's/-[^-]*$//')
            echo "$pkg (>= $ver)"
          done | paste -sd, | sed 's/,/, /g')

mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: gyre
Version: $version
Architecture: $arch
Maintainer: Gyre developers <gyre@localhost>
Depends: $depends, adduser
Section: database
Priority: optional
Description: Gyre, a Dynamo-style distributed key-value store
 gyre-node serves a gRPC API (KV, Cluster, grpc.health.v1) and replicates every key to N
 nodes with sloppy quorums, hinted handoff and dotted version vectors, on RocksDB. gyre is
 its command-line client. The gyre-node service is installed but not started: edit
 /etc/gyre/gyre.toml, then systemctl enable --now gyre-node.
CONTROL
echo /etc/gyre/gyre.toml > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd gyre >/dev/null; then
    adduser --system --group --home /var/lib/gyre --no-create-home gyre
  fi
  install -d -o gyre -g gyre -m 0750 /var/lib/gyre
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
POSTINST
chmod 0755 "$root/DEBIAN/postinst"

mkdir -p dist
out="dist/gyre_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group "$root" "$out" >&2
echo "$out"
