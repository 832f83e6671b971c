#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: on a fresh Debian 12 machine, install what is needed, build our modules for
# Debian's 6.1 kernel, boot it in QEMU with them installed into updates/, and show them
# serving through unmodified targetcli/rtslib (tests/demo/guest-demo.sh). It grows as
# backstores and fabrics land. LIO_KERNEL=6.12 demonstrates on 6.12 instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
k=${LIO_KERNEL:-6.1}
kdir=$(ls -d /lib/modules/"$k".*/build 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || { echo "demo: no headers for kernel $k" >&2; exit 1; }
make --no-print-directory modules KDIR="$kdir"
stage=$PWD/build/stage-demo
rm -rf "$stage"
make --no-print-directory modules_install KDIR="$kdir" INSTALL_MOD_PATH="$stage"
exec tools/vm-run --kernel "$k" --modules "$stage" --out build/demo tests/demo/guest-demo.sh
