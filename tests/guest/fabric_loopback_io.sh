#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The loopback fabric (tcm_loop of lio-cxx) under real I/O:
#  (a) the loopback configfs tree made by targetcli matches stock LIO's (names, modes and the
#      defaults that do not depend on creation order, serials or host numbers);
#  (c) ext4 on a ramdisk LUN: a file written, unmounted, mounted again, same md5;
#  (b) fio random writes with crc32c verification over a fileio LUN (backing file on tmpfs),
#      then every module unloaded and loaded again, the same file exported again with
#      targetcli (alone, as lun 1), and fio --verify_only proves the data survived;
#  (d) a LUN removed with targetcli while fio runs on it: fio ends with errors, nothing hangs,
#      the SCSI device disappears, the kernel log stays clean;
#  (e) every module unloads at the end.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef012
L=$T/loopback/$WWN
IMG=/tmp/lbio_f0.img
# lio-cxx shows 6.12's attribute set on every kernel (param/default_submit_type,
# direct_submit_supported, tpgt_N/rtpi), as the core tests compare it.
REF=$LIO_SRC/tests/reference/lio-6.12

guest_configfs
guest_start_dbus
mask_stock_target_modules

# Teardown as targetcli users do it without clearconfig (rtslib's clear_existing() modprobes
# iscsi_target_mod for its discovery_auth; lio-cxx has no iSCSI module yet): the target, each
# backstore, empty HBAs, target/loopback, then every module.
teardown() { # label backstore-paths...
	local label=$1 b h
	shift
	targetcli_run "$label: targetcli /loopback delete $WWN" /loopback delete $WWN
	for b in "$@"; do
		targetcli_run "$label: targetcli $b delete" "${b%/*}" delete "${b##*/}"
	done
	for h in $T/core/rd_mcp_* $T/core/fileio_*; do [ -d "$h" ] && rmdir "$h"; done
	check_eq "$label: rmdir target/loopback" OK "$(cfs_rmdir $T/loopback)"
	check_eq "$label: no tcm_loopback SCSI host left" "" "$(loop_host)"
	check "$label: rmmod tcm_loop target_core_file target_core_mod" \
		rmmod tcm_loop target_core_file target_core_mod
	check "$label: no target module left" \
		test ! -e /sys/module/tcm_loop -a ! -e /sys/module/target_core_file -a ! -e /sys/module/target_core_mod
}

# fio job over a whole device: random 8 KiB writes, crc32c in every block, a fixed seed so that
# a later --verify_only run walks the same blocks (fio honours randseed only with randrepeat=0).
FIO_JOB=(--name=lbio --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite --bs=8k
	--size=64M --io_size=16M --randrepeat=0 --randseed=20240601 --verify=crc32c --verify_fatal=1)

rm -f $IMG
check "modprobe target_core_mod" modprobe target_core_mod
check_match "tcm_loop is ours (updates/)" "/updates/" "$(modinfo -n tcm_loop)"
check "modprobe sd_mod sg ext4" sh -c "modprobe sd_mod && modprobe sg && modprobe ext4"

# ---------------------------------------------------------------- setup
guest_log "setup"
targetcli_run "targetcli: fileio f0 64M write-thru (tmpfs file)" /backstores/fileio create f0 $IMG 64M write_back=false
targetcli_run "targetcli: ramdisk rd0 64M" /backstores/ramdisk create rd0 64M
targetcli_run "targetcli /loopback create $WWN" /loopback create $WWN
targetcli_run "targetcli luns create rd0 (lun 0)" /loopback/$WWN/luns create /backstores/ramdisk/rd0 lun=0
targetcli_run "targetcli luns create f0 (lun 1)" /loopback/$WWN/luns create /backstores/fileio/f0 lun=1
H=$(loop_host)
check "a tcm_loopback SCSI host exists" test -n "$H"

# ---------------------------------------------------------------- (a) configfs tree
guest_log "(a) configfs tree"
# The reference's lun_0 is over iblock and its lun_1 over pscsi: compare the fabric's own
# directories and lun_0's files, not lun_1 nor lun_0's device link (random name, other
# backstore); values only where they are defaults independent of order, serials and hosts.
W=loopback/$WWN
prefixes=(loopback/version loopback/discovery_auth $W/fabric_statistics $W/param
	$W/tpgt_1/acls $W/tpgt_1/address $W/tpgt_1/attrib $W/tpgt_1/auth $W/tpgt_1/nexus
	$W/tpgt_1/np $W/tpgt_1/param $W/tpgt_1/rtpi $W/tpgt_1/transport_status)
for f in alua_tg_pt_gp alua_tg_pt_offline alua_tg_pt_status alua_tg_pt_write_md statistics; do
	prefixes+=($W/tpgt_1/lun/lun_0/$f)
done
values=(loopback/version $W/tpgt_1/attrib/fabric_prot_type $W/tpgt_1/transport_status
	$W/tpgt_1/lun/lun_0/alua_tg_pt_gp $W/tpgt_1/lun/lun_0/alua_tg_pt_offline
	$W/tpgt_1/lun/lun_0/alua_tg_pt_status $W/tpgt_1/lun/lun_0/alua_tg_pt_write_md
	$W/tpgt_1/lun/lun_0/statistics/scsi_port/busy_count
	$W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/hs_in_cmds
	$W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/port_index
	$W/tpgt_1/lun/lun_0/statistics/scsi_transport/device
	$W/tpgt_1/lun/lun_0/statistics/scsi_transport/proto_id
	$W/param/cmd_completion_affinity $W/param/default_submit_type $W/param/direct_submit_supported)
record_results < <(python3 "$LIO_SRC/tests/guest/cfs_tree.py" compare "$REF/configfs-tree.txt" \
	"${prefixes[@]}" --values "${values[@]}" 2>&1)
check_eq "tpgt_1 has the directories and files of the reference" \
	"$(sed -n "s|^[df] $W/tpgt_1/\([^/ ]*\) .*|\1|p" "$REF/configfs-tree.txt" | sort -u | tr '\n' ' ')" \
	"$(ls $L/tpgt_1 | sort | tr '\n' ' ')"
check_eq "lun_0 has the entries of the reference" \
	"$(sed -n "s|^[dfl] $W/tpgt_1/lun/lun_0/\([^/ ]*\) .*|\1|p" "$REF/configfs-tree.txt" | grep -v '^[0-9a-f]\{10\}$' | sort -u | tr '\n' ' ')" \
	"$(ls $L/tpgt_1/lun/lun_0 | grep -v '^[0-9a-f]\{10\}$' | sort | tr '\n' ' ')"
link=$(find $L/tpgt_1/lun/lun_0 -maxdepth 1 -type l)
check_match "lun_0 has one device link named as rtslib names it" "^$L/tpgt_1/lun/lun_0/[0-9a-f]{10}$" "$link"
check_match "lun_0's link points at the ramdisk as in the reference" \
	"^\.\./\.\./\.\./\.\./\.\./\.\./target/core/rd_mcp_[0-9]+/rd0$" "$(readlink "$link")"
check_eq "tpgt_1/address is host:0:1" "$H:0:1" "$(cat $L/tpgt_1/address)"

# ---------------------------------------------------------------- (c) ext4 on a ramdisk LUN
guest_log "(c) ext4 on a ramdisk LUN"
RD=$(blkdev_of $H:0:1:0)
check "ramdisk lun 0 has a block device" test -n "$RD"
if [ -n "$RD" ]; then
	mkdir -p /mnt/lbio
	check "mkfs.ext4 $RD" mkfs.ext4 -q -F $RD
	check "mount $RD" mount -t ext4 $RD /mnt/lbio
	dd if=/dev/urandom of=/tmp/lbio_pat bs=1M count=8 status=none
	want=$(md5sum </tmp/lbio_pat | cut -c1-32)
	check "write an 8 MiB file" sh -c "cp /tmp/lbio_pat /mnt/lbio/pat && sync"
	check_eq "md5 of the file" "$want" "$(md5sum </mnt/lbio/pat | cut -c1-32)"
	check "umount" umount /mnt/lbio
	check "flush the block device's cache" blockdev --flushbufs $RD
	check "mount again" mount -t ext4 $RD /mnt/lbio
	check_eq "md5 of the file after the remount" "$want" "$(md5sum </mnt/lbio/pat | cut -c1-32)"
	check "umount again" umount /mnt/lbio
	check "fsck.ext4 -n finds the filesystem clean" fsck.ext4 -n $RD
	rm -f /tmp/lbio_pat
fi

# ---------------------------------------------------------------- (b) fio verify across reload
guest_log "(b) fio over fileio, data across a module reload"
F0=$(blkdev_of $H:0:1:1)
check "fileio lun 1 has a block device" test -n "$F0"
if [ -n "$F0" ]; then
	out=$(fio "${FIO_JOB[@]}" --filename=$F0 2>&1)
	rc=$?
	check "fio randwrite 16 MiB + crc32c verify on $F0" test $rc -eq 0
	printf '%s\n' "$out" | grep -E 'err=|WRITE:|READ:|verify' | sed 's/^/    /'
	check_match "fio reports no error" "err= *0" "$out"
fi
teardown "(b) unload" /backstores/ramdisk/rd0 /backstores/fileio/f0
img_md5=$(md5sum <$IMG | cut -c1-32)
check "modprobe target_core_mod again" modprobe target_core_mod
targetcli_run "targetcli: fileio f0 over the same file" /backstores/fileio create f0 $IMG write_back=false
check_eq "the backing file is unchanged by the export" "$img_md5" "$(md5sum <$IMG | cut -c1-32)"
targetcli_run "targetcli /loopback create $WWN again" /loopback create $WWN
# Only lun 1 this time: the target's first SCSI device is not LUN 0.
targetcli_run "targetcli luns create f0 (lun 1) again" /loopback/$WWN/luns create /backstores/fileio/f0 lun=1
H=$(loop_host)
F0=$(blkdev_of $H:0:1:1)
check "fileio lun 1 is back as a block device" test -n "$F0"
if [ -n "$F0" ]; then
	out=$(fio "${FIO_JOB[@]}" --filename=$F0 --verify_only 2>&1)
	rc=$?
	check "fio --verify_only after the reload: the data survived" test $rc -eq 0
	printf '%s\n' "$out" | grep -E 'err=|READ:|verify' | sed 's/^/    /'
	check_match "fio --verify_only read the blocks" "READ: bw=" "$out"
	# A negative control: the same verification against other data must fail.
	out=$(fio "${FIO_JOB[@]}" --filename=$F0 --verify_only --randseed=1 2>&1)
	check "fio --verify_only with another seed fails (the check can fail)" test $? -ne 0
fi

# ---------------------------------------------------------------- (d) LUN removed under fio
guest_log "(d) a LUN removed while fio runs"
targetcli_run "targetcli: ramdisk rd1 32M" /backstores/ramdisk create rd1 32M
targetcli_run "targetcli luns create rd1 (lun 2)" /loopback/$WWN/luns create /backstores/ramdisk/rd1 lun=2
R1=$(blkdev_of $H:0:1:2)
check "ramdisk lun 2 has a block device" test -n "$R1"
if [ -n "$R1" ]; then
	mark_dmesg
	fio_start_under_removal $R1 /tmp/lbio_fio_gone.log
	targetcli_run "targetcli luns delete lun2 under fio" /loopback/$WWN/luns delete lun2
	fio_end_after_removal /tmp/lbio_fio_gone.log 5
	check "$H:0:1:2 is gone" test ! -e /sys/class/scsi_device/$H:0:1:2
	check "${R1#/dev/} is gone" test ! -e /sys/class/block/${R1#/dev/}
	check "$H:0:1:1 stays" test -e /sys/class/scsi_device/$H:0:1:1
	check_eq "no oops, warning or hung task in the kernel log" "" "$(dmesg_trouble)"
	rm -f /tmp/lbio_fio_gone.log
	# The other LUNs still work after it.
	check "lun 1 still reads" dd if=$F0 of=/dev/null bs=1M count=4 iflag=direct status=none
fi

# ---------------------------------------------------------------- (e) unload
guest_log "(e) unload"
mark_dmesg
teardown "(e) unload" /backstores/ramdisk/rd1 /backstores/fileio/f0
check_eq "no leak or warning at unload" "" "$(dmesg_trouble)"
rm -f $IMG

finish
