#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# HBAs, devices and the ramdisk backstore (rd_mcp) of our target_core_mod, driven by unmodified
# targetcli/rtslib and by hand: ramdisks are created, listed with their sizes and configured
# through targetcli; the device directory matches stock LIO's rd_mcp_1/rd0 (names, modes and
# the values that do not depend on exports); refused writes get LIO's errnos with one log line;
# deleting and unloading leaves nothing behind (the module's leak check, the harness's dmesg
# scan).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
REF=$LIO_SRC/tests/reference/lio-6.12 # the only reference with a ramdisk (6.12's attribute set)

guest_configfs
guest_start_dbus

mask_stock_target_modules

# A refused write: the errno, and exactly one new kernel log line.
check_refused() { # name errno path value
	mark_dmesg
	check_eq "$1: $2" "$2" "$(cfs_write "$3" "$4")"
	check_eq "$1: one log line" "1" "$(new_dmesg | grep -c .)"
}

check "modprobe target_core_mod" modprobe target_core_mod
check_match "the loaded module is ours (updates/)" "/updates/" "$(modinfo -n target_core_mod)"

# --- by hand: HBA names as LIO parses them ---
check_eq "mkdir core/foo_0 (no such backend)" EINVAL "$(cfs_mkdir $T/core/foo_0)"
check_eq "mkdir core/rd_mcp_x (index not a number)" EINVAL "$(cfs_mkdir $T/core/rd_mcp_x)"
check_eq "mkdir core/nounderscore" EINVAL "$(cfs_mkdir $T/core/nounderscore)"
check_eq "mkdir core/rd_mcp_99999999999999999999 (index overflows)" ERANGE "$(cfs_mkdir $T/core/rd_mcp_99999999999999999999)"
check_eq "mkdir core/rd_mcp_0x20 (kstrtoul base 0)" OK "$(cfs_mkdir $T/core/rd_mcp_0x20)"
check_match "hba_info format" "^HBA Index: [0-9]+ plugin: rd_mcp version: v5.0$" "$(cat $T/core/rd_mcp_0x20/hba_info)"
check_eq "hba_mode" "0" "$(cat $T/core/rd_mcp_0x20/hba_mode)"
check_eq "mkdir of an existing HBA" EEXIST "$(cfs_mkdir $T/core/rd_mcp_0x20)"
check "mkdir a device by hand" mkdir $T/core/rd_mcp_0x20/manual
check_eq "not enabled yet" "0" "$(cat $T/core/rd_mcp_0x20/manual/enable)"
check_refused "enable before rd_pages" EINVAL $T/core/rd_mcp_0x20/manual/enable 1
check_refused "control: unknown key" EINVAL $T/core/rd_mcp_0x20/manual/control rd_size=4
check_refused "control: malformed number" EINVAL $T/core/rd_mcp_0x20/manual/control rd_pages=12x
check_eq "control: rd_pages=4" OK "$(cfs_write $T/core/rd_mcp_0x20/manual/control rd_pages=4)"
check_refused "enable 0" EINVAL $T/core/rd_mcp_0x20/manual/enable 0
check_eq "enable 1" OK "$(cfs_write $T/core/rd_mcp_0x20/manual/enable 1)"
check_refused "enable twice" EEXIST $T/core/rd_mcp_0x20/manual/enable 1
check_eq "rmdir of an HBA with a device" ENOTEMPTY "$(python3 -c 'import os, sys, errno
try:
    os.rmdir(sys.argv[1]); print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' $T/core/rd_mcp_0x20)"
check_refused "dbroot while devices exist" EBUSY $T/dbroot /tmp
check "rmdir the device" rmdir $T/core/rd_mcp_0x20/manual
check "rmdir the HBA" rmdir $T/core/rd_mcp_0x20

# --- targetcli ---
targetcli_run "targetcli /backstores/ramdisk create rd0 64M" /backstores/ramdisk create rd0 64M
targetcli_run "targetcli /backstores/ramdisk create rd1 16M nullio=true" /backstores/ramdisk create rd1 16M nullio=true
targetcli_run "targetcli ls /backstores" ls /backstores
check_match "ramdisk has 2 storage objects" "o- ramdisk \.+ \[Storage Objects: 2\]" "$out"
check_match "rd0 listed with 64 MiB" "o- rd0 \.+ \[\(64\.0MiB\) deactivated\]" "$out"
check_match "rd1 listed with 16 MiB, nullio" "o- rd1 \.+ \[nullio \(16\.0MiB\) deactivated\]" "$out"

D0=$(ls -d $T/core/rd_mcp_*/rd0 2>/dev/null | head -1)
D1=$(ls -d $T/core/rd_mcp_*/rd1 2>/dev/null | head -1)
check "rd0 exists under an rd_mcp HBA" test -n "$D0" -a -d "$D0"
check "rd1 exists under an rd_mcp HBA" test -n "$D1" -a -d "$D1"
check_eq "rd0 enabled" "1" "$(cat $D0/enable)"
check_match "rd0 info: 16384 pages of 4096, not nullio" "PAGES/PAGE_SIZE: 16384\*4096 .* nullio: 0" "$(cat $D0/info)"
check_match "rd1 info: 4096 pages, nullio" "PAGES/PAGE_SIZE: 4096\*4096 .* nullio: 1" "$(cat $D1/info)"
check_match "rtslib wrote a UUID serial" "^T10 VPD Unit Serial Number: [0-9a-f-]{36}$" "$(cat $D0/wwn/vpd_unit_serial)"
members=$(cat $T/core/alua/lu_gps/default_lu_gp/members)
check_match "default_lu_gp members list rd0" "^rd_mcp_[0-9]+/rd0$" "$members"
check_match "default_lu_gp members list rd1" "^rd_mcp_[0-9]+/rd1$" "$members"

# --- the device directory against stock LIO's rd_mcp_1/rd0 ---
# Values compared: everything that does not depend on exports (LUNs), creation order, time
# or the UUID.
compare_device_dir core/rd_mcp_1/rd0 "$D0" \
	"/(info|control)$|/statistics/scsi_(dev|tgt_dev)/|/scsi_lu/(creation_time|dev|inst|lu_name|status)$|/vpd_unit_serial$|/default_tg_pt_gp/members$"
check_eq "rd0 info before export" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 4294967288" "$(head -1 $D0/info)"
check_eq "rd0 statistics/scsi_tgt_dev/status (no exports)" "deactivated" "$(cat $D0/statistics/scsi_tgt_dev/status)"
check_eq "scsi_lu/lu_name is the serial" "$(cat $D0/wwn/vpd_unit_serial | sed 's/.*: //')" "$(cat $D0/statistics/scsi_lu/lu_name)"

# --- attributes through targetcli, read back from configfs ---
check "targetcli set attribute emulate_write_cache=1" targetcli /backstores/ramdisk/rd0 set attribute emulate_write_cache=1
check_eq "emulate_write_cache reads 1" "1" "$(cat $D0/attrib/emulate_write_cache)"
# As stock LIO: the ramdisk reports no discard support, so emulate_tpu=1 is refused (ENOSYS)
# until max_unmap_block_desc_count is set.
targetcli /backstores/ramdisk/rd0 set attribute emulate_tpu=1 >/dev/null 2>&1
check_eq "emulate_tpu=1 refused without unmap limits (stays 0)" "0" "$(cat $D0/attrib/emulate_tpu)"
check "targetcli set attribute max_unmap_block_desc_count=1" targetcli /backstores/ramdisk/rd0 set attribute max_unmap_block_desc_count=1
check "targetcli set attribute emulate_tpu=1" targetcli /backstores/ramdisk/rd0 set attribute emulate_tpu=1
check_eq "emulate_tpu reads 1" "1" "$(cat $D0/attrib/emulate_tpu)"
out=$(targetcli /backstores/ramdisk/rd0 get attribute block_size 2>&1)
check_match "targetcli get attribute block_size" "block_size=512" "$out"

# --- refused writes: LIO's errnos, one log line each, the device stays usable ---
check_refused "attrib/block_size 513" EINVAL $D0/attrib/block_size 513
check_refused "attrib/queue_depth 0" EINVAL $D0/attrib/queue_depth 0
check_refused "attrib/queue_depth above hw_queue_depth" EINVAL $D0/attrib/queue_depth 129
check_refused "attrib/emulate_tas 2" EINVAL $D0/attrib/emulate_tas 2
check_refused "attrib/emulate_ua_intlck_ctrl 3" EINVAL $D0/attrib/emulate_ua_intlck_ctrl 3
check_refused "attrib/max_unmap_lba_count 2^32" ERANGE $D0/attrib/max_unmap_lba_count 4294967296
check_refused "attrib/emulate_rest_reord 1" ENOSYS $D0/attrib/emulate_rest_reord 1
check_refused "attrib/optimal_sectors above hw_max_sectors" EINVAL $D0/attrib/optimal_sectors 4294967289
check_eq "attrib/hw_block_size is read-only" EACCES "$(cfs_write $D0/attrib/hw_block_size 4096)"
check_eq "wwn/vpd_assoc_logical_unit is read-only" EACCES "$(cfs_write $D0/wwn/vpd_assoc_logical_unit x)"
check_refused "wwn/vendor_id of 9 characters" EOVERFLOW $D0/wwn/vendor_id 123456789
check_refused "wwn/vendor_id not printable" EINVAL $D0/wwn/vendor_id "$(printf 'a\001b')"
check_refused "wwn/company_id above 24 bits" EOVERFLOW $D0/wwn/company_id 0x1000000
check_refused "control after enable" EBUSY $D0/control rd_pages=1
check_refused "alua_lu_gp of a missing group" ENODEV $D0/alua_lu_gp nosuchgroup
check_refused "default_tg_pt_gp/nonop_delay_msecs 10001" EINVAL $D0/alua/default_tg_pt_gp/nonop_delay_msecs 10001
check_eq "attrib/block_size 4096 accepted" OK "$(cfs_write $D0/attrib/block_size 4096)"
check_eq "block_size reads 4096" "4096" "$(cat $D0/attrib/block_size)"
check_eq "wwn/vendor_id ACME accepted" OK "$(cfs_write $D0/wwn/vendor_id ACME)"
check_eq "vendor_id reads ACME" "ACME" "$(cat $D0/wwn/vendor_id)"

# --- delete and unload ---
out=$(targetcli /backstores/ramdisk delete rd0 2>&1)
check "targetcli /backstores/ramdisk delete rd0" test $? -eq 0
check "rd0 is gone from configfs" test ! -e "$D0"
check_match "members no longer list rd0" "^(rd_mcp_[0-9]+/rd1)?$" "$(cat $T/core/alua/lu_gps/default_lu_gp/members)"
check "targetcli /backstores/ramdisk delete rd1" targetcli /backstores/ramdisk delete rd1
check "rd1 is gone from configfs" test ! -e "$D1"
check_eq "default_lu_gp has no members" "" "$(cat $T/core/alua/lu_gps/default_lu_gp/members)"
for h in $T/core/rd_mcp_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "no HBA left" "alua" "$(ls $T/core)"
mark_dmesg
check "rmmod target_core_mod" rmmod target_core_mod
check "the module is gone" test ! -e /sys/module/target_core_mod
check_eq "no leak reported at unload" "0" "$(new_dmesg | grep -c 'lio-cxx: leak')"

finish
