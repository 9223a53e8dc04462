#!/usr/bin/env bash
# Builds the Debian package of Gyre and prints its path (dist/gyre_VERSION_ARCH.deb).
#
#   /usr/bin/gyre-node, /usr/bin/gyre      release builds with the Swift standard library and
#                                          Foundation linked statically: the host needs no Swift
#                                          toolchain, only the Debian libraries in Depends
#   /lib/systemd/system/gyre-node.service  deploy/systemd/gyre-node.service (not started)
#   /etc/gyre/gyre.toml                    deploy/gyre.toml, a conffile (local edits are kept)
#   /usr/share/doc/gyre/                   copyright (LICENSE), OPERATIONS.md
#   postinst                               makes the system user gyre, /var/lib/gyre and
#                                          /var/backups/gyre when missing
#
# Usage: scripts/package-deb.sh      (installs the Debian packages it needs; a release build
#                                     into .build-static, under flock /tmp/gyre-build.lock)
# Progress goes to stderr; stdout is only the .deb's path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
ensure_swift_on_path

die() { echo "package-deb: $*" >&2; exit 1; }

# Build: the -dev packages of the system libraries, binutils (objdump, strip), util-linux (flock).
ensure_apt_packages pkg-config libnghttp2-dev libprotobuf-c-dev librocksdb-dev binutils util-linux

scratch=.build-static
build_flags=(-c release --static-swift-stdlib --scratch-path "$scratch")
# One Swift build at a time on this machine: every build holds the shared lock.
for product in gyre-node gyre; do
  echo "package-deb: swift build ${build_flags[*]} --product $product" >&2
  flock /tmp/gyre-build.lock swift build "${build_flags[@]}" --product "$product" >&2
done
bin=$(swift build "${build_flags[@]}" --show-bin-path)
version=$("$bin/gyre-node" --version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([.~+-][0-9A-Za-z.~+-]*)?$ ]] \
  || die "gyre-node --version printed '$version', not a package version"
arch=$(dpkg --print-architecture)

root=$(mktemp -d "${TMPDIR:-/tmp}/gyre-deb.XXXXXX")
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin/gyre-node" "$root/usr/bin/gyre-node"
install -D -m 0755 "$bin/gyre" "$root/usr/bin/gyre"
strip --strip-unneeded "$root/usr/bin/gyre-node" "$root/usr/bin/gyre"
install -D -m 0644 deploy/systemd/gyre-node.service "$root/lib/systemd/system/gyre-node.service"
install -D -m 0644 deploy/gyre.toml "$root/etc/gyre/gyre.toml"
install -D -m 0644 LICENSE "$root/usr/share/doc/gyre/copyright"
install -D -m 0644 docs/OPERATIONS.md "$root/usr/share/doc/gyre/OPERATIONS.md"

# --- Depends: the packages holding the libraries the binaries name (DT_NEEDED) -----------------
# Only direct dependencies: librocksdb7.8's own (snappy, zstd, ...) come with it. A library no
# Debian package holds (the Swift runtime in /opt/swift) means the static link failed.

# owner_of PATH: the Debian package that installed PATH (tries the /usr-merged twin too).
owner_of() {
  local path=$1 candidate
  for candidate in "$path" "$(realpath "$path")" "/usr$path" "${path#/usr}"; do
    dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
  done
  return 1
}

declare -A packages=()
for binary in "$root/usr/bin/gyre-node" "$root/usr/bin/gyre"; do
  resolved=$(ldd "$binary")
  for soname in $(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}'); do
    case "$soname" in
      libswift* | libFoundation* | lib_Foundation* | libdispatch* | libBlocksRuntime*)
        die "$(basename "$binary") needs $soname: the Swift runtime is not linked statically" ;;
    esac
    # "libfoo.so.1 => /path (0x...)", or for the dynamic loader "/lib64/ld-linux-x86-64.so.2 (0x...)".
    path=$(awk -v so="$soname" '
      $1 == so && $2 == "=>" {print $3; exit}
      substr($1, length($1) - length(so)) == "/" so {print $1; exit}' <<<"$resolved")
    [ -n "$path" ] && [ "$path" != "not" ] || die "$(basename "$binary") needs $soname, which ldd cannot find"
    pkg=$(owner_of "$path") || die "$(basename "$binary") needs $path, which no Debian package holds"
    packages[$pkg]=1
  done
done

# glibc: the newest GLIBC_x.y symbol version the binaries use is the real lower bound.
glibc=$(objdump -T "$root/usr/bin/gyre-node" "$root/usr/bin/gyre" \
          | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
depends=()
for pkg in $(printf '%s\n' "${!packages[@]}" | sort); do
  if [ "$pkg" = libc6 ] && [ -n "$glibc" ]; then
    depends+=("libc6 (>= $glibc)")
  else
    # Others: at least the upstream version built against (the soname is in most names already).
    upstream=$(dpkg-query -W -f='${Version}' "$pkg" | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')
    depends+=("$pkg (>= $upstream)")
  fi
done
depends+=(adduser) # postinst
depends_line=$(printf '%s, ' "${depends[@]}")
depends_line=${depends_line%, }

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: gyre
Version: $version
Architecture: $arch
Maintainer: Gyre developers <gyre@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends_line
Section: database
Priority: optional
Description: Dynamo-style replicated key-value store (node and command line)
 gyre-node serves a gRPC API (gyre.v1.KV, gyre.v1.Cluster, grpc.health.v1) and
 replicates every key to N nodes with sloppy quorums, hinted handoff, read repair
 and dotted version vectors, on RocksDB; gyre is its command-line client.
 .
 The gyre-node service is installed but not started: edit /etc/gyre/gyre.toml,
 then run "systemctl enable --now gyre-node". See
 /usr/share/doc/gyre/OPERATIONS.md.
CONTROL
echo /etc/gyre/gyre.toml >"$root/DEBIAN/conffiles"

cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
# The system user the unit runs as, its data and backup directories. No auto-start.
set -e
if [ "$1" = configure ]; then
  # Directories that exist are left as they are (they may hold a node's data).
  new_dirs=""
  for dir in /var/lib/gyre /var/backups/gyre; do
    if [ ! -d "$dir" ]; then install -d -m 0750 "$dir"; new_dirs="$new_dirs $dir"; fi
  done
  if ! getent passwd gyre >/dev/null; then
    adduser --system --group --home /var/lib/gyre --no-create-home \
      --gecos "Gyre key-value node" gyre >/dev/null
  fi
  # shellcheck disable=SC2086  # a list of paths without spaces
  if [ -n "$new_dirs" ]; then chown gyre:gyre $new_dirs; fi
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
fi
exit 0
POSTINST

cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
# Stop a running node before its binary goes away (graceful: SIGTERM).
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop gyre-node.service >/dev/null 2>&1 || true
fi
exit 0
PRERM

cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
# The data (/var/lib/gyre), the backups and the gyre user are kept, even on purge: they hold the
# node's identity and its replicas. Remove them by hand when the node is gone for good.
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

mkdir -p dist
out="dist/gyre_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group "$root" "$out" >&2
echo "package-deb: $out ($(du -h "$out" | cut -f1)); Depends: $depends_line" >&2
echo "$out"
