#!/usr/bin/env bash
# Makes a development certificate authority and one certificate per node name, for mutual TLS
# between nodes (and, optionally, TLS on the client port). NOT for production: the CA key sits
# next to the certificates, unprotected.
#
# Usage: scripts/gen-certs.sh DIR NAME [NAME...]
#   DIR/ca.pem, DIR/ca.key         the CA (made once; reused when it already exists)
#   DIR/NAME.pem, DIR/NAME.key     a certificate for node NAME, signed by the CA. Its subject
#                                  alternative names are DNS:NAME (what --node-name must be),
#                                  DNS:localhost and IP:127.0.0.1, plus GYRE_CERT_HOSTS (comma-
#                                  separated extra DNS names or IPv4 addresses).
# Env: GYRE_CERT_DAYS (default 3650). A NAME that already has a certificate is made again.
# Installs openssl (Debian) when missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/deps.sh
source "$top/scripts/lib/deps.sh"
command -v openssl >/dev/null 2>&1 || ensure_apt_packages openssl

if [ "$#" -lt 2 ]; then
  echo "usage: $0 DIR NAME [NAME...]" >&2
  exit 2
fi
dir=$1
shift
days=${GYRE_CERT_DAYS:-3650}
mkdir -p "$dir"

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" \
    -subj "/CN=Gyre development CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$dir/ca.key"
fi

for name in "$@"; do
  case "$name" in
    *[!a-zA-Z0-9.-]* | "" | localhost)
      echo "gen-certs: node name '$name' must be letters, digits, '.' and '-' (and not localhost)" >&2
      exit 2 ;;
  esac
  sans="DNS:$name,DNS:localhost,IP:127.0.0.1"
  if [ -n "${GYRE_CERT_HOSTS:-}" ]; then
    IFS=',' read -r -a extra <<<"$GYRE_CERT_HOSTS"
    for host in "${extra[@]}"; do
      if [[ $host =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then sans="$sans,IP:$host"; else sans="$sans,DNS:$host"; fi
    done
  fi
  ext=$(mktemp)
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$sans" >"$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$days" -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
  chmod 600 "$dir/$name.key"
  echo "gen-certs: $dir/$name.pem ($sans)"
done
