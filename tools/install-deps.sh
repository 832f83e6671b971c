#!/bin/bash
# Install every Debian 12 package lio-cxx needs to build, test and demo.
# Idempotent: packages already installed are skipped (a second run takes ~1 s);
# `apt-get update` runs at most once, and only when something has to be installed.
# Usage: tools/install-deps.sh [--dry-run] [EXTRA_PACKAGE...]   (as root)
set -euo pipefail

PACKAGES=(
    # build
    build-essential gcc g++ make binutils cmake clang libclang-rt-14-dev
    googletest libgtest-dev libssl-dev
    # kernels and headers: 6.1 (Debian 12 default) and 6.12 LTS
    linux-image-amd64 linux-headers-amd64
    linux-image-6.12.117+deb12-amd64 linux-headers-6.12.117+deb12-amd64
    # guest runner (tools/vm-run)
    qemu-system-x86 busybox-static cpio kmod xz-utils zstd dbus procps e2fsprogs
    # target and initiator userspace used by the guest tests and the demos
    targetcli-fb python3-rtslib-fb open-iscsi sg3-utils lsscsi fio libiscsi-bin
)

DRY=0
if [ "${1:-}" = --dry-run ]; then DRY=1; shift; fi
PACKAGES+=("$@")

log() { echo "install-deps: $*"; }

if [ "$(id -u)" != 0 ] && [ $DRY = 0 ]; then
    log "must run as root (apt-get install)"; exit 1
fi

# One dpkg-query for all packages: which are fully installed?
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null \
            | awk '$2=="installed"{print $1}' || true)
missing=()
for p in "${PACKAGES[@]}"; do
    grep -qxF "$p" <<<"$installed" || missing+=("$p")
done

if [ ${#missing[@]} = 0 ]; then
    log "all ${#PACKAGES[@]} packages already installed"
    exit 0
fi
log "missing: ${missing[*]}"
[ $DRY = 1 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
          -o Dpkg::Use-Pty=0 --no-install-recommends)

log "apt-get update"
apt-get update -q >/tmp/install-deps.update.log 2>&1 \
    || { cat /tmp/install-deps.update.log; log "apt-get update failed"; exit 1; }

log "apt-get install ${missing[*]}"
if ! apt-get install "${APT_OPTS[@]}" "${missing[@]}" </dev/null >/tmp/install-deps.install.log 2>&1; then
    tail -n 40 /tmp/install-deps.install.log
    log "apt-get install failed (full log: /tmp/install-deps.install.log)"
    exit 1
fi
log "done: installed ${#missing[@]} package(s)"
