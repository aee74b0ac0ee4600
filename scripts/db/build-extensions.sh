#!/usr/bin/env bash
# Builds TimescaleDB and Citus from ../shared/vendor (or $KUBEWISE_VENDOR_DIR) into Debian's
# PostgreSQL 15, installing the apt packages it needs first. Cached: an extension whose library of
# the same version is already in `pg_config --pkglibdir` is skipped (about 1 s when both are).
# Usage: scripts/db/build-extensions.sh [timescaledb] [citus]   (default: both)
set -euo pipefail

PG_MAJOR=15
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
TIMESCALEDB_VERSION=2.28.3
CITUS_VERSION=13.2.2
CITUS_EXTENSION_VERSION=13.2-1
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENDOR="${KUBEWISE_VENDOR_DIR:-$(cd "$ROOT/.." && pwd)/shared/vendor}"
[ -d "$VENDOR" ] || VENDOR=/work/shared/vendor
JOBS="${KUBEWISE_BUILD_JOBS:-$(nproc)}"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=(timescaledb citus)

log() { echo "extensions: $*"; }

APT_PACKAGES=(postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} cmake build-essential
  libkrb5-dev libssl-dev libcurl4-openssl-dev liblz4-dev libzstd-dev libicu-dev libxslt1-dev
  libselinux1-dev libpam0g-dev libreadline-dev autoconf flex bison)

installed_version() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'; }

ensure_apt() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    [ -n "$(installed_version "$pkg")" ] || missing+=("$pkg")
  done
  # Headers and server must be the same minor release: Citus links against server symbols.
  if [ "${#missing[@]}" -eq 0 ] &&
    [ "$(installed_version postgresql-${PG_MAJOR})" != "$(installed_version postgresql-server-dev-${PG_MAJOR})" ]; then
    missing+=(postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR})
  fi
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "extensions: missing apt packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  log "installing ${missing[*]} (and the matching postgresql-${PG_MAJOR})"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} "${missing[@]}" >/dev/null
}

have_timescaledb() { [ -f "$("$PG_CONFIG" --pkglibdir)/timescaledb-${TIMESCALEDB_VERSION}.so" ]; }
have_citus() {
  local control
  control="$("$PG_CONFIG" --sharedir)/extension/citus.control"
  [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] && [ -f "$control" ] &&
    grep -q "default_version = '${CITUS_EXTENSION_VERSION}'" "$control"
}

build_timescaledb() {
  local dir="$1" started=$SECONDS
  log "building TimescaleDB ${TIMESCALEDB_VERSION} (about 2 min on 2 cores)"
  tar -xzf "$VENDOR/timescaledb-${TIMESCALEDB_VERSION}.tar.gz" -C "$dir"
  cd "$dir"/timescaledb-*/
  ./bootstrap -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
    -DPG_CONFIG="$PG_CONFIG" >"$dir/timescaledb-bootstrap.log" 2>&1
  (cd build && make -j"$JOBS" >"$dir/timescaledb-make.log" 2>&1 && make install >>"$dir/timescaledb-make.log" 2>&1) || {
    tail -30 "$dir/timescaledb-make.log" >&2
    exit 1
  }
  log "TimescaleDB installed in $((SECONDS - started)) s"
}

build_citus() {
  local dir="$1" started=$SECONDS include
  log "building Citus ${CITUS_VERSION} (about 4 min on 2 cores)"
  tar -xzf "$VENDOR/citus-${CITUS_VERSION}.tar.gz" -C "$dir"
  cd "$dir"/citus-*/
  include="$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h"
  # Newer Debian minor releases export have_createdb_privilege; Citus 13.2.2 redefines it.
  if grep -q have_createdb_privilege "$include"; then
    patch -p1 -s <"$VENDOR/citus-${CITUS_VERSION}-pg15.20.patch"
  fi
  (PG_CONFIG="$PG_CONFIG" ./configure >"$dir/citus-configure.log" 2>&1 &&
    make -j"$JOBS" >"$dir/citus-make.log" 2>&1 && make install >>"$dir/citus-make.log" 2>&1) || {
    tail -30 "$dir/citus-configure.log" "$dir/citus-make.log" >&2
    exit 1
  }
  log "Citus installed in $((SECONDS - started)) s"
}

todo=()
for ext in "${wanted[@]}"; do
  case "$ext" in
  timescaledb) have_timescaledb 2>/dev/null && log "TimescaleDB ${TIMESCALEDB_VERSION} already installed" || todo+=(timescaledb) ;;
  citus) have_citus 2>/dev/null && log "Citus ${CITUS_VERSION} already installed" || todo+=(citus) ;;
  *) echo "extensions: unknown extension $ext (timescaledb, citus)" >&2 && exit 2 ;;
  esac
done
[ "${#todo[@]}" -gt 0 ] || exit 0
[ -d "$VENDOR" ] || { echo "extensions: vendor folder $VENDOR not found (set KUBEWISE_VENDOR_DIR)" >&2; exit 1; }
ensure_apt
work="$(mktemp -d /tmp/kubewise-ext-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
for ext in "${todo[@]}"; do (build_"$ext" "$work"); done
