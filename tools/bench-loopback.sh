#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): fio through tcm_loop on a 512 MiB ramdisk, stock LIO against ours,
# in the same invocation: two guest boots with the same settings (kernel, vCPUs, memory, TCG
# or KVM as tools/vm-run picks), one with Debian's modules, one with ours installed into
# updates/. Prints each figure and the ratio ours/stock (higher is better for IOPS and MB/s,
# lower for latency).
#
# Usage: tools/bench-loopback.sh [--kernel 6.1|6.12] [--fabric loopback|iscsi]
#        (env LIO_BENCH_RUNTIME: seconds per job). --fabric iscsi measures an iSCSI LUN logged in
#        with open-iscsi over 127.0.0.1 instead (tests/bench/guest_iscsi_fio.sh).
# Under TCG the absolute numbers are small and noisy: compare ratios, and run it twice.
set -euo pipefail
cd "$(dirname "$0")/.."
k=6.1
fabric=loopback
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) k=$2; shift 2 ;;
	--fabric) fabric=$2; shift 2 ;;
	*) echo "usage: $0 [--kernel 6.1|6.12] [--fabric loopback|iscsi]" >&2; exit 2 ;;
	esac
done
case $fabric in loopback | iscsi) ;; *) echo "bench: unknown fabric $fabric" >&2; exit 2 ;; esac
guest=tests/bench/guest_${fabric}_fio.sh
kdir=$(ls -d /lib/modules/"$k".*/build 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || { echo "bench: no headers for kernel $k" >&2; exit 1; }
kver=$(basename "$(dirname "$kdir")")
make --no-print-directory modules KDIR="$kdir" >/dev/null
stage=$PWD/build/stage-bench/$kver
rm -rf "$stage"
make --no-print-directory modules_install KDIR="$kdir" INSTALL_MOD_PATH="$stage" >/dev/null
out=$PWD/build/bench/$kver-$fabric
rm -rf "$out"
mkdir -p "$out"
export LIO_PASS_ENV="LIO_BENCH_RUNTIME"
export LIO_BENCH_RUNTIME=${LIO_BENCH_RUNTIME:-15}
echo "bench: stock LIO on $kver"
tools/vm-run --kernel "$k" --out "$out/stock" "$guest" >"$out/stock.log" 2>&1 || true
echo "bench: lio-cxx on $kver"
tools/vm-run --kernel "$k" --modules "$stage" --out "$out/ours" "$guest" >"$out/ours.log" 2>&1 || true
python3 - "$out/stock.log" "$out/ours.log" <<'PY'
import sys
def load(p):
    r = {}
    for line in open(p, errors="replace"):
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "RESULT":
            r[parts[1]] = (parts[2], " ".join(parts[3:]))
    return r
stock, ours = load(sys.argv[1]), load(sys.argv[2])
for side, r in (("stock", stock), ("ours", ours)):
    if "error" in r:
        print(f"{side}: error: {r['error'][0]} (see {sys.argv[1 if side == 'stock' else 2]})")
names = [n for n in stock if n != "error"] + [n for n in ours if n not in stock and n != "error"]
print(f"{'figure':28} {'stock':>12} {'ours':>12} {'ours/stock':>11}")
for n in names:
    s = stock.get(n, ("-", ""))
    o = ours.get(n, ("-", ""))
    try:
        ratio = f"{float(o[0]) / float(s[0]):.2f}"
    except (ValueError, ZeroDivisionError):
        ratio = "-"
    print(f"{n:28} {s[0]:>12} {o[0]:>12} {ratio:>11}  {s[1] or o[1]}")
PY
