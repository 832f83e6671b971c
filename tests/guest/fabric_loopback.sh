#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The loopback fabric, module tcm_loop of lio-cxx: unmodified targetcli makes a loopback
# target with a ramdisk and a fileio LUN; the local SCSI midlayer finds both as LIO-ORG disks
# at once (no rescan); INQUIRY, READ CAPACITY(16), VPD 0x83 and 0xb0 answer what the devices'
# configfs attributes say; data written through /dev/sdX reads back (and lands in the fileio
# backing file); tcm_loop's own files (version, nexus, transport_status, address,
# fabric_prot_type) behave as LIO's, refused writes included; a LUN removed disappears from
# the midlayer; a nexus made after its LUNs brings them in; deleting the target and the
# backstores with targetcli leaves no SCSI host and every module unloads, twice.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef012
L=$T/loopback/$WWN
IMG=/tmp/lb_disk0.img

guest_configfs
guest_start_dbus
mask_stock_target_modules

# LIO's NAA IEEE Registered Extended designator: 6, OUI 001405, then the first 25 hex digits
# of the unit serial.
naa_of_serial() { printf '0x6001405%s\n' "$(printf '%s' "$1" | tr -cd '0-9a-fA-F' | cut -c1-25 | tr A-F a-f)"; }

rm -f $IMG

check "modprobe target_core_mod" modprobe target_core_mod
check_match "tcm_loop is ours (updates/)" "/updates/" "$(modinfo -n tcm_loop)"
check "modprobe sd_mod sg" guest_modprobe_initiators

# --- targetcli ---
targetcli_run "targetcli: ramdisk rd0 16M" /backstores/ramdisk create rd0 16M
targetcli_run "targetcli: fileio disk0 10M write-thru" /backstores/fileio create disk0 $IMG 10M write_back=false
targetcli_run "targetcli /loopback create $WWN" /loopback create $WWN
check "tcm_loop was loaded" test -e /sys/module/tcm_loop
targetcli_run "targetcli luns create rd0" /loopback/$WWN/luns create /backstores/ramdisk/rd0
targetcli_run "targetcli luns create disk0" /loopback/$WWN/luns create /backstores/fileio/disk0
targetcli_run "targetcli ls /loopback" ls /loopback
check_match "targetcli lists the target with its nexus" "o- $WWN \.+ \[naa\.5001405[0-9a-f]{9}\]" "$out"
check_match "targetcli lists 2 LUNs" "o- luns \.+ \[LUNs: 2\]" "$out"

# --- tcm_loop's configfs files ---
H=$(loop_host)
check "a tcm_loopback SCSI host exists" test -n "$H"
check_eq "loopback/version" "TCM Loopback Fabric module v2.1-rc2" "$(cat $T/loopback/version)"
check_match "tpgt_1/nexus is the initiator port" "^naa\.5001405[0-9a-f]{9}$" "$(cat $L/tpgt_1/nexus)"
check_eq "tpgt_1/transport_status" "online" "$(cat $L/tpgt_1/transport_status)"
check_eq "tpgt_1/address is host:0:tpgt" "$H:0:1" "$(cat $L/tpgt_1/address)"
check_eq "tpgt_1/attrib/fabric_prot_type" "0" "$(cat $L/tpgt_1/attrib/fabric_prot_type)"
check_eq "the adapter is on the tcm_loop bus" "1" "$(ls /sys/bus/tcm_loop_bus/devices | grep -c tcm_loop_adapter_)"
check_eq "nexus twice: EEXIST" EEXIST "$(cfs_write $L/tpgt_1/nexus naa.5001405000000001)"
check_eq "nexus NULL while LUNs exist: EPERM" EPERM "$(cfs_write $L/tpgt_1/nexus NULL)"
check_eq "fabric_prot_type 2: EINVAL" EINVAL "$(cfs_write $L/tpgt_1/attrib/fabric_prot_type 2)"
check_eq "fabric_prot_type 3" OK "$(cfs_write $L/tpgt_1/attrib/fabric_prot_type 3)"
check_eq "fabric_prot_type reads 3" "3" "$(cat $L/tpgt_1/attrib/fabric_prot_type)"
check_eq "fabric_prot_type 0" OK "$(cfs_write $L/tpgt_1/attrib/fabric_prot_type 0)"
check_eq "transport_status bogus: EINVAL" EINVAL "$(cfs_write $L/tpgt_1/transport_status up)"
check_eq "address is read-only" EACCES "$(cfs_write $L/tpgt_1/address 1:0:1)"
check_eq "mkdir tpgt_32 (TL_TPGS_PER_HBA): EINVAL" EINVAL "$(cfs_mkdir $L/tpgt_32)"
check_eq "mkdir a WWN without naa./fc./iqn.: EINVAL" EINVAL "$(cfs_mkdir $T/loopback/eui.0123456789abcdef)"

# --- the SCSI devices ---
out=$(lsscsi)
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "lsscsi: two LIO-ORG disks" "2" "$(printf '%s\n' "$out" | grep -c "disk *LIO-ORG")"
check_match "lsscsi: lun 0 at $H:0:1:0" "^\[$H:0:1:0\] +disk +LIO-ORG" "$out"
check_match "lsscsi: lun 1 at $H:0:1:1" "^\[$H:0:1:1\] +disk +LIO-ORG" "$out"

RD=$(ls -d $T/core/rd_mcp_*/rd0 | head -1)
FD=$(ls -d $T/core/fileio_*/disk0 | head -1)
lun_checks() { # hctl configfs-dev label blocks
	local hctl=$1 D=$2 label=$3 blocks=$4 sd sg o serial
	sd=$(sd_of $hctl)
	sg=$(sg_of $hctl)
	check "$label: has a block device" test -n "$sd"
	check "$label: has an sg device" test -n "$sg"
	[ -n "$sg" ] || return
	sg=$(devnode $sg c)
	check "$label: pending unit attentions cleared (TEST UNIT READY passes)" clear_ua $sg
	o=$(sg_inq $sg 2>&1)
	check_match "$label: INQUIRY vendor LIO-ORG" "Vendor identification: LIO-ORG" "$o"
	if [ -f $D/wwn/product_id ]; then
		check_match "$label: INQUIRY product = wwn/product_id" \
			"Product identification: $(cat $D/wwn/product_id) *\$" "$o"
	fi
	check_match "$label: INQUIRY revision 4.0" "Product revision level: 4.0" "$o"
	check_match "$label: INQUIRY disk" "Peripheral device type: disk" "$o"
	o=$(sg_readcap -l $sg 2>&1)
	check_match "$label: READ CAPACITY(16) blocks" "Number of logical blocks=$blocks\b" "$o"
	check_match "$label: READ CAPACITY(16) block size" "Logical block length=512 bytes" "$o"
	o=$(sg_vpd -p 0x83 $sg 2>&1)
	serial=$(sed -n 's/^T10 VPD Unit Serial Number: //p' $D/wwn/vpd_unit_serial)
	check_match "$label: VPD 0x83 NAA from the unit serial" "^ *$(naa_of_serial "$serial")$" "$o"
	check_match "$label: VPD 0x83 T10 vendor id" "vendor id: LIO-ORG" "$o"
	check_match "$label: VPD 0x83 target port name" "$WWN,t,0x0001" "$o"
	o=$(sg_vpd -p 0xb0 $sg 2>&1)
	check_match "$label: VPD 0xb0 maximum transfer length = hw_max_sectors" \
		"Maximum transfer length: $(cat $D/attrib/hw_max_sectors) blocks" "$o"
	check_match "$label: VPD 0xb0 optimal transfer length = optimal_sectors" \
		"Optimal transfer length: $(cat $D/attrib/optimal_sectors) blocks" "$o"
}
lun_checks $H:0:1:0 "$RD" "rd0 (lun 0)" 32768
lun_checks $H:0:1:1 "$FD" "disk0 (lun 1)" 20480

# --- data ---
dd if=/dev/urandom of=/tmp/lb_pat bs=1M count=4 status=none
want=$(md5 </tmp/lb_pat)
for lun in 0 1; do
	sd=$(sd_of $H:0:1:$lun)
	[ -n "$sd" ] || continue
	dev=$(devnode $sd b)
	check "lun $lun: write 4 MiB at 1 MiB (O_DIRECT)" \
		dd if=/tmp/lb_pat of=$dev bs=1M seek=1 count=4 oflag=direct conv=fsync status=none
	check_eq "lun $lun: read back" "$want" "$(dd if=$dev bs=1M skip=1 count=4 iflag=direct status=none | md5)"
	check "lun $lun: 512-byte writes" dd if=/tmp/lb_pat of=$dev bs=512 seek=16384 count=64 oflag=direct status=none
	check_eq "lun $lun: 512-byte reads" "$(head -c 32768 /tmp/lb_pat | md5)" \
		"$(dd if=$dev bs=512 skip=16384 count=64 iflag=direct status=none | md5)"
done
check_eq "fileio: the data is in the backing file" "$want" \
	"$(dd if=$IMG bs=1M skip=1 count=4 status=none | md5)"

# --- transport_status ---
sg0=$(devnode "$(sg_of $H:0:1:0)" c)
check_eq "transport_status offline" OK "$(cfs_write $L/tpgt_1/transport_status offline)"
check_eq "transport_status reads offline" "offline" "$(cat $L/tpgt_1/transport_status)"
# sg_turs exits 0 on a host byte; its output tells.
o=$(sg_turs $sg0 2>&1)
check_match "TEST UNIT READY fails while offline (DID_TRANSPORT_DISRUPTED)" \
	"Host_status=0x0e|DID_TRANSPORT_DISRUPTED" "$o"
check_eq "transport_status online" OK "$(cfs_write $L/tpgt_1/transport_status online)"
check "TEST UNIT READY passes online again" sh -c "sg_turs $sg0 || sg_turs $sg0"

# --- the SCSI error handler's device reset reaches the core as a LOGICAL UNIT RESET ---
resets_before=$(cat $RD/statistics/scsi_lu/resets)
mark_dmesg
check "sg_reset --device (the midlayer's eh_device_reset_handler)" sg_reset --device $sg0
check_eq "rd0 counts one LOGICAL UNIT RESET" "$((resets_before + 1))" "$(cat $RD/statistics/scsi_lu/resets)"
check "TEST UNIT READY passes after the reset" clear_ua $sg0
check_eq "no trouble in the kernel log around the reset" "" \
	"$(new_dmesg | grep -E 'Oops|BUG:|WARNING:|blocked for more than|FAILED Result')"

# --- LUN removal reaches the midlayer without a rescan ---
targetcli_run "targetcli luns delete lun1" /loopback/$WWN/luns delete lun1
check "$H:0:1:1 is gone" test ! -e /sys/class/scsi_device/$H:0:1:1
check "$H:0:1:0 stays" test -e /sys/class/scsi_device/$H:0:1:0
check_eq "lsscsi: one LIO-ORG disk" "1" "$(lsscsi | grep -c "disk *LIO-ORG")"

# --- a second TPG by hand: LUN first, nexus after; prefix rules of the nexus ---
P=$L/tpgt_2
check_eq "mkdir tpgt_2" OK "$(cfs_mkdir $P)"
check_eq "tpgt_2/nexus without a nexus: ENODEV" ENODEV "$(python3 -c 'import sys, errno
try:
    open(sys.argv[1]).read(); print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' $P/nexus)"
check "mkdir tpgt_2/lun/lun_3" mkdir $P/lun/lun_3
check "link rd0 to lun_3" ln -s "$RD" $P/lun/lun_3/lun3link
check "no device before the nexus" test ! -e /sys/class/scsi_device/$H:0:2:3
check_eq "nexus iqn. on a naa. target: EINVAL" EINVAL "$(cfs_write $P/nexus iqn.1994-05.com.example:x)"
check_eq "nexus without a known prefix: EINVAL" EINVAL "$(cfs_write $P/nexus eui.0123)"
check_eq "nexus naa.5001405000000002" OK "$(cfs_write $P/nexus naa.5001405000000002)"
check_eq "tpgt_2/nexus reads it" "naa.5001405000000002" "$(cat $P/nexus)"
check "the nexus brings lun 3 in as $H:0:2:3" test -e /sys/class/scsi_device/$H:0:2:3
check_eq "tpgt_2/address" "$H:0:2" "$(cat $P/address)"
check "unlink lun_3" rm $P/lun/lun_3/lun3link
check "$H:0:2:3 is gone" test ! -e /sys/class/scsi_device/$H:0:2:3
check "rmdir lun_3" rmdir $P/lun/lun_3
check_eq "nexus NULL" OK "$(cfs_write $P/nexus NULL)"
check_eq "nexus NULL again: ENODEV" ENODEV "$(cfs_write $P/nexus NULL)"
check_eq "rmdir tpgt_2" OK "$(cfs_rmdir $P)"

# --- cleanup and unload ---
# What targetcli users do: clearconfig (rtslib loads iscsi_target_mod, ours, to clear its
# discovery_auth), then the fabric directories go and every module unloads.
targetcli_run "targetcli clearconfig confirm=True" clearconfig confirm=True
check_eq "clearconfig removed every device" "0" "$(find $T/core -mindepth 2 -maxdepth 2 -type d ! -path "$T/core/alua/*" | wc -l)"
check_eq "clearconfig removed the loopback target" "" "$(find $T/loopback -mindepth 1 -maxdepth 1 -type d ! -name discovery_auth 2>/dev/null)"
for h in $T/core/rd_mcp_* $T/core/fileio_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "rmdir target/loopback" OK "$(cfs_rmdir $T/loopback)"
for f in $T/*/; do case $f in */core/) ;; *) rmdir "$f" 2>/dev/null ;; esac; done
check "no loopback directory left" test ! -e $T/loopback
check_eq "no backstore left" "" "$(ls $T/core | grep -v -e alua)"
check_eq "no tcm_loopback SCSI host left" "" "$(loop_host)"
check_eq "no adapter left on the tcm_loop bus" "0" "$(ls /sys/bus/tcm_loop_bus/devices | grep -c .)"
check_eq "no LIO-ORG device left" "0" "$(lsscsi | grep -c LIO-ORG)"
mark_dmesg
unload_ours() {
	local m
	for m in iscsi_target_mod tcm_loop target_core_file target_core_mod; do
		[ -e /sys/module/$m ] || continue
		rmmod $m || return 1
	done
}
check "every module unloads (iscsi_target_mod tcm_loop target_core_file target_core_mod)" unload_ours
check "tcm_loop is gone" test ! -e /sys/module/tcm_loop
check "the tcm_loop bus is gone" test ! -e /sys/bus/tcm_loop_bus

# Again: load, a WWN and its host, nexus, gone, unload.
check "modprobe tcm_loop (pulls target_core_mod)" modprobe tcm_loop
check_eq "mkdir target/loopback" OK "$(cfs_mkdir $T/loopback)"
check_eq "mkdir loopback WWN again" OK "$(cfs_mkdir $T/loopback/$WWN)"
check_eq "mkdir tpgt_1" OK "$(cfs_mkdir $L/tpgt_1)"
check_eq "nexus" OK "$(cfs_write $L/tpgt_1/nexus naa.5001405000000003)"
check_eq "rmdir tpgt_1 with its nexus" OK "$(cfs_rmdir $L/tpgt_1)"
check_eq "rmdir the WWN" OK "$(cfs_rmdir $L)"
check_eq "its host is gone" "" "$(loop_host)"
check_eq "rmdir target/loopback again" OK "$(cfs_rmdir $T/loopback)"
check "rmmod tcm_loop target_core_mod" rmmod tcm_loop target_core_mod
check_eq "no leak reported at unload" "0" "$(new_dmesg | grep -c 'lio-cxx: leak')"
rm -f $IMG /tmp/lb_pat

finish
