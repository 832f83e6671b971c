#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# SPC-4 persistent reservations over iSCSI with two initiators (two open-iscsi ifaces with
# different initiator names) on one fileio LUN, driven by sg_persist and sg_raw: REGISTER
# from both, READ KEYS, RESERVE (Write Exclusive), READ RESERVATION, a write from the
# non-holder refused with RESERVATION CONFLICT while its reads pass, PREEMPT, the preempted
# side's unit attention (REGISTRATIONS PREEMPTED), the configfs pr/ files; APTPL: with dbroot's
# pr/ directory missing, REGISTER with APTPL creates it and the aptpl_<serial> file; after
# saveconfig, clearconfig, unloading every module and restoreconfig, the key and the
# reservation are back (configfs and READ KEYS / READ RESERVATION from a new session).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:pr
P=127.0.0.1:3260
INIT_A=iqn.2024-01.org.lio-cxx:pr-a
INIT_B=iqn.2024-01.org.lio-cxx:pr-b
IMG=/tmp/pr_f0.img
J=/tmp/pr_saved.json

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours
check "modprobe target_core_mod" modprobe target_core_mod
check "iscsid starts" iscsi_start_iscsid
mark_dmesg

rm -f $IMG $J
targetcli_batch "targetcli: fileio f0, iSCSI target, demo mode" <<EOT
/backstores/fileio create f0 $IMG 16M write_back=false
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/fileio/f0 lun=0
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
EOT
DEV=$(ls -d $T/core/fileio_*/f0 | head -1)
SERIAL=$(sed -n 's/.*Number: //p' $DEV/wwn/vpd_unit_serial)
DBROOT=$(cat $T/dbroot)
check "f0 has a unit serial" test -n "$SERIAL"

for ifc in pra prb; do iscsiadm -m iface -I $ifc -o new >/dev/null 2>&1; done
check "iface pra: $INIT_A" iscsiadm -m iface -I pra -o update -n iface.initiatorname -v $INIT_A
check "iface prb: $INIT_B" iscsiadm -m iface -I prb -o update -n iface.initiatorname -v $INIT_B
d=$(iscsi_discover $P -I pra -I prb)
check "discovery with both ifaces" test $? -eq 0

# The disk of the session logged in through iface $1.
disk_of_iface() {
	local s sid
	for s in /sys/class/iscsi_session/session*; do
		if [ "$(cat $s/initiatorname 2>/dev/null)" = "$1" ]; then
			sid=${s##*session}
			iscsi_disk_of_session "$sid" 0
			return
		fi
	done
}
login_both() {
	check "login as $INIT_A" iscsiadm -m node -T $IQN -p $P -I pra --login
	check "login as $INIT_B" iscsiadm -m node -T $IQN -p $P -I prb --login
	DA=$(disk_of_iface $INIT_A)
	DB=$(disk_of_iface $INIT_B)
	check "two disks: $DA $DB" test -n "$DA" -a -n "$DB" -a "$DA" != "$DB"
	clear_ua "$DA" >/dev/null
	clear_ua "$DB" >/dev/null
}
login_both

# The keys READ KEYS lists ("    0xa1" lines), space-separated.
keys() { sg_persist -n -i -k "$1" 2>&1 | awk 'NF == 1 && $1 ~ /^0x/ { printf "%s ", $1 }'; }
write1() { sg_raw -s 512 -i /dev/zero "$1" 2a 00 00 00 00 10 00 00 01 00 2>&1; }
read1() { sg_raw -r 512 "$1" 28 00 00 00 00 10 00 00 01 00 2>&1; }

# ---- registrations and a Write Exclusive reservation ----
check "A registers key 0xa1" sg_persist -n -o -G -S 0xa1 "$DA"
check "B registers key 0xb1" sg_persist -n -o -G -S 0xb1 "$DB"
check_eq "READ KEYS (from B): both keys" "0xa1 0xb1 " "$(keys "$DB")"
check_match "READ KEYS: PRgeneration 0x2" "generation=0x2" "$(sg_persist -n -i -k "$DB" 2>&1)"
check "A reserves (Write Exclusive)" sg_persist -n -o -R -K 0xa1 -T 1 "$DA"
rr=$(sg_persist -n -i -r "$DB" 2>&1)
check_match "READ RESERVATION (from B): key 0xa1" "Key=0xa1" "$rr"
check_match "READ RESERVATION: Write Exclusive" "Write Exclusive" "$rr"
check_match "a write from B: RESERVATION CONFLICT" "[Rr]eservation [Cc]onflict" "$(write1 "$DB")"
check "a read from B passes (Write Exclusive)" read1 "$DB"
check "a write from A (the holder) passes" write1 "$DA"
check_match "B's RESERVE: RESERVATION CONFLICT" "[Rr]eservation [Cc]onflict" \
	"$(sg_persist -n -o -R -K 0xb1 -T 1 "$DB" 2>&1)"
check_match "pr/res_holder names A" "SPC-3 Reservation: iSCSI Initiator: $INIT_A,i,0x" "$(cat $DEV/pr/res_holder)"
check_eq "pr/res_pr_type" "SPC-3 Reservation Type: Write Exclusive Access" "$(cat $DEV/pr/res_pr_type)"
check_eq "pr/res_pr_registered_i_pts: 2 registrations" 2 \
	"$(grep -c 'iSCSI Node: ' $DEV/pr/res_pr_registered_i_pts)"
check_match "pr/res_pr_holder_tg_port names the target" "Target Node Endpoint: $IQN" \
	"$(cat $DEV/pr/res_pr_holder_tg_port)"

# ---- PREEMPT: B takes the reservation, A's registration goes ----
check "B preempts A (Exclusive Access)" sg_persist -n -o -P -K 0xb1 -S 0xa1 -T 3 "$DB"
check_match "READ RESERVATION: key 0xb1, Exclusive Access" "Key=0xb1" "$(sg_persist -n -i -r "$DB" 2>&1)"
ua=$(sg_turs -v "$DA" 2>&1)
printf '%s\n' "$ua" | _lio_indent
check_match "A's next command: UNIT ATTENTION, registrations preempted" "[Rr]egistrations preempted" "$ua"
check_match "a read from A: RESERVATION CONFLICT (Exclusive Access)" "[Rr]eservation [Cc]onflict" "$(read1 "$DA")"
check_eq "READ KEYS: only B's" "0xb1 " "$(keys "$DB")"
check "B releases" sg_persist -n -o -L -K 0xb1 -T 3 "$DB"
check "a write from A passes again" write1 "$DA"

# ---- APTPL ----
rm -rf "$DBROOT/pr"
check "B changes its key to 0xb2 with APTPL" sg_persist -n -o -G -K 0xb1 -S 0xb2 -Z "$DB"
check "B reserves (Write Exclusive)" sg_persist -n -o -R -K 0xb2 -T 1 "$DB"
check "the missing $DBROOT/pr was created" test -d "$DBROOT/pr"
F=$DBROOT/pr/aptpl_$SERIAL
check_match "$F holds B's record" "sa_res_key=178" "$(cat "$F" 2>&1)"
check_match "... as the holder" "res_holder=1" "$(cat "$F" 2>&1)"
check_eq "pr/res_aptpl_active" "APTPL Bit Status: Activated" "$(cat $DEV/pr/res_aptpl_active)"
targetcli_run "targetcli saveconfig $J" saveconfig $J
check "logout of everything" iscsi_logout_all
targetcli_run "targetcli clearconfig" clearconfig confirm=True
unload_target_modules
check "$F is still there" test -s "$F"
check "modprobe target_core_mod" modprobe target_core_mod
targetcli_run "targetcli restoreconfig $J" restoreconfig $J
DEV=$(ls -d $T/core/fileio_*/f0 | head -1)
check_match "restored: pr/res_pr_registered_i_pts has key 0xb2" "$INIT_B.*Key: 0x00000000000000b2" \
	"$(cat $DEV/pr/res_pr_registered_i_pts)"
check_eq "restored: pr/res_aptpl_active" "APTPL Bit Status: Activated" "$(cat $DEV/pr/res_aptpl_active)"
check_match "restored: pr/res_holder names B" "Initiator: $INIT_B" "$(cat $DEV/pr/res_holder)"
# open-iscsi gives the new sessions new ISIDs: without enforce_pr_isids the restored
# registration (initiator_sid of the old session) is B's by name.
check_eq "enforce_pr_isids=0" OK "$(cfs_write $DEV/attrib/enforce_pr_isids 0)"
check "discovery again" iscsi_discover $P -I pra -I prb
login_both
check_eq "READ KEYS after the restore: B's key" "0xb2 " "$(keys "$DA")"
check_match "READ RESERVATION after the restore: key 0xb2" "Key=0xb2" "$(sg_persist -n -i -r "$DA" 2>&1)"
check_match "a write from A: RESERVATION CONFLICT again" "[Rr]eservation [Cc]onflict" "$(write1 "$DA")"
check "a write from B (the holder) passes" write1 "$DB"
check "B clears everything" sg_persist -n -o -C -K 0xb2 "$DB"
check_eq "READ KEYS: none" "" "$(keys "$DA")"

# ---- teardown ----
check "logout of everything" iscsi_logout_all
for ifc in pra prb; do iscsiadm -m iface -I $ifc -o delete >/dev/null 2>&1; done
targetcli_run "targetcli clearconfig" clearconfig confirm=True
unload_target_modules
rm -f $IMG $J "$F"
check_eq "dmesg: no oops, warning or leak" "" "$(dmesg_trouble)"
finish
