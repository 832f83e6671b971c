#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest half of tools/bench-loopback.sh: one tcm_loop LUN over a ramdisk, built with targetcli,
# measured with fio. Whichever target_core_mod/tcm_loop modprobe finds is measured (stock LIO
# without --modules, ours with). Prints "RESULT <name> <value> <unit>" lines.
. "${LIO_SRC:?run me through tools/vm-run}/tests/guest/lib.sh"
. "$LIO_SRC/tests/bench/bench_lib.sh"
set -u
guest_configfs
guest_start_dbus
modprobe sd_mod
modprobe sg
RUNTIME=${LIO_BENCH_RUNTIME:-15}

echo "target_core_mod: $(guest_module_path target_core_mod)"
# With our modules, stock fabric modules we do not ship yet must not try to load against our
# target_core_mod when targetcli probes for fabrics (with stock LIO nothing is masked).
lio_mask_stock_if_ours
targetcli_run "setup" <<'TC'
/backstores/ramdisk create name=bench size=512M
/loopback create naa.5001405abcdef012
/loopback/naa.5001405abcdef012/luns create /backstores/ramdisk/bench
TC
[ -n "${out:-}" ] && echo "$out" | tail -n 3

dev=""
for i in $(seq 1 50); do
	for b in /sys/bus/scsi/devices/*/block/*; do
		[ -e "$b" ] || continue
		vendor=$(cat "$(dirname "$(dirname "$b")")/vendor" 2>/dev/null)
		case $vendor in LIO-ORG*) dev=/dev/$(basename "$b") ;; esac
	done
	[ -n "$dev" ] && [ -b "$dev" ] && break
	sleep 0.2
done
if [ -z "$dev" ] || [ ! -b "$dev" ]; then
	echo "RESULT error no-loopback-disk"
	lsscsi 2>&1
	exit 1
fi
echo "bench disk: $dev ($(lsscsi | grep LIO-ORG))"

# Fill once so that reads hit allocated ramdisk pages on both targets.
dd if=/dev/zero of="$dev" bs=1M count=512 oflag=direct status=none
run_fio randread4k_qd1 --rw=randread --bs=4k --iodepth=1
run_fio randread4k_qd32 --rw=randread --bs=4k --iodepth=32
run_fio seqwrite1m --rw=write --bs=1M --iodepth=8

targetcli clearconfig confirm=True >/dev/null 2>&1
exit 0
