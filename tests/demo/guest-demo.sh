#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: what a storage admin would type. Main part: an iSCSI target built
# with unmodified targetcli (a 10 MB fileio disk and a ramdisk, demo mode, saved), and the
# guest's own open-iscsi initiator logging in over 127.0.0.1 and reading back what it wrote.
# Second half: the same disk through the loopback fabric (tcm_loop), ALUA LU groups, and
# save/clear/restore. `make demo` (tools/demo.sh) runs it with our modules installed; run
# through tools/vm-run without --modules it shows stock LIO doing the same.
# Ends with "demo: all steps succeeded" (exit 0) or "demo: N step(s) failed" (exit 1).
. "$(dirname "$0")/../guest/lib.sh"
set -u
guest_configfs
guest_start_dbus
# With our modules installed, stock fabric modules that are not ours yet must not load against
# our target_core_mod when targetcli probes for fabrics.
lio_mask_stock_if_ours
FAILED_STEPS=0
say() { printf '\n### %s\n' "$*"; }
run() {
	printf '# %s\n' "$*"
	"$@"
	local rc=$?
	[ $rc -eq 0 ] || { FAILED_STEPS=$((FAILED_STEPS + 1)); echo "demo: FAILED (exit $rc): $*"; }
	return $rc
}
# targetcli fed several commands on stdin (one Python start-up instead of one per command)
tcli() {
	local cmds
	cmds=$(cat)
	printf '%s\n' "$cmds" | sed 's/^/targetcli> /'
	local o
	o=$(printf 'set global color_mode=false\nset global auto_save_on_exit=false\n%s\nexit\n' "$cmds" | targetcli 2>&1)
	printf '%s\n' "$o" | grep -vE '^(targetcli shell|Copyright|For help|Warning: Could not load pref|$)' |
		sed -e 's/^\/[^ ]*> //' -e '/^Parameter .* is now/d' -e '/^exit$/d' -e '/^Global pref/d'
	if printf '%s\n' "$o" | grep -qE '(^|[^A-Za-z])(Error|Critical): '; then
		FAILED_STEPS=$((FAILED_STEPS + 1))
		echo "demo: FAILED: a targetcli command reported an error"
	fi
}
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:demo
WWN=naa.5001405abcdef012
IMG=/tmp/demo-disk0.img

say "The target modules modprobe picks (ours are installed under updates/)"
run modprobe target_core_mod
for m in target_core_mod target_core_file iscsi_target_mod tcm_loop; do
	printf '%-18s %s\n' "$m" "$(modinfo -n $m 2>&1)"
done
lio_target_is_ours && echo "-> lio-cxx's modules" || echo "-> stock LIO's modules"
run cat /sys/kernel/config/target/version

say "targetcli: a 10 MB fileio disk and a ramdisk behind an iSCSI target, demo mode, saved"
tcli <<EOT
/backstores/fileio create disk0 $IMG 10M write_back=false
/backstores/ramdisk create rd0 16M
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/fileio/disk0
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/rd0
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
saveconfig
ls /
EOT
SAVED=/etc/rtslib-fb-target/saveconfig.json # Debian's rtslib-fb keeps it there
run ls -l $SAVED
run python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))
for t in c["targets"]:
    for g in t["tpgs"]:
        print(t["fabric"], t["wwn"], "tpg", g["tag"], "portals", [p["ip_address"] + ":" + str(p["port"]) for p in g["portals"]],
              "luns", [l["storage_object"] for l in g["luns"]], "attributes", {k: g["attributes"][k] for k in ("generate_node_acls", "authentication")})' $SAVED
for i in $(seq 1 50); do ss -Htln '( sport = :3260 )' | grep -q . && break; sleep 0.1; done
run ss -Htln '( sport = :3260 )'

say "open-iscsi: start iscsid, SendTargets discovery, login"
run iscsi_start_iscsid
run iscsiadm -m discovery -t sendtargets -p 127.0.0.1
run iscsiadm -m node -T $IQN -p 127.0.0.1:3260 --login
sid=$(iscsi_sid $IQN 127.0.0.1:3260)
d0=$(iscsi_disk_of_session "$sid" 0)
d1=$(iscsi_disk_of_session "$sid" 1)
run iscsiadm -m session -P 1 | grep -E 'Target:|Current Portal|Iface Initiatorname|iSCSI Session State'
run lsscsi
run test "$(lsscsi | grep -c 'disk *LIO-ORG')" -eq 2 && echo "both LUNs are LIO-ORG disks: disk0 = $d0, rd0 = $d1"
for _ in 1 2 3 4 5; do sg_turs "$d0" >/dev/null 2>&1 && break; done # the new nexus's unit attention
run sg_inq "$d0"
run sg_readcap "$d0"

say "Data through iSCSI: write 8 MiB to disk0 and 8 MiB to rd0, read them back"
run dd if=/dev/urandom of=/tmp/demo-data bs=1M count=8 status=none
run dd if=/tmp/demo-data of="$d0" bs=1M oflag=direct status=none
run dd if=/tmp/demo-data of="$d1" bs=1M oflag=direct status=none
want=$(md5sum </tmp/demo-data | cut -c1-32)
got0=$(dd if="$d0" bs=1M count=8 iflag=direct status=none | md5sum | cut -c1-32)
got1=$(dd if="$d1" bs=1M count=8 iflag=direct status=none | md5sum | cut -c1-32)
echo "md5 written $want, read from disk0 $got0, from rd0 $got1"
run test "$want" = "$got0" -a "$want" = "$got1" && echo "both read back exactly what was written"
run cmp -n 8388608 /tmp/demo-data $IMG && echo "the backing file holds exactly what the initiator wrote"
run fio --name=demo --filename="$d1" --direct=1 --ioengine=libaio --rw=randrw --bs=4k --iodepth=16 \
	--size=16M --runtime=5 --time_based --verify=crc32c --output-format=terse --terse-version=3 | cut -d';' -f1-8

say "Logout, delete the iSCSI target (the backstores stay)"
run iscsiadm -m node --logoutall=all
run iscsiadm -m node -o delete
iscsiadm -m session 2>&1 | sed 's/^/(after logout) /'
tcli <<EOT
/iscsi delete $IQN
ls /iscsi
EOT
run lsscsi

say "Loopback fabric: the same disk0 through tcm_loop, the kernel's own initiator"
tcli <<EOT
/loopback create $WWN
/loopback/$WWN/luns create /backstores/fileio/disk0
EOT
for _ in $(seq 50); do lsscsi | grep -q LIO-ORG && break; sleep 0.1; done # the SCSI scan is asynchronous
run lsscsi
dev=$(lsscsi | awk '/LIO-ORG/ {print $NF; exit}')
got=$(dd if="$dev" bs=1M count=8 iflag=direct status=none | md5sum | cut -c1-32)
echo "md5 of disk0's first 8 MiB through tcm_loop: $got"
run test "$got" = "$want" && echo "what iSCSI wrote reads back through the loopback fabric"

say "ALUA LU groups: create, number, refuse a duplicate id, remove"
G=/sys/kernel/config/target/core/alua/lu_gps
run mkdir $G/site_a $G/site_b
run bash -c "echo 10 > $G/site_a/lu_gp_id"
printf '# %s\n' "echo 10 > $G/site_b/lu_gp_id"
if bash -c "echo 10 > $G/site_b/lu_gp_id" 2>/dev/null; then
	FAILED_STEPS=$((FAILED_STEPS + 1)); echo "demo: FAILED: a duplicate lu_gp_id was accepted"
else
	echo "(refused, as it should be: id 10 is taken)"
fi
run bash -c "dmesg | tail -n 1 | sed 's/^\[ *[0-9.]*\] /kernel log: /'"
run rmdir $G/site_a $G/site_b

say "Save, clear and restore the configuration with targetcli; then tear down and unload"
run targetcli saveconfig /tmp/demo-saved.json
run targetcli clearconfig confirm=True
run targetcli restoreconfig /tmp/demo-saved.json
run targetcli ls /loopback
run targetcli clearconfig confirm=True
for d in /sys/kernel/config/target/*/; do case $d in */core/) ;; *) rmdir "$d" 2>/dev/null ;; esac; done
for m in iscsi_target_mod tcm_loop target_core_file target_core_iblock target_core_pscsi target_core_user target_core_mod; do
	[ -e /sys/module/$m ] && run rmmod $m
done
run test ! -e /sys/kernel/config/target && echo "configfs target/ is gone"
run bash -c "dmesg | grep -c 'lio-cxx: leak' || true"
echo
if [ $FAILED_STEPS -eq 0 ]; then
	echo "demo: all steps succeeded"
else
	echo "demo: $FAILED_STEPS step(s) failed"
	exit 1
fi
