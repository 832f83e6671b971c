#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The pscsi backstore (target_core_pscsi of lio-cxx) over a scsi_debug disk:
#  (a) by hand: loaded on demand, control parsed (refusals get an errno and one log line),
#      enable finding (or not) the SCSI device, LIO's info format;
#  (b) targetcli pscsi storage object: its directory against stock LIO's pscsi_3/ps0 (also a
#      scsi_debug disk): the passthrough attribute set, pr/ in passthrough mode, wwn/ from
#      the device's INQUIRY and VPD 0x80;
#  (c) exported through tcm_loop next to a ramdisk: INQUIRY and sense come from the device as
#      it gave them (scsi_debug's descriptor-format sense, where our emulation answers in
#      fixed format), REPORT LUNS and unit attentions from the target, fio random writes
#      with crc32c verify, the data on the scsi_debug disk itself;
#  (d) the scsi_debug device deleted while fio runs through tcm_loop: errors reach the
#      initiator as sense, nothing hangs, the kernel log stays clean;
#  (e) teardown and unload, no leak.
# Export through iSCSI (with removal of the backing device under fio): backstore_iscsi.sh.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef012
REF=$LIO_SRC/tests/reference/lio-6.12 # pscsi_3/ps0 over a scsi_debug disk

guest_configfs
guest_start_dbus
mask_stock_target_modules

# sg_raw's verdict: "<format>; <sense key>" of the sense it got, "good", or the failure.
sense_of() { # sg_raw args...
	local o rc
	o=$(sg_raw "$@" 2>&1)
	rc=$?
	if printf '%s\n' "$o" | grep -qi 'sense key'; then
		printf '%s\n' "$o" | grep -i 'sense key' | head -1 | sed 's/^ *//' | tr 'A-Z' 'a-z'
	elif [ $rc -eq 0 ]; then
		echo good
	else
		echo "exit $rc: $(printf '%s' "$o" | tr '\n' ' ' | cut -c1-200)"
	fi
}

check "modprobe target_core_mod sd_mod sg" sh -c "modprobe target_core_mod && modprobe sd_mod && modprobe sg"
check_match "target_core_pscsi is ours (updates/)" "/updates/" "$(modinfo -n target_core_pscsi)"
# dsense=1: scsi_debug answers in descriptor format, our emulation (D_SENSE=0) in fixed format.
check "modprobe scsi_debug (32 MiB disk, descriptor sense)" modprobe scsi_debug dev_size_mb=32 num_tgts=1 max_luns=1 dsense=1
scsi_debug_disk
check "scsi_debug has a disk ($SDH:0:0:0)" test -n "$SDD"
[ -n "$SDD" ] || finish
devnode $SDD b >/dev/null

# ---------------------------------------------------------------- (a) by hand
guest_log "(a) by hand"
check_eq "mkdir core/pscsi_9 loads target_core_pscsi" OK "$(cfs_mkdir $T/core/pscsi_9)"
check "target_core_pscsi is loaded" test -e /sys/module/target_core_pscsi
check_eq "the HBA pins target_core_pscsi" "1" "$(cat /sys/module/target_core_pscsi/refcnt)"
check_match "hba_info" "^HBA Index: [0-9]+ plugin: pscsi version: v5.0$" "$(cat $T/core/pscsi_9/hba_info)"
H9=$T/core/pscsi_9
check "mkdir a device by hand" mkdir $H9/man
check_eq "attrib/ has LIO's passthrough attributes only (6.12's set)" \
	"alua_support emulate_pr hw_block_size hw_max_sectors hw_pi_prot_type hw_queue_depth pgr_support submit_type" \
	"$(ls $H9/man/attrib | tr '\n' ' ' | sed 's/ $//')"
check_refused "enable before the SCSI address" EINVAL $H9/man/enable 1
check_refused "control: unknown key" EINVAL $H9/man/control udev_path=/dev/$SDD
check_refused "control: scsi_host_id=x" EINVAL $H9/man/control scsi_host_id=x
check_refused "control: scsi_lun_id=-1" EINVAL $H9/man/control scsi_lun_id=-1
check_refused "alua_support=1 (fixed for passthrough)" ENOSYS $H9/man/attrib/alua_support 1
check_eq "control: a host that does not exist" OK \
	"$(cfs_write $H9/man/control "scsi_host_id=999,scsi_channel_id=0,scsi_target_id=0,scsi_lun_id=0")"
check_refused "enable of a missing SCSI device" ENODEV $H9/man/enable 1
check_eq "control: scsi_debug's address" OK \
	"$(cfs_write $H9/man/control "scsi_host_id=$SDH,scsi_channel_id=0,scsi_target_id=0,scsi_lun_id=0")"
check_eq "info before enable" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: 0
        SCSI Device Bus Location: Channel ID: 0 Target ID: 0 LUN: 0 Host ID: $SDH" "$(cat $H9/man/info)"
check_eq "enable" OK "$(cfs_write $H9/man/enable 1)"
check_match "info (LIO's pscsi format)" "^Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: [0-9]+
        SCSI Device Bus Location: Channel ID: 0 Target ID: 0 LUN: 0 Host ID: $SDH
        Vendor: Linux    Model: scsi_debug       Rev: [0-9]{4}$" "$(cat $H9/man/info)"
check_refused "control after enable" EBUSY $H9/man/control scsi_lun_id=1
check "rmdir the device" rmdir $H9/man
check_eq "rmdir the HBA" OK "$(cfs_rmdir $H9)"
check_eq "target_core_pscsi no longer pinned" "0" "$(cat /sys/module/target_core_pscsi/refcnt)"

# ---------------------------------------------------------------- (b) targetcli
guest_log "(b) targetcli pscsi object"
targetcli_run "targetcli: pscsi ps0 on /dev/$SDD" /backstores/pscsi create ps0 /dev/$SDD
targetcli_run "targetcli: ramdisk rd0 16M" /backstores/ramdisk create rd0 16M
D=$(ls -d $T/core/pscsi_*/ps0 | head -1)
check_eq "ps0 enabled" "1" "$(cat $D/enable)"
check_eq "ps0 udev_path" "/dev/$SDD" "$(cat $D/udev_path)"
# Against stock LIO's pscsi_3/ps0 (the same scsi_debug disk model; wwn/ from its firmware).
compare_device_dir core/pscsi_3/ps0 "$D" \
	"/(info|control|udev_path)$|/statistics/|/default_tg_pt_gp/members$"
o=$(cat $D/wwn/vpd_assoc_logical_unit)
check_match "vpd_assoc_logical_unit lists scsi_debug's NAA designator (type)" \
	"^T10 VPD Identifier Type: NAA$" "$o"
check_match "vpd_assoc_logical_unit lists scsi_debug's NAA designator (identifier)" \
	"^T10 VPD Binary Device Identifier: 3[0-9a-f]{16,32}$" "$o"
printf '%s\n' "$o" | sed 's/^/    /'
check_eq "a ramdisk has no firmware designators" "" "$(cat $(ls -d $T/core/rd_mcp_*/rd0)/wwn/vpd_assoc_logical_unit)"
check_eq "alua_lu_gp is empty (no ALUA for passthrough), as LIO" "" "$(cat $D/alua_lu_gp)"

# ---------------------------------------------------------------- (c) I/O through tcm_loop
guest_log "(c) through tcm_loop"
targetcli_run "targetcli /loopback create $WWN" /loopback create $WWN
targetcli_run "lun 0: rd0" /loopback/$WWN/luns create /backstores/ramdisk/rd0 lun=0
targetcli_run "lun 1: ps0" /loopback/$WWN/luns create /backstores/pscsi/ps0 lun=1
H=$(loop_host)
check "a tcm_loopback SCSI host exists" test -n "$H"
S=$(blkdev_of $H:0:1:1)
G=/dev/$(sg_of $H:0:1:1)
G0=/dev/$(sg_of $H:0:1:0)
devnode "${G#/dev/}" c >/dev/null
devnode "${G0#/dev/}" c >/dev/null
check "lun 1 (pscsi) has a block device" test -n "$S"
clear_ua $G >/dev/null
clear_ua $G0 >/dev/null
o=$(sg_inq $G 2>&1)
check_match "INQUIRY through lun 1 is the device's (vendor Linux)" "Vendor identification: Linux" "$o"
check_match "INQUIRY through lun 1 is the device's (product scsi_debug)" "Product identification: scsi_debug" "$o"
check_match "INQUIRY through lun 0 is the target's (LIO-ORG)" "Vendor identification: LIO-ORG" "$(sg_inq $G0 2>&1)"
o=$(sg_luns $G 2>&1)
check_match "REPORT LUNS through lun 1 comes from the target (lists lun 0)" "^ +0000000000000000" "$o"
check_match "REPORT LUNS through lun 1 comes from the target (lists lun 1)" "^ +0001000000000000" "$o"
# READ(10) past the end: scsi_debug's own answer is descriptor format (dsense=1).
check_match "sense through lun 1 is the device's (descriptor format, illegal request)" \
	"descriptor format.*illegal request" "$(sense_of -r 512 -o /dev/null $G 28 00 7f ff ff ff 00 00 01 00)"
check_match "sense through lun 0 is the target's (fixed format)" \
	"fixed format.*illegal request" "$(sense_of -r 512 -o /dev/null $G0 28 00 7f ff ff ff 00 00 01 00)"
# LOG SENSE is not emulated by the target: only the device can answer it.
check_eq "LOG SENSE (supported pages) through lun 1: the device answers" good \
	"$(sense_of -r 64 -o /dev/null $G 4d 00 00 00 00 00 00 00 40 00)"
check_match "LOG SENSE through lun 0: the target's emulation refuses it" "illegal request" \
	"$(sense_of -r 64 -o /dev/null $G0 4d 00 00 00 00 00 00 00 40 00)"
# Unit attentions stay in the target: a LUN added to the target is announced on lun 1 too.
targetcli_run "targetcli: ramdisk rd1 8M as lun 2" /backstores/ramdisk create rd1 8M
targetcli_run "lun 2: rd1" /loopback/$WWN/luns create /backstores/ramdisk/rd1 lun=2
check_match "lun 1 reports REPORTED LUNS DATA HAS CHANGED (the target's unit attention)" \
	"unit attention" "$(sense_of $G 00 00 00 00 00 00)"
check_eq "then TEST UNIT READY passes through" good "$(sense_of $G 00 00 00 00 00 00)"
o=$(fio --name=ps --filename=$S --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite --bs=8k \
	--size=24M --io_size=8M --randrepeat=0 --randseed=20240601 --verify=crc32c --verify_fatal=1 2>&1)
check "fio randwrite 8 MiB + crc32c verify through lun 1" test $? -eq 0
printf '%s\n' "$o" | grep -E 'err=|WRITE:|READ:' | sed 's/^/    /'
o=$(fio --name=ps --filename=$S --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite --bs=8k \
	--size=24M --io_size=8M --randrepeat=0 --randseed=1 --verify=crc32c --verify_only 2>&1)
check "the same verify with another seed fails (the check can fail)" test $? -ne 0
dd if=/dev/urandom of=/tmp/ps_pat bs=1M count=4 status=none
check "write 4 MiB in 1 MiB requests through lun 1" dd if=/tmp/ps_pat of=$S bs=1M seek=24 oflag=direct status=none
check_eq "the data is on the scsi_debug disk itself" "$(md5 </tmp/ps_pat)" \
	"$(dd if=/dev/$SDD bs=1M skip=24 count=4 iflag=direct status=none | md5)"
check_eq "and reads back through lun 1" "$(md5 </tmp/ps_pat)" \
	"$(dd if=$S bs=1M skip=24 count=4 iflag=direct status=none | md5)"
rm -f /tmp/ps_pat

# ---------------------------------------------------------------- (d) removal under I/O
guest_log "(d) the scsi_debug device deleted while fio runs"
mark_dmesg
fio_start_under_removal $S /tmp/ps_fio_gone.log
check "delete scsi_debug's device $SDH:0:0:0" sh -c "echo 1 > /sys/class/scsi_device/$SDH:0:0:0/device/delete"
fio_end_after_removal /tmp/ps_fio_gone.log 3
check_match "the initiator saw the failure as sense (LOGICAL UNIT COMMUNICATION FAILURE)" \
	"Logical unit communication failure" "$(new_dmesg | grep -i 'sense' | sort -u | head -20)"
check_match "TEST UNIT READY after the removal: HARDWARE ERROR" "hardware error" "$(sense_of $G 00 00 00 00 00 00)"
# (lun 0 still holds the REPORTED LUNS DATA HAS CHANGED of lun 2's addition: TUR until it passes)
check "lun 0 still answers" clear_ua $G0
check_eq "no oops, warning or hung task in the kernel log" "" "$(dmesg_trouble)"
rm -f /tmp/ps_fio_gone.log

# ---------------------------------------------------------------- (e) teardown
guest_log "(e) teardown"
mark_dmesg
targetcli_run "targetcli /loopback delete $WWN" /loopback delete $WWN
targetcli_run "targetcli delete ps0 (its device is gone)" /backstores/pscsi delete ps0
targetcli_run "targetcli delete rd0" /backstores/ramdisk delete rd0
targetcli_run "targetcli delete rd1" /backstores/ramdisk delete rd1
for h in $T/core/pscsi_* $T/core/rd_mcp_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "rmdir target/loopback" OK "$(cfs_rmdir $T/loopback)"
check "rmmod tcm_loop target_core_pscsi target_core_mod" rmmod tcm_loop target_core_pscsi target_core_mod
check "no target module left" test ! -e /sys/module/target_core_pscsi -a ! -e /sys/module/target_core_mod
check "rmmod scsi_debug (no reference left on its device)" rmmod scsi_debug
check_eq "no leak or warning at unload" "" "$(dmesg_trouble)"

finish
