# shellcheck shell=bash
# Sourced helpers that install what Gyre's scripts need on a Debian machine (see README.md).
#   ensure_apt_packages PKG...          install the Debian packages that are missing
#   ensure_python_venv DIR SPEC...      create a venv in DIR (if needed) and pip install SPECs
#   ensure_swift_on_path                puts /opt/swift/usr/bin on PATH when swift is not found
# Works as root without sudo, or as a user with sudo. Never prompts.

# Prints "sudo" when we are not root (and sudo exists), nothing when we are root.
_deps_sudo() {
  if [ "$(id -u)" -eq 0 ]; then
    return 0
  elif command -v sudo >/dev/null 2>&1; then
    echo sudo
  else
    echo "deps: not root and no sudo: cannot install Debian packages" >&2
    return 1
  fi
}

_deps_apt_updated=0

# ensure_apt_packages PKG...: installs the packages that `dpkg -s` says are not installed.
# Runs `apt-get update` at most once per shell, and only when something is missing.
ensure_apt_packages() {
  local missing=() pkg sudo_cmd
  for pkg in "$@"; do
    if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || {
    echo "deps: apt-get not found; install these by hand: ${missing[*]}" >&2
    return 1
  }
  sudo_cmd=$(_deps_sudo) || return 1
  echo "deps: installing Debian packages: ${missing[*]}" >&2
  if [ "$_deps_apt_updated" -eq 0 ]; then
    # shellcheck disable=SC2086  # $sudo_cmd is empty or one word
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    _deps_apt_updated=1
  fi
  # shellcheck disable=SC2086
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    --no-install-recommends "${missing[@]}" >&2 || return 1
}

# ensure_python3: makes sure a python3 with the venv module and ensurepip exists.
ensure_python3() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    return 0
  fi
  # Debian's python3 splits venv/ensurepip into python3-venv.
  ensure_apt_packages python3 python3-venv
}

# ensure_python_venv DIR SPEC...: creates a venv in DIR unless it is there and works, then pip
# installs the SPECs (e.g. grpcio==1.85.1). A stamp file in DIR records what was installed, so
# a second call with the same SPECs does not touch the network.
ensure_python_venv() {
  local dir=$1; shift
  local stamp="$dir/.gyre-deps-stamp" want
  ensure_python3 || return 1
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$dir"
    echo "deps: creating Python venv in $dir" >&2
    python3 -m venv "$dir" || return 1
  fi
  [ "$#" -eq 0 ] && return 0
  want="$(python3 --version 2>&1) $*"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "deps: pip installing into $dir: $*" >&2
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install --quiet --no-input "$@" || return 1
  printf '%s' "$want" > "$stamp"
}

# The Python packages the test suite, run-local.sh and the benchmark use (one pinned set).
# shellcheck disable=SC2034  # used by the scripts that source this file
GYRE_PY_PACKAGES=(grpcio==1.85.1 grpcio-tools==1.85.1 pytest==9.2.0 xxhash==3.5.0 hpack==4.2.0 prometheus-client==0.21.1 pyyaml==6.0.2)

# ensure_swift_on_path: the toolchain of this project's machines lives in /opt/swift; a shell that
# does not have it on PATH (CI, sudo, cron) gets it added.
ensure_swift_on_path() {
  if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    PATH=/opt/swift/usr/bin:$PATH
  fi
}
