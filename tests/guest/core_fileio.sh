#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The fileio backstore, module target_core_file of lio-cxx: loaded on demand by the first
# core/fileio_N HBA (as LIO loads its backend modules), pinned while an HBA of it exists;
# storage objects created by unmodified targetcli/rtslib (write-through and write-back),
# listed with path and size, their configfs directory matching stock LIO's fileio_0/disk0;
# control parsed as LIO's with refused writes getting EINVAL and one log line; deleting and
# unloading both modules leaves nothing behind.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
REF=$LIO_SRC/tests/reference/lio-6.12 # fileio_0/disk0: write_back=false, /tmp/disk0.img (6.12 attribute set)

guest_configfs
guest_start_dbus

mask_stock_target_modules

check_refused() { # name errno path value
	mark_dmesg
	check_eq "$1: $2" "$2" "$(cfs_write "$3" "$4")"
	check_eq "$1: one log line" "1" "$(new_dmesg | grep -c .)"
}
file_size() { stat -c %s "$1" 2>/dev/null; }

rm -f /tmp/disk0.img /tmp/disk1.img /tmp/manual.img /tmp/nosize.img

check "modprobe target_core_mod" modprobe target_core_mod
check_match "target_core_file is ours (updates/)" "/updates/" "$(modinfo -n target_core_file)"
check "target_core_file is not loaded yet" test ! -e /sys/module/target_core_file

# --- by hand ---
check_eq "mkdir core/fileio_7 loads target_core_file" OK "$(cfs_mkdir $T/core/fileio_7)"
check "target_core_file is loaded" test -e /sys/module/target_core_file
check_eq "the HBA pins target_core_file" "1" "$(cat /sys/module/target_core_file/refcnt)"
check_fails "rmmod target_core_file while its HBA exists" rmmod target_core_file
check_match "hba_info" "^HBA Index: [0-9]+ plugin: fileio version: v5.0$" "$(cat $T/core/fileio_7/hba_info)"
H=$T/core/fileio_7
check "mkdir a device by hand" mkdir $H/manual
check_eq "not enabled yet" "0" "$(cat $H/manual/enable)"
check_refused "enable before fd_dev_name" EINVAL $H/manual/enable 1
check_refused "control: unknown key" EINVAL $H/manual/control fd_dev_bogus=1
check_refused "control: fd_dev_size not a number" EINVAL $H/manual/control fd_dev_size=12x
check_refused "control: fd_buffered_io=0 (only 1 is valid)" EINVAL $H/manual/control fd_buffered_io=0
check_refused "control: fd_async_io=2" EINVAL $H/manual/control fd_async_io=2
check_refused "control: relative fd_dev_name" EINVAL $H/manual/control fd_dev_name=manual.img
check_refused "control: not key=value" EINVAL $H/manual/control fd_dev_name
check_eq "control: name and size, comma separated" OK "$(cfs_write $H/manual/control "fd_dev_name=/tmp/manual.img,fd_dev_size=0x100000")"
check_eq "control: newline separated keys" OK "$(cfs_write $H/manual/control "$(printf 'fd_buffered_io=1\nfd_async_io=1\n')")"
check_eq "enable 1" OK "$(cfs_write $H/manual/enable 1)"
check_eq "enabled" "1" "$(cat $H/manual/enable)"
check_eq "the backing file was created with fd_dev_size" "1048576" "$(file_size /tmp/manual.img)"
check_eq "info (LIO's fileio format)" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 16384
        TCM FILEIO ID: 0        File: /tmp/manual.img  Size: 1048576  Mode: Buffered-WCE Async: 1" "$(cat $H/manual/info)"
check_eq "fd_buffered_io=1 forces emulate_write_cache" "1" "$(cat $H/manual/attrib/emulate_write_cache)"
check_refused "control after enable" EBUSY $H/manual/control fd_dev_size=4096
check_refused "enable twice" EEXIST $H/manual/enable 1
check "mkdir a device without fd_dev_size" mkdir $H/nosize
check_eq "control: name only" OK "$(cfs_write $H/nosize/control fd_dev_name=/tmp/nosize.img)"
check_refused "enable of a regular file without fd_dev_size" EINVAL $H/nosize/enable 1
check "rmdir the devices" rmdir $H/manual $H/nosize
check_eq "rmdir the HBA" OK "$(cfs_rmdir $H)"
check_eq "target_core_file no longer pinned" "0" "$(cat /sys/module/target_core_file/refcnt)"
rm -f /tmp/manual.img /tmp/nosize.img

# --- targetcli ---
targetcli_run "targetcli /backstores/fileio create disk0 /tmp/disk0.img 10M write_back=false" /backstores/fileio create disk0 /tmp/disk0.img 10M write_back=false
targetcli_run "targetcli /backstores/fileio create disk1 /tmp/disk1.img 10M (write-back)" /backstores/fileio create disk1 /tmp/disk1.img 10M
targetcli_run "targetcli ls /backstores" ls /backstores
check_match "fileio has 2 storage objects" "o- fileio \.+ \[Storage Objects: 2\]" "$out"
check_match "disk0 listed with path, size, write-thru" "o- disk0 \.+ \[/tmp/disk0\.img \(10\.0MiB\) write-thru deactivated\]" "$out"
check_match "disk1 listed with path, size, write-back" "o- disk1 \.+ \[/tmp/disk1\.img \(10\.0MiB\) write-back deactivated\]" "$out"
check_eq "/tmp/disk0.img is 10 MiB" "10485760" "$(file_size /tmp/disk0.img)"
check_eq "/tmp/disk1.img is 10 MiB" "10485760" "$(file_size /tmp/disk1.img)"

D0=$(ls -d $T/core/fileio_*/disk0 2>/dev/null | head -1)
D1=$(ls -d $T/core/fileio_*/disk1 2>/dev/null | head -1)
check "disk0 exists under a fileio HBA" test -n "$D0" -a -d "$D0"
check "disk1 exists under a fileio HBA" test -n "$D1" -a -d "$D1"
check_eq "disk0 enabled" "1" "$(cat $D0/enable)"
check_eq "disk0 udev_path" "/tmp/disk0.img" "$(cat $D0/udev_path)"
check_eq "disk1 udev_path" "/tmp/disk1.img" "$(cat $D1/udev_path)"
check_match "disk0 info: O_DSYNC, size" "^ +TCM FILEIO ID: [0-9]+ +File: /tmp/disk0\.img  Size: 10485760  Mode: O_DSYNC Async: 0$" "$(sed -n 2p $D0/info)"
check_match "disk1 info: Buffered-WCE" "^ +TCM FILEIO ID: [0-9]+ +File: /tmp/disk1\.img  Size: 10485760  Mode: Buffered-WCE Async: 0$" "$(sed -n 2p $D1/info)"
check_eq "disk0 info first line (no exports)" "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 16384" "$(head -1 $D0/info)"
check_eq "disk0 emulate_write_cache 0 (write-thru)" "0" "$(cat $D0/attrib/emulate_write_cache)"
check_eq "disk1 emulate_write_cache 1 (write-back)" "1" "$(cat $D1/attrib/emulate_write_cache)"
check_match "rtslib wrote a UUID serial" "^T10 VPD Unit Serial Number: [0-9a-f-]{36}$" "$(cat $D0/wwn/vpd_unit_serial)"
members=$(cat $T/core/alua/lu_gps/default_lu_gp/members)
check_match "default_lu_gp members list disk0" "fileio_[0-9]+/disk0" "$members"
check_match "default_lu_gp members list disk1" "fileio_[0-9]+/disk1" "$members"

# --- disk0's directory against stock LIO's fileio_0/disk0 (values not depending on exports,
# creation order, time, the UUID or the size) ---
compare_device_dir core/fileio_0/disk0 "$D0" \
	"/(info|control)$|/statistics/|/vpd_unit_serial$|/default_tg_pt_gp/members$"

check "targetcli set attribute emulate_write_cache=1 on disk0" targetcli /backstores/fileio/disk0 set attribute emulate_write_cache=1
check_eq "emulate_write_cache reads 1" "1" "$(cat $D0/attrib/emulate_write_cache)"
check_refused "disk0 control after enable" EBUSY $D0/control fd_dev_size=4096

# --- delete and unload ---
check "targetcli /backstores/fileio delete disk0" targetcli /backstores/fileio delete disk0
check "disk0 is gone from configfs" test ! -e "$D0"
check "targetcli /backstores/fileio delete disk1" targetcli /backstores/fileio delete disk1
check "disk1 is gone from configfs" test ! -e "$D1"
check "the backing file stays" test -f /tmp/disk0.img
for h in $T/core/fileio_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "no HBA left" "alua" "$(ls $T/core)"
check_eq "target_core_file not pinned" "0" "$(cat /sys/module/target_core_file/refcnt)"
mark_dmesg
check "rmmod target_core_file target_core_mod" rmmod target_core_file target_core_mod
check "target_core_file is gone" test ! -e /sys/module/target_core_file
check "target_core_mod is gone" test ! -e /sys/module/target_core_mod
check_eq "no leak reported at unload" "0" "$(new_dmesg | grep -c 'lio-cxx: leak')"
rm -f /tmp/disk0.img /tmp/disk1.img

finish
