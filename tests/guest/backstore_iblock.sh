#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run-args: --disk 64 --timeout 900
#
# The iblock backstore (target_core_iblock of lio-cxx):
#  (a) by hand: loaded on demand, control parsed (refusals get an errno and one log line), the
#      exclusive claim, LIO's info format;
#  (b) targetcli block storage objects on brd (/dev/ram0), a loop device and the virtio-blk
#      disk vm-run gives the guest (/dev/vda, --disk): ram0's directory against stock LIO's
#      iblock_2/blk0; attributes from the queue (discard only where the queue has it);
#  (c) each exported through tcm_loop: fio random writes with crc32c verify; UNMAP and WRITE
#      SAME where discard exists (VPD 0xB0/0xB2 advertise it only then); SYNCHRONIZE CACHE;
#      a readonly=1 object refusing writes with DATA PROTECT;
#  (d) a scsi_debug disk under an iblock object deleted while fio runs through tcm_loop: the
#      errors reach the initiator as sense, nothing hangs, the kernel log stays clean;
#  (e) teardown and unload, no leak.
# Export through iSCSI (with removal of the backing device under fio): backstore_iscsi.sh.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef012
REF=$LIO_SRC/tests/reference/lio-6.12 # iblock_2/blk0 on /dev/ram0 (6.12 attribute set)
LOOPIMG=/tmp/iblk_loop.img
ROIMG=/tmp/iblk_ro.img

guest_configfs
guest_start_dbus
mask_stock_target_modules

is_612() { case $LIO_KVER in 6.12.*) return 0 ;; esac; return 1; }
# The sense key sg_raw reports for a command, lowercase ("data protect", ...), or "good".
sense_of() { # sg_raw args...
	local o rc
	o=$(sg_raw "$@" 2>&1)
	rc=$?
	if printf '%s\n' "$o" | grep -qi 'sense key'; then
		printf '%s\n' "$o" | sed -n 's/.*[Ss]ense [Kk]ey: *\([A-Za-z ]*\).*/\1/p' | head -1 | tr 'A-Z' 'a-z' | sed 's/ *$//'
	elif [ $rc -eq 0 ]; then
		echo good
	else
		echo "exit $rc: $(printf '%s' "$o" | tr '\n' ' ' | cut -c1-200)"
	fi
}
# Prints OK when an exclusive open of the block device succeeds, else the errno name.
excl_open() {
	python3 -c 'import os, sys, errno
try:
    os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)); print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$1"
}

check "modprobe target_core_mod" modprobe target_core_mod
check_match "target_core_iblock is ours (updates/)" "/updates/" "$(modinfo -n target_core_iblock)"
check "modprobe brd (one 64 MiB ramdisk), loop, sd_mod, sg" \
	sh -c "modprobe brd rd_nr=1 rd_size=65536 max_part=0 && modprobe loop && modprobe sd_mod && modprobe sg"
devnode ram0 b >/dev/null
check "/dev/ram0 is a block device" test -b /dev/ram0
truncate -s 64M $LOOPIMG
LOOP=$(losetup -f --show $LOOPIMG)
check "a loop device over a 64 MiB tmpfs file" test -b "$LOOP"
VDA=
modprobe virtio_blk 2>/dev/null
for i in $(seq 1 20); do [ -e /sys/class/block/vda ] && break; sleep 0.25; done
if [ -e /sys/class/block/vda ]; then
	VDA=$(devnode vda b)
	check_eq "the virtio disk is vm-run's (serial lio-disk)" "lio-disk" "$(cat /sys/class/block/vda/serial 2>/dev/null)"
else
	skip "virtio-blk disk" "vm-run gave the guest none (--disk)"
fi

# ---------------------------------------------------------------- (a) by hand
guest_log "(a) by hand"
check_eq "mkdir core/iblock_9 loads target_core_iblock" OK "$(cfs_mkdir $T/core/iblock_9)"
check "target_core_iblock is loaded" test -e /sys/module/target_core_iblock
check_eq "the HBA pins target_core_iblock" "1" "$(cat /sys/module/target_core_iblock/refcnt)"
check_match "hba_info" "^HBA Index: [0-9]+ plugin: iblock version: v5.0$" "$(cat $T/core/iblock_9/hba_info)"
H9=$T/core/iblock_9
check "mkdir a device by hand" mkdir $H9/man
check_refused "enable before udev_path" EINVAL $H9/man/enable 1
check_refused "control: unknown key" EINVAL $H9/man/control bogus=1
check_refused "control: readonly=2" EINVAL $H9/man/control readonly=2
check_refused "control: readonly=x" EINVAL $H9/man/control readonly=x
check_refused "control: relative udev_path" EINVAL $H9/man/control udev_path=ram0
check_eq "info before enable" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: 0
          readonly: 0
        Major: 0 Minor: 0" "$(cat $H9/man/info)"
check_eq "control: udev_path, readonly=0, force=1" OK "$(cfs_write $H9/man/control "udev_path=/dev/ram0,readonly=0,force=1")"
check_eq "enable" OK "$(cfs_write $H9/man/enable 1)"
check_eq "info (LIO's iblock format)" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 248
        iBlock device: ram0  UDEV PATH: /dev/ram0  readonly: 0
        Major: 1 Minor: 0  CLAIMED: IBLOCK" "$(cat $H9/man/info)"
check_refused "control after enable" EBUSY $H9/man/control readonly=1
check "mkdir a second device" mkdir $H9/man2
check_eq "control: the same udev_path" OK "$(cfs_write $H9/man2/control udev_path=/dev/ram0)"
check_refused "enable of a device claimed by another" EBUSY $H9/man2/enable 1
check_eq "control: a missing device's path" OK "$(cfs_write $H9/man2/control udev_path=/dev/nonexistent)"
check_refused "enable of a missing device" ENOENT $H9/man2/enable 1
check "rmdir the devices" rmdir $H9/man $H9/man2
check_eq "rmdir the HBA" OK "$(cfs_rmdir $H9)"
check_eq "target_core_iblock no longer pinned" "0" "$(cat /sys/module/target_core_iblock/refcnt)"

# ---------------------------------------------------------------- (b) targetcli
guest_log "(b) targetcli block objects"
targetcli_run "targetcli: block blk0 on /dev/ram0" /backstores/block create blk0 /dev/ram0
targetcli_run "targetcli: block blk1 on $LOOP" /backstores/block create blk1 $LOOP
[ -n "$VDA" ] && targetcli_run "targetcli: block blk2 on $VDA" /backstores/block create blk2 $VDA
truncate -s 16M $ROIMG
ROLOOP=$(losetup -f --show $ROIMG)
targetcli_run "targetcli: block blkro on $ROLOOP readonly" /backstores/block create blkro $ROLOOP readonly=true
targetcli_run "targetcli ls /backstores/block" ls /backstores/block
check_match "blk0 listed with device, size, write-thru" "o- blk0 \.+ \[/dev/ram0 \(64\.0MiB\) write-thru deactivated\]" "$out"
check_match "blkro listed as read-only" "o- blkro .*\(16\.0MiB\) ro write-thru" "$out"
D0=$(ls -d $T/core/iblock_*/blk0 | head -1)
D1=$(ls -d $T/core/iblock_*/blk1 | head -1)
DRO=$(ls -d $T/core/iblock_*/blkro | head -1)
check_eq "blk0 udev_path" "/dev/ram0" "$(cat $D0/udev_path)"
check_match "blk0 info" "^ +iBlock device: ram0  UDEV PATH: /dev/ram0  readonly: 0$" "$(sed -n 2p $D0/info)"
check_match "blkro info says readonly: 1" "readonly: 1$" "$(sed -n 2p $DRO/info)"
check_eq "blk1 hw_block_size" "512" "$(cat $D1/attrib/hw_block_size)"
# blk0's directory against stock LIO's iblock_2/blk0 (over /dev/ram0 as well): brd has discard
# on 6.12 (the reference's kernel) only, so the unmap limits are compared there only.
ex="/(info|control)$|/statistics/|/vpd_unit_serial$|/default_tg_pt_gp/members$"
is_612 || ex="$ex|/max_unmap_lba_count$|/max_unmap_block_desc_count$|/unmap_granularity$"
compare_device_dir core/iblock_2/blk0 "$D0" "$ex"
if is_612; then
	check_eq "brd has discard here: emulate_tpu=1 accepted" OK "$(cfs_write $D0/attrib/emulate_tpu 1)"
else
	check_eq "brd: no discard, max_unmap_lba_count 0" "0" "$(cat $D0/attrib/max_unmap_lba_count)"
	check_eq "brd: no discard, max_unmap_block_desc_count 0" "0" "$(cat $D0/attrib/max_unmap_block_desc_count)"
	check_refused "brd: no discard, emulate_tpu=1 refused" ENOSYS $D0/attrib/emulate_tpu 1
fi
check_eq "loop on tmpfs has discard: max_unmap_block_desc_count 1" "1" "$(cat $D1/attrib/max_unmap_block_desc_count)"
check_eq "loop: emulate_tpu=1" OK "$(cfs_write $D1/attrib/emulate_tpu 1)"
check_eq "loop: emulate_tpws=1" OK "$(cfs_write $D1/attrib/emulate_tpws 1)"
check_eq "the loop device is claimed exclusively while blk1 exists" EBUSY "$(excl_open $LOOP)"
check_refused "emulate_write_cache=1 refused (the device reports its own cache)" EINVAL $D0/attrib/emulate_write_cache 1

# ---------------------------------------------------------------- (c) I/O through tcm_loop
guest_log "(c) I/O through tcm_loop"
targetcli_run "targetcli /loopback create $WWN" /loopback create $WWN
targetcli_run "lun 0: blk0" /loopback/$WWN/luns create /backstores/block/blk0 lun=0
targetcli_run "lun 1: blk1" /loopback/$WWN/luns create /backstores/block/blk1 lun=1
targetcli_run "lun 3: blkro" /loopback/$WWN/luns create /backstores/block/blkro lun=3
[ -n "$VDA" ] && targetcli_run "lun 2: blk2" /loopback/$WWN/luns create /backstores/block/blk2 lun=2
H=$(loop_host)
check "a tcm_loopback SCSI host exists" test -n "$H"
FIO_JOB=(--name=iblk --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite --bs=8k
	--size=48M --io_size=12M --randrepeat=0 --randseed=20240601 --verify=crc32c --verify_fatal=1)
for l in 0 1 2; do
	[ $l = 2 ] && [ -z "$VDA" ] && continue
	S=$(blkdev_of $H:0:1:$l)
	check "lun $l has a block device" test -n "$S"
	[ -n "$S" ] || continue
	o=$(fio "${FIO_JOB[@]}" --filename=$S 2>&1)
	check "lun $l: fio randwrite 12 MiB + crc32c verify" test $? -eq 0
	printf '%s\n' "$o" | grep -E 'err=|WRITE:|READ:' | sed 's/^/    /'
	o=$(fio "${FIO_JOB[@]}" --filename=$S --verify_only --randseed=1 2>&1)
	check "lun $l: the same verify with another seed fails (the check can fail)" test $? -ne 0
done
# The data reached the backing devices: what lun 1 wrote is in the loop file.
S1=$(blkdev_of $H:0:1:1)
G1=/dev/$(sg_of $H:0:1:1)
devnode "${G1#/dev/}" c >/dev/null
check_eq "lun 1's first MiB is the loop file's" "$(dd if=$LOOPIMG bs=1M count=1 status=none | md5)" \
	"$(dd if=$S1 bs=1M count=1 iflag=direct status=none | md5)"
clear_ua $G1 >/dev/null
check "SYNCHRONIZE CACHE(10) on lun 1" sg_sync $G1
check_match "lun 1 VPD 0xB2: LBPU and LBPWS (discard supported)" "Unmap command supported \(LBPU\): 1" "$(sg_vpd -p lbpv $G1 2>&1)"
check_match "lun 1 VPD 0xB0: maximum unmap LBA count is the queue's" "Maximum unmap LBA count: [1-9]" "$(sg_vpd -p bl $G1 2>&1)"
dd if=/dev/urandom of=$S1 bs=64k count=1 seek=16 oflag=direct status=none
check "UNMAP of 128 blocks at 2048 on lun 1" sg_unmap --lba=2048 --num=128 $G1
check_eq "the unmapped range reads back as zeroes" "$(head -c 65536 /dev/zero | md5)" \
	"$(dd if=$S1 bs=64k count=1 skip=16 iflag=direct status=none | md5)"
dd if=/dev/urandom of=$S1 bs=64k count=1 seek=20 oflag=direct status=none
head -c 512 /dev/zero >/tmp/iblk_zero
check "WRITE SAME(16) of a zero block over 128 blocks at 2560" sg_write_same --16 --lba=2560 --num=128 --in=/tmp/iblk_zero $G1
check_eq "the written-same range reads back as zeroes" "$(head -c 65536 /dev/zero | md5)" \
	"$(dd if=$S1 bs=64k count=1 skip=20 iflag=direct status=none | md5)"
G0=/dev/$(sg_of $H:0:1:0)
devnode "${G0#/dev/}" c >/dev/null
clear_ua $G0 >/dev/null
if is_612; then
	check_match "lun 0 (brd, discard, emulate_tpu=1) VPD 0xB2 LBPU 1" "Unmap command supported \(LBPU\): 1" "$(sg_vpd -p lbpv $G0 2>&1)"
else
	check_match "lun 0 (brd, no discard) VPD 0xB2 LBPU 0" "Unmap command supported \(LBPU\): 0" "$(sg_vpd -p lbpv $G0 2>&1)"
	check_match "lun 0 VPD 0xB0: maximum unmap LBA count 0" "Maximum unmap LBA count: 0" "$(sg_vpd -p bl $G0 2>&1)"
	check_eq "lun 0: UNMAP is refused (no discard)" "illegal request" "$(sense_of -s 24 -i /dev/zero $G0 42 00 00 00 00 00 00 00 18 00)"
fi
check_match "lun 0 VPD 0xB1: non-rotational (brd)" "Non-rotating medium" "$(sg_vpd -p bdc $G0 2>&1)"
GRO=/dev/$(sg_of $H:0:1:3)
devnode "${GRO#/dev/}" c >/dev/null
clear_ua $GRO >/dev/null
check_eq "readonly lun 3: WRITE(10) gets DATA PROTECT" "data protect" "$(sense_of -s 512 -i /dev/zero $GRO 2a 00 00 00 00 00 00 00 01 00)"
check_eq "readonly lun 3: READ(10) works" "good" "$(sense_of -r 512 -o /dev/null $GRO 28 00 00 00 00 00 00 00 01 00)"
check_match "readonly lun 3: MODE SENSE shows WP=1" "WP=1" "$(sg_modes $GRO 2>&1 | head -3)"
check_match "lun 1 (writable): MODE SENSE shows WP=0" "WP=0" "$(sg_modes $G1 2>&1 | head -3)"
check_eq "the read-only backing file is untouched" "$(head -c 16777216 /dev/zero | md5)" "$(md5 <$ROIMG)"

# ---------------------------------------------------------------- (d) removal under I/O
guest_log "(d) the backing scsi_debug disk deleted while fio runs"
mark_dmesg
check "modprobe scsi_debug (64 MiB disk)" modprobe scsi_debug dev_size_mb=64 num_tgts=1 max_luns=1
scsi_debug_disk
check "scsi_debug has a disk" test -n "$SDD"
if [ -n "$SDD" ]; then
	devnode $SDD b >/dev/null
	targetcli_run "targetcli: block blksd on /dev/$SDD" /backstores/block create blksd /dev/$SDD
	targetcli_run "lun 4: blksd" /loopback/$WWN/luns create /backstores/block/blksd lun=4
	S4=$(blkdev_of $H:0:1:4)
	check "lun 4 has a block device" test -n "$S4"
	fio_start_under_removal $S4 /tmp/iblk_fio_gone.log
	check "delete the scsi_debug disk /dev/$SDD" sh -c "echo 1 > /sys/class/scsi_device/$SDH:0:0:0/device/delete"
	fio_end_after_removal /tmp/iblk_fio_gone.log 3
	check_match "the initiator saw the failure as sense (LOGICAL UNIT COMMUNICATION FAILURE)" \
		"Logical unit communication failure" "$(new_dmesg | grep -i 'sense' | sort -u | head -20)"
	G4=/dev/$(sg_of $H:0:1:4)
	devnode "${G4#/dev/}" c >/dev/null
	check_eq "READ(10) after the removal: HARDWARE ERROR" "hardware error" \
		"$(sense_of -r 512 -o /dev/null $G4 28 00 00 00 00 00 00 00 01 00)"
	check_eq "no oops, warning or hung task in the kernel log" "" "$(dmesg_trouble)"
	targetcli_run "targetcli luns delete lun4" /loopback/$WWN/luns delete lun4
	targetcli_run "targetcli delete blksd (its disk is gone)" /backstores/block delete blksd
	rm -f /tmp/iblk_fio_gone.log
fi
check "lun 1 still reads after it" dd if=$S1 of=/dev/null bs=1M count=4 iflag=direct status=none

# ---------------------------------------------------------------- (e) teardown
guest_log "(e) teardown"
mark_dmesg
targetcli_run "targetcli /loopback delete $WWN" /loopback delete $WWN
for b in blk0 blk1 blkro; do targetcli_run "targetcli delete $b" /backstores/block delete $b; done
[ -n "$VDA" ] && targetcli_run "targetcli delete blk2" /backstores/block delete blk2
for h in $T/core/iblock_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "rmdir target/loopback" OK "$(cfs_rmdir $T/loopback)"
check_eq "the loop device is no longer claimed once blk1 is deleted" OK "$(excl_open $LOOP)"
check "rmmod tcm_loop target_core_iblock target_core_mod" rmmod tcm_loop target_core_iblock target_core_mod
check "no target module left" test ! -e /sys/module/target_core_iblock -a ! -e /sys/module/target_core_mod
check_eq "no leak or warning at unload" "" "$(dmesg_trouble)"
losetup -d $LOOP $ROLOOP
rm -f $LOOPIMG $ROIMG /tmp/iblk_zero

finish
