#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: what a storage admin would type, with our modules installed.
. "$(dirname "$0")/../guest/lib.sh"
set -u
guest_configfs
guest_start_dbus
# Stock fabric modules that are not ours yet (iscsi_target_mod, ...) must not load against our
# target_core_mod when targetcli probes for fabrics.
mask_stock_target_modules
say() { printf '\n### %s\n' "$*"; }
run() { printf '# %s\n' "$*"; "$@"; }

say "Our target_core_mod is the one modprobe picks (installed under updates/)"
run modprobe target_core_mod
run modinfo -F version target_core_mod
run modinfo -n target_core_mod

say "Its configfs tree, as LIO lays it out"
run cat /sys/kernel/config/target/version
run python3 "$LIO_SRC/tests/guest/cfs_tree.py" dump

say "Unmodified rtslib and targetcli drive it"
run python3 -c 'import rtslib_fb; r = rtslib_fb.RTSRoot(); print("rtslib dbroot:", r.dbroot)'
run targetcli ls /backstores
run targetcli ls /loopback

say "A fileio backstore and a loopback target: the kernel's own SCSI initiator sees a disk"
modprobe sd_mod
modprobe sg
truncate -s 64M /tmp/demo-disk.img
run targetcli /backstores/fileio create name=disk0 file_or_dev=/tmp/demo-disk.img size=64M write_back=false
run targetcli /loopback create naa.5001405abcdef012
run targetcli /loopback/naa.5001405abcdef012/luns create /backstores/fileio/disk0
run targetcli ls /
run lsmod | grep -E '^(tcm_loop|target_core)'
for _ in $(seq 50); do lsscsi | grep -q LIO-ORG && break; sleep 0.1; done # the SCSI scan is asynchronous
run lsscsi
dev=$(lsscsi | awk '/LIO-ORG/ {print $NF; exit}')
sg=$(lsscsi -g | awk '/LIO-ORG/ {print $NF; exit}')
for _ in 1 2 3 4 5; do sg_turs "$sg" >/dev/null 2>&1 && break; done # clear the new nexus's unit attentions
run sg_inq "$sg"
run sg_vpd -p 0x83 "$sg"
run sg_readcap -l "$sg"

say "Real I/O through it: write 16 MiB of random data, read it back, compare with the backing file"
run dd if=/dev/urandom of=/tmp/demo-data bs=1M count=16 status=none
run dd if=/tmp/demo-data of="$dev" bs=1M oflag=direct status=none
run dd if="$dev" of=/tmp/demo-back bs=1M count=16 iflag=direct status=none
run md5sum /tmp/demo-data /tmp/demo-back
run cmp -n 16777216 /tmp/demo-data /tmp/demo-disk.img && echo "the backing file holds exactly what the initiator wrote"
run fio --name=demo --filename="$dev" --direct=1 --ioengine=libaio --rw=randrw --bs=4k --iodepth=16 --runtime=5 --time_based --verify=crc32c --output-format=terse --terse-version=3 | cut -d';' -f1-8

say "ALUA LU groups: create, number, refuse a duplicate id, remove"
G=/sys/kernel/config/target/core/alua/lu_gps
run mkdir $G/site_a $G/site_b
run bash -c "echo 10 > $G/site_a/lu_gp_id"
run bash -c "echo 10 > $G/site_b/lu_gp_id" || echo "(refused, as it should be: id 10 is taken)"
run bash -c "dmesg | tail -n 1 | sed 's/^\[ *[0-9.]*\] /kernel log: /'"
run rmdir $G/site_a $G/site_b

say "Save, clear and restore the configuration with targetcli; then tear down and unload"
run targetcli saveconfig /tmp/demo-saved.json
run targetcli clearconfig confirm=True
run targetcli restoreconfig /tmp/demo-saved.json
run targetcli ls /loopback
run targetcli clearconfig confirm=True
for d in /sys/kernel/config/target/*/; do case $d in */core/) ;; *) rmdir "$d" 2>/dev/null ;; esac; done
for m in iscsi_target_mod tcm_loop target_core_file target_core_mod; do
	[ -e /sys/module/$m ] && run rmmod $m
done
run test ! -e /sys/kernel/config/target && echo "configfs target/ is gone"
run bash -c "dmesg | grep -c 'lio-cxx: leak' || true"
echo
echo "iSCSI (issue 5) joins this demo when it lands: today iscsi_target_mod is a configfs"
echo "skeleton only (targetcli's save/clear/restore need it); it refuses network portals."
