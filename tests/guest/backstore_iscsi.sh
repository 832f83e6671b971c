#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run-args: --timeout 1200
#
# iblock and pscsi backstores exported through the iSCSI fabric to open-iscsi in the same
# guest (127.0.0.1), with removal of the backing device under I/O:
#  (a) targetcli: iblock blk0 on brd (/dev/ram0), iblock blksd on scsi_debug's disk 0, pscsi
#      ps0 on scsi_debug's disk 1; one iSCSI target (demo mode) with lun 0 blk0, lun 1 ps0,
#      lun 2 blksd; open-iscsi logs in and sees the three disks (lun 1 answers INQUIRY as
#      scsi_debug: passthrough);
#  (b) fio randwrite with crc32c verify on lun 0 (iblock) and lun 1 (pscsi), and the data of
#      lun 1 on the scsi_debug disk itself;
#  (c) iblock: scsi_debug's disk 0 (under blksd) deleted while fio runs on lun 2: the errors
#      reach the initiator as sense, fio ends, nothing hangs, the session goes on (lun 0);
#  (d) pscsi: scsi_debug's disk 1 (under ps0) deleted while fio runs on lun 1: the same;
#  (e) logout, target and backstores deleted, every module unloaded, the kernel log clean.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:backstores
TP=$T/iscsi/$IQN/tpgt_1
P=127.0.0.1:3260
T0=$(date +%s)

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours
check "modprobe target_core_mod" modprobe target_core_mod
check "iscsid starts" iscsi_start_iscsid
check "modprobe brd (one 64 MiB ramdisk)" modprobe brd rd_nr=1 rd_size=65536 max_part=0
devnode ram0 b >/dev/null
check "/dev/ram0 is a block device" test -b /dev/ram0
check "modprobe scsi_debug (two 64 MiB disks)" modprobe scsi_debug dev_size_mb=64 num_tgts=2 max_luns=1
scsi_debug_disk
SD0=$SDD
SD1=
for i in $(seq 1 40); do SD1=$(sd_of "$SDH:0:1:0"); [ -n "$SD1" ] && break; sleep 0.25; done
check "scsi_debug has two disks ($SDH:0:0:0 ${SD0:-none}, $SDH:0:1:0 ${SD1:-none})" test -n "$SD0" -a -n "$SD1"
[ -n "$SD0" ] && [ -n "$SD1" ] || finish
devnode "$SD0" b >/dev/null
devnode "$SD1" b >/dev/null
mark_dmesg

# ---------------------------------------------------------------- (a) setup, login
guest_log "(a) iblock and pscsi behind an iSCSI target"
targetcli_batch "targetcli: block blk0, block blksd, pscsi ps0, the target and its LUNs" <<EOT
/backstores/block create blk0 /dev/ram0
/backstores/block create blksd /dev/$SD0
/backstores/pscsi create ps0 /dev/$SD1
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/block/blk0 lun=0
/iscsi/$IQN/tpg1/luns create /backstores/pscsi/ps0 lun=1
/iscsi/$IQN/tpg1/luns create /backstores/block/blksd lun=2
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 demo_mode_write_protect=0 authentication=0
EOT
printf '%s\n' "$out" | grep -E '^(Created|Warning|Error)' | sed 's/^/    /'
check "lun_0, lun_1, lun_2" test -d $TP/lun/lun_0 -a -d $TP/lun/lun_1 -a -d $TP/lun/lun_2
check_eq "the TPG is enabled" 1 "$(cat $TP/enable 2>/dev/null)"
for i in $(seq 1 50); do ss -Htln '( sport = :3260 )' | grep -q . && break; sleep 0.1; done
disc=$(iscsi_discover $P)
check_match "SendTargets lists the target" "$IQN" "$disc"
lo=$(iscsi_login $IQN $P)
check "login" test $? -eq 0
printf '%s\n' "$lo" | sed 's/^/    /'
sid=$(iscsi_sid $IQN $P)
check "a session to $P exists" test -n "$sid"
D0=$(iscsi_disk_of_session "$sid" 0)
D1=$(iscsi_disk_of_session "$sid" 1)
D2=$(iscsi_disk_of_session "$sid" 2)
check "lun 0 (iblock on brd) has a block device" test -b "$D0"
check "lun 1 (pscsi) has a block device" test -b "$D1"
check "lun 2 (iblock on scsi_debug) has a block device" test -b "$D2"
ls_out=$(lsscsi)
printf '%s\n' "$ls_out" | sed 's/^/    /'
check_match "lun 0 is an LIO-ORG disk named blk0" "disk +LIO-ORG +blk0 " "$ls_out"
check_match "lun 1 is scsi_debug itself (INQUIRY passed through)" "disk +Linux +scsi_debug .* ${D1} *$" "$ls_out"
check_match "lun 2 is an LIO-ORG disk named blksd" "disk +LIO-ORG +blksd " "$ls_out"

# ---------------------------------------------------------------- (b) fio verify
guest_log "(b) fio randwrite + crc32c verify on iblock and pscsi"
for l in 0 1; do
	d=$([ $l = 0 ] && echo "$D0" || echo "$D1")
	job=(--name=isc$l --filename="$d" --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite
		--bs=8k --size=48M --io_size=12M --randrepeat=0 --randseed=20240601 --verify=crc32c
		--verify_fatal=1)
	o=$(fio "${job[@]}" 2>&1)
	check "lun $l: fio randwrite 12 MiB + crc32c verify exits 0" test $? -eq 0
	printf '%s\n' "$o" | grep -E 'err=|WRITE:|READ:' | sed 's/^/    /'
	check_match "lun $l: fio reports err=0" "err= *0" "$o"
	check_match "lun $l: fio read the blocks back for its verify" "READ: bw=" "$o"
	o=$(fio "${job[@]}" --randseed=1 --verify_only 2>&1)
	check "lun $l: the same verify with another seed fails (the check can fail)" test $? -ne 0
done
dd if=/dev/urandom of=/tmp/bi_pat bs=1M count=4 status=none
check "write 4 MiB in 1 MiB requests through lun 1" dd if=/tmp/bi_pat of="$D1" bs=1M seek=52 oflag=direct status=none
check_eq "the data is on the scsi_debug disk itself" "$(md5 </tmp/bi_pat)" \
	"$(dd if=/dev/$SD1 bs=1M skip=52 count=4 iflag=direct status=none | md5)"
check "write the same through lun 0" dd if=/tmp/bi_pat of="$D0" bs=1M seek=52 oflag=direct status=none
check_eq "and it is on /dev/ram0" "$(md5 </tmp/bi_pat)" \
	"$(dd if=/dev/ram0 bs=1M skip=52 count=4 iflag=direct status=none | md5)"
check_eq "no Oops, BUG or WARNING so far" "" "$(dmesg_trouble)"

# One backing scsi_debug device deleted while fio runs on the LUN above it: errors reach the
# initiator as sense, fio ends, the session and the other LUN are unharmed.
# removed_under_fio KIND DEV SCSI_ID SD BACKSTORE FIO_LOG
removed_under_fio() {
	local kind=$1 dev=$2 id=$3 sd=$4 bs=$5 log=$6
	mark_dmesg
	fio_start_under_removal "$dev" "$log"
	check "delete scsi_debug's device $id (/dev/$sd, under $bs)" \
		sh -c "echo 1 > /sys/class/scsi_device/$id/device/delete"
	fio_end_after_removal "$log" 3
	check_match "the initiator saw the failure as sense (LOGICAL UNIT COMMUNICATION FAILURE)" \
		"Logical unit communication failure" "$(new_dmesg | grep -i 'sense' | sort -u | head -20)"
	check_match "the session is still LOGGED_IN" "iSCSI Session State: LOGGED_IN" \
		"$(iscsiadm -m session -r "$sid" -P 1 2>&1)"
	check_eq "lun 0 still reads its data" "$(md5 </tmp/bi_pat)" \
		"$(dd if="$D0" bs=1M skip=52 count=4 iflag=direct status=none | md5)"
	check_eq "no Oops, BUG, WARNING or hung task after the $kind removal" "" "$(dmesg_trouble)"
}

# ---------------------------------------------------------------- (c) iblock: device removed
guest_log "(c) iblock: scsi_debug disk 0 deleted while fio runs on lun 2"
removed_under_fio iblock "$D2" "$SDH:0:0:0" "$SD0" blksd /tmp/bi_fio_ib.log

# ---------------------------------------------------------------- (d) pscsi: device removed
# The initiator's sense messages are rate limited (10 per 5 s, scsi_io_completion): (c) used
# them up; let the window pass so that (d)'s failures are logged too.
sleep 6
guest_log "(d) pscsi: scsi_debug disk 1 deleted while fio runs on lun 1"
removed_under_fio pscsi "$D1" "$SDH:0:1:0" "$SD1" ps0 /tmp/bi_fio_ps.log

# ---------------------------------------------------------------- (e) teardown
guest_log "(e) logout, delete, unload"
mark_dmesg
check "logout of everything" iscsi_logout_all
check "no session remains" sh -c '! iscsiadm -m session >/dev/null 2>&1'
targetcli_batch "targetcli: delete the target and the backstores (two of them lost their device)" <<EOT
/iscsi delete $IQN
/backstores/block delete blk0
/backstores/block delete blksd
/backstores/pscsi delete ps0
EOT
check "the target is gone" test ! -e $T/iscsi/$IQN
check_eq "no storage object left" "" "$(ls -d $T/core/*/*/ 2>/dev/null | grep -v alua)"
for h in $T/core/iblock_* $T/core/pscsi_*; do [ -d "$h" ] && rmdir "$h"; done
unload_target_modules
check "rmmod scsi_debug (no reference left on its devices)" rmmod scsi_debug
check "rmmod brd (no claim left on /dev/ram0)" rmmod brd
check_eq "no leak, Oops, BUG or WARNING at teardown" "" "$(dmesg_trouble)"
rm -f /tmp/bi_pat /tmp/bi_fio_ib.log /tmp/bi_fio_ps.log
echo "    guest script time: $(($(date +%s) - T0)) s"

finish
