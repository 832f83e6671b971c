#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest half of `tools/bench-loopback.sh --fabric iscsi`: one iSCSI LUN over a ramdisk, built
# with targetcli (demo mode, portal 0.0.0.0:3260), logged in with open-iscsi over 127.0.0.1 and
# measured with fio. Whichever target modules modprobe finds is measured (stock LIO without
# --modules, ours with). Prints "RESULT <name> <value> <unit>" lines.
. "${LIO_SRC:?run me through tools/vm-run}/tests/guest/lib.sh"
. "$LIO_SRC/tests/bench/bench_lib.sh"
set -u
guest_configfs
guest_start_dbus
RUNTIME=${LIO_BENCH_RUNTIME:-15}
IQN=iqn.2003-01.org.linux-iscsi.vm:sn.bench

echo "target_core_mod: $(guest_module_path target_core_mod)"
lio_mask_stock_if_ours
targetcli_batch "setup" <<EOT
/backstores/ramdisk create bench 512M
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/bench
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
EOT
iscsi_start_iscsid || { echo "RESULT error iscsid"; exit 1; }
iscsi_discover 127.0.0.1 >/dev/null
iscsi_login $IQN 127.0.0.1 >/dev/null
dev=$(iscsi_disk_of_session "$(iscsi_sid $IQN 127.0.0.1:3260)" 0)
if [ -z "$dev" ] || [ ! -b "$dev" ]; then
	echo "RESULT error no-iscsi-disk"
	exit 1
fi
echo "bench disk: $dev"

dd if=/dev/zero of="$dev" bs=1M count=512 oflag=direct status=none
run_fio randread4k_qd1 --rw=randread --bs=4k --iodepth=1
run_fio randwrite4k_qd1 --rw=randwrite --bs=4k --iodepth=1
run_fio randread4k_qd16 --rw=randread --bs=4k --iodepth=16
run_fio seqwrite1m --rw=write --bs=1M --iodepth=4
run_fio seqread1m --rw=read --bs=1M --iodepth=4

iscsi_logout_all
targetcli clearconfig confirm=True >/dev/null 2>&1
exit 0
