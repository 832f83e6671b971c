#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ALUA target port groups through unmodified targetcli/rtslib and sg3_utils: one ramdisk
# exported by two tcm_loop targets (two relative target ports, two SCSI hosts in the guest).
# rtslib creates a second target port group (id 2) and moves the second target's LUN into it;
# then REPORT TARGET PORT GROUPS (sg_rtpg, both header formats, raw bytes checked), implicit
# transitions through configfs (standby, unavailable) and what each state refuses (NOT READY
# with the state's ASC/ASCQ from sg_turs, sg_dd, sg_raw) and still allows (INQUIRY, RTPG),
# explicit transitions with sg_stpg (and its refusal when explicit ALUA is off), the ASYMMETRIC
# ACCESS STATE CHANGED unit attention, and saveconfig/clearconfig/restoreconfig of the groups
# and the LUN's membership. dmesg must show no trouble.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
W1=naa.5001405abcdef0a1
W2=naa.5001405abcdef0a2
J=/tmp/alua_a.json
J2=/tmp/alua_b.json
W=/tmp/alua
mkdir -p $W

guest_configfs
guest_start_dbus
mask_stock_target_modules
rm -f $J $J2

# rawr CMD...: a raw response into R (decimal bytes); be OFF WIDTH: big-endian field into V.
rawr() { R=($("$@" 2>/dev/null | od -An -tu1 -v)); }
be() { local i; V=0; for ((i = $1; i < $1 + $2; i++)); do V=$((V * 256 + ${R[$i]:-0})); done; }
# sense_of CMD...: S="key=... asc=..." from the decoded sense of a verbose sg3_utils run.
sense_of() {
	"$@" -v >$W/sense.out 2>&1
	local key="" asc="" line
	while IFS= read -r line; do
		case $line in
			*"Sense key: "*) [ -n "$key" ] || { key=${line#*Sense key: }; key=${key%% }; } ;;
			*"Additional sense: "*) [ -n "$asc" ] || { asc=${line#*Additional sense: }; asc=${asc%% }; } ;;
		esac
	done <$W/sense.out
	S="key=$key asc=$asc"
}
# H:C:T:L of LUN 0 of the tcm_loop target $1 (its tpgt_1/address is "H:C:T"), once the
# guest has scanned it (up to 10 s); /dev/sgN of it.
hctl_of() {
	local a i
	a=$(cat $T/loopback/$1/tpgt_1/address 2>/dev/null)
	for i in $(seq 1 40); do
		[ -n "$a" ] && [ -n "$(sg_of $a:0)" ] && break
		sleep 0.25
	done
	echo "$a:0"
}
sg_of_wwn() { devnode "$(sg_of $(hctl_of $1))" c; }

# Linux's ALUA device handler attaches to any disk whose INQUIRY has TPGS set and retries
# ASYMMETRIC ACCESS STATE CHANGED (and other) unit attentions itself: kept away while the
# checks below look at the target's answers through sg3_utils; attached at the end, where
# it reads our REPORT TARGET PORT GROUPS.
DHCONF=/etc/modprobe.d/lio-core-alua.conf
echo "install scsi_dh_alua /bin/true" >$DHCONF
rmmod scsi_dh_alua 2>/dev/null
check_eq "scsi_dh_alua is not loaded" "" "$(grep -w scsi_dh_alua /proc/modules)"

check "modprobe target_core_mod" modprobe target_core_mod
check "modprobe sd_mod sg" guest_modprobe_initiators

out=$(targetcli 2>&1 <<EOF
set global auto_save_on_exit=false
/backstores/ramdisk create rd0 16M
/loopback create $W1
/loopback/$W1/luns create /backstores/ramdisk/rd0
/loopback create $W2
/loopback/$W2/luns create /backstores/ramdisk/rd0
EOF
)
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "targetcli: no error" "" "$(printf '%s\n' "$out" | grep -iE 'error|failed|traceback' | head -3)"
RD=$(ls -d $T/core/rd_mcp_*/rd0 | head -1)
A=$RD/alua
L1=$T/loopback/$W1/tpgt_1/lun/lun_0
L2=$T/loopback/$W2/tpgt_1/lun/lun_0
check_eq "default_tg_pt_gp has both LUNs" \
	"loopback/$W1/tpgt_1/lun_0 loopback/$W2/tpgt_1/lun_0" "$(sort $A/default_tg_pt_gp/members | tr '\n' ' ' | sed 's/ $//')"

# --- rtslib: a second group, the second target's LUN moved into it ---
rtslib_out=$(python3 - "$W2" <<'PY' 2>&1
import sys
from rtslib_fb import RTSRoot, ALUATargetPortGroup
root = RTSRoot()
so = [s for s in root.storage_objects if s.name == "rd0"][0]
g = ALUATargetPortGroup(so, "second", 2)
g.nonop_delay_msecs = 50
lun = [l for t in root.targets if t.wwn == sys.argv[1] for tpg in t.tpgs for l in tpg.luns][0]
lun.alua_tg_pt_gp_name = "second"
print("groups:", sorted((x.name, x.tg_pt_gp_id) for x in so.alua_tpgs))
print("lun group:", lun.alua_tg_pt_gp_name)
print("members:", g.members)
PY
)
printf '%s\n' "$rtslib_out" | sed 's/^/    /'
check_match "rtslib: both groups listed" "groups: \[\('default_tg_pt_gp', 0\), \('second', 2\)\]" "$rtslib_out"
check_match "rtslib: the LUN reads back in 'second'" "lun group: second" "$rtslib_out"
check_eq "alua/second/members" "loopback/$W2/tpgt_1/lun_0" "$(cat $A/second/members)"
check_eq "alua/second/tg_pt_gp_id" "2" "$(cat $A/second/tg_pt_gp_id)"
check_match "lun_0 of $W2: alua_tg_pt_gp" "^TG Port Alias: second" "$(cat $L2/alua_tg_pt_gp)"
check_eq "duplicate tg_pt_gp_id: EINVAL" EINVAL "$(mkdir $A/third && cfs_write $A/third/tg_pt_gp_id 2)"
check_eq "rmdir of a group without members" OK "$(cfs_rmdir $A/third)"
check_eq "default_tg_pt_gp cannot be removed" EPERM "$(cfs_rmdir $A/default_tg_pt_gp)"

SGA=$(sg_of_wwn $W1)
SGB=$(sg_of_wwn $W2)
check "two tcm_loop disks" test -c "$SGA" -a -c "$SGB" -a "$SGA" != "$SGB"
echo "    port A (default_tg_pt_gp): $SGA   port B (second): $SGB"
check "port A: TEST UNIT READY (after the UAs)" clear_ua $SGA
check "port B: TEST UNIT READY (after the UAs)" clear_ua $SGB
RT1=$(cat $T/loopback/$W1/tpgt_1/rtpi 2>/dev/null || true)
RT2=$(cat $T/loopback/$W2/tpgt_1/rtpi 2>/dev/null || true)

# --- REPORT TARGET PORT GROUPS ---
rawr sg_rtpg -r $SGA
be 0 4
check_eq "RTPG: RETURN DATA LENGTH = 2 groups of 1 port" 24 $V
check_eq "RTPG: group 0 active/optimized, supported T O U S AN AO" "0 207" "${R[4]} ${R[5]}"
be 6 2
check_eq "RTPG: first group id 0" 0 $V
be 18 2
check_eq "RTPG: second group id 2" 2 $V
be 26 2
RTB=$V
be 14 2
RTA=$V
# (tcm_loop TPGs have no enable, so their rtpi stays 0 unless written, as in LIO 6.12)
[ -n "$RT1" ] && check_eq "RTPG: port A's id is its TPG's rtpi" "$((RT1))" "$RTA"
[ -n "$RT2" ] && check_eq "RTPG: port B's id is its TPG's rtpi" "$((RT2))" "$RTB"
rawr sg_rtpg -e -r $SGB
check_eq "RTPG extended: format 001b, implicit transition time 0" "16 0" "${R[4]} ${R[5]}"
be 0 4
check_eq "RTPG extended: RETURN DATA LENGTH counts the 4 header bytes after it" 28 $V
o=$(sg_rtpg -d $SGA 2>&1)
printf '%s\n' "$o" | sed 's/^/    /'
check_match "sg_rtpg -d: target port group id 0x2" "target port group id : 0x2" "$o"
check_match "sg_rtpg -d: active/optimized" "[Aa]ctive/optimized" "$o"
rawr sg_inq -r -l 96 $SGB
check_eq "INQUIRY: SCCS and TPGS=3 (implicit and explicit), 3PC" "$((0x80 | 0x30 | 0x08))" "${R[5]}"
o=$(sg_vpd -p di $SGB 2>&1)
check_match "VPD 0x83: target port group 0x2" "[Tt]arget port group: 0x2" "$o"

# --- implicit transitions (configfs) ---
guest_log "implicit standby of group 2"
check_eq "second: alua_access_state=2 (standby)" OK "$(cfs_write $A/second/alua_access_state 2)"
check_eq "second reads standby" "2" "$(cat $A/second/alua_access_state)"
check_eq "second: status Altered by Implicit ALUA" "Altered by Implicit ALUA" "$(cat $A/second/alua_access_status)"
sense_of sg_turs $SGB
check_eq "port B: ASYMMETRIC ACCESS STATE CHANGED first" "key=Unit Attention asc=Asymmetric access state changed" "$S"
sense_of sg_turs $SGB
check_eq "port B in standby: TEST UNIT READY" "key=Not Ready asc=Logical unit not accessible, target port in standby state" "$S"
o=$(sg_dd if=$SGB of=/dev/null bs=512 count=8 2>&1)
check_match "port B in standby: sg_dd read refused (not ready)" "[Nn]ot ready" "$o"
o=$(sg_raw -r 512 $SGB 28 00 00 00 00 00 00 00 01 00 2>&1)
check_match "port B in standby: sg_raw READ(10) gets NOT READY" "Not Ready" "$o"
check_match "port B in standby: ... 04/0B" "standby state" "$o"
check "port B in standby: INQUIRY still works" sg_inq $SGB
check "port B in standby: READ CAPACITY still works" sg_readcap $SGB
check "port A: TEST UNIT READY unaffected" sg_turs $SGA
check "port A: sg_dd read works" sg_dd if=$SGA of=/dev/null bs=512 count=8
rawr sg_rtpg -r $SGA
check_eq "RTPG: group 2 standby, status 02 (implicit)" "2 2" "${R[16]} ${R[21]}"

check_eq "second: alua_support_unavailable=0" OK "$(cfs_write $A/second/alua_support_unavailable 0)"
check_eq "unavailable not supported: EINVAL" EINVAL "$(cfs_write $A/second/alua_access_state 3)"
check_eq "second: alua_support_unavailable=1" OK "$(cfs_write $A/second/alua_support_unavailable 1)"
check_eq "second: alua_access_state=3 (unavailable)" OK "$(cfs_write $A/second/alua_access_state 3)"
clear_ua $SGB >/dev/null 2>&1 # the state change UA (then NOT READY, which clear_ua tries past)
sense_of sg_turs $SGB
check_eq "port B unavailable: TEST UNIT READY" "key=Not Ready asc=Logical unit not accessible, target port in unavailable state" "$S"
sense_of sg_readcap $SGB
check_eq "port B unavailable: READ CAPACITY refused too" "key=Not Ready asc=Logical unit not accessible, target port in unavailable state" "$S"
check "port B unavailable: INQUIRY still works" sg_inq $SGB
check "port B unavailable: RTPG still works" sg_rtpg $SGB

# --- explicit transitions (SET TARGET PORT GROUPS) ---
guest_log "explicit transitions"
clear_ua $SGA >/dev/null 2>&1
check "sg_stpg on port A: group 2 active/optimized" sg_stpg --optimized --tp=2 $SGA
check_eq "second reads 0 after STPG" "0" "$(cat $A/second/alua_access_state)"
check_eq "second: status Altered by Explicit STPG" "Altered by Explicit STPG" "$(cat $A/second/alua_access_status)"
sense_of sg_turs $SGB
check_eq "port B: ASYMMETRIC ACCESS STATE CHANGED after the STPG" "key=Unit Attention asc=Asymmetric access state changed" "$S"
check "port B: TEST UNIT READY now" sg_turs $SGB
check "port A (the STPG's sender): no unit attention" sg_turs $SGA
check "sg_stpg from port B: its own group standby" sg_stpg --standby --tp=2 $SGB
sense_of sg_turs $SGB
check_eq "port B (the sender) in standby, no UA first" "key=Not Ready asc=Logical unit not accessible, target port in standby state" "$S"
check "sg_stpg from standby port B: back to active/non-optimized" sg_stpg --active --tp=2 $SGB
rawr sg_rtpg -r $SGA
check_eq "RTPG: group 2 active/non-optimized, status 01 (STPG)" "1 1" "${R[16]} ${R[21]}"
check "port B active/non-optimized: sg_dd read works (delayed 50 ms)" sg_dd if=$SGB of=/dev/null bs=512 count=8
sense_of sg_stpg --standby --tp=9 $SGA
check_eq "STPG of an unknown group: INVALID FIELD IN PARAMETER LIST" "key=Illegal Request asc=Invalid field in parameter list" "$S"
check_eq "default_tg_pt_gp: alua_access_type=1 (implicit only)" OK "$(cfs_write $A/default_tg_pt_gp/alua_access_type 1)"
rawr sg_inq -r -l 96 $SGA
check_eq "INQUIRY on port A: SCCS, TPGS=1 (implicit), 3PC" "$((0x80 | 0x10 | 0x08))" "${R[5]}"
sense_of sg_stpg --standby --tp=2 $SGA
check_eq "STPG with explicit ALUA off: INVALID COMMAND OPERATION CODE" "key=Illegal Request asc=Invalid command operation code" "$S"
check_eq "default_tg_pt_gp: alua_access_type=3" OK "$(cfs_write $A/default_tg_pt_gp/alua_access_type 3)"
check_eq "explicit-only group refuses implicit writes" OK "$(cfs_write $A/second/alua_access_type 2)"
check_eq "second: alua_access_state=2 with implicit off: EINVAL" EINVAL "$(cfs_write $A/second/alua_access_state 2)"
check_eq "second: alua_access_type=3" OK "$(cfs_write $A/second/alua_access_type 3)"
check_eq "second: standby for the save" OK "$(cfs_write $A/second/alua_access_state 2)"

# --- saveconfig / clearconfig / restoreconfig ---
targetcli_run "targetcli saveconfig $J" saveconfig $J
jsoncheck() {
	python3 - "$1" "$W2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
so = [s for s in c["storage_objects"] if s["name"] == "rd0"][0]
g = {t["name"]: t for t in so.get("alua_tpgs", [])}
ok = lambda b, m, d="": print(("PASS: " if b else "FAIL: ") + m + ("" if b else "  " + str(d)))
ok(set(g) == {"default_tg_pt_gp", "second"}, "%s: alua_tpgs default_tg_pt_gp and second" % sys.argv[1], list(g))
s = g.get("second", {})
ok(s.get("tg_pt_gp_id") == 2 and s.get("alua_access_state") == 2 and s.get("nonop_delay_msecs") == 50,
   "%s: second saved with id 2, standby, nonop_delay_msecs 50" % sys.argv[1], s)
lun = [l for t in c["targets"] if t["wwn"] == sys.argv[2] for tp in t["tpgs"] for l in tp["luns"]][0]
ok(lun.get("alua_tg_pt_gp_name") == "second", "%s: the LUN saved in 'second'" % sys.argv[1], lun)
PY
}
record_results < <(jsoncheck $J)
targetcli_run "targetcli clearconfig confirm=True" clearconfig confirm=True
check_eq "rd0 is gone" "" "$(ls -d $T/core/rd_mcp_*/rd0 2>/dev/null)"
targetcli_run "targetcli restoreconfig $J" restoreconfig $J
check_match "restoreconfig: no error" "Configuration restored from $J" "$out"
RD=$(ls -d $T/core/rd_mcp_*/rd0 2>/dev/null | head -1)
A=$RD/alua
check_eq "restored: second has id 2" "2" "$(cat $A/second/tg_pt_gp_id 2>/dev/null)"
check_eq "restored: second is in standby" "2" "$(cat $A/second/alua_access_state 2>/dev/null)"
check_eq "restored: second's members" "loopback/$W2/tpgt_1/lun_0" "$(cat $A/second/members 2>/dev/null)"
check_eq "restored: default_tg_pt_gp's members" "loopback/$W1/tpgt_1/lun_0" "$(cat $A/default_tg_pt_gp/members 2>/dev/null)"
targetcli_run "targetcli saveconfig $J2" saveconfig $J2
record_results < <(jsoncheck $J2)
SGA=$(sg_of_wwn $W1)
SGB=$(sg_of_wwn $W2)
clear_ua $SGB >/dev/null 2>&1
sense_of sg_turs $SGB
check_eq "restored port B refuses in standby" "key=Not Ready asc=Logical unit not accessible, target port in standby state" "$S"

# --- Linux's ALUA handler on our ports ---
rm -f $DHCONF
check "modprobe scsi_dh_alua" modprobe scsi_dh_alua
DA=/sys/class/scsi_device/$(hctl_of $W1)/device
DB=/sys/class/scsi_device/$(hctl_of $W2)/device
for d in $DA $DB; do
	echo alua >$d/dh_state 2>/dev/null
	check_eq "$d: scsi_dh_alua attached" "alua" "$(cat $d/dh_state 2>/dev/null)"
done
# The handler's REPORT TARGET PORT GROUPS runs in a work item. On 6.12 attaching queues none
# (the handler's data is not yet set when its attach asks for one; 6.1 queues it): a rescan
# does, as udev's or multipathd's would.
for d in $DA $DB; do
	echo 1 >$d/rescan 2>/dev/null
done
for i in $(seq 1 40); do
	[ "$(cat $DB/access_state 2>/dev/null)" = standby ] && break
	sleep 0.25
done
check_eq "scsi_dh_alua: port A active/optimized" "active/optimized" \
	"$(cat $DA/access_state 2>/dev/null)"
check_eq "scsi_dh_alua: port B standby" "standby" \
	"$(cat $DB/access_state 2>/dev/null)"
# An implicit transition of port A's group: the next command through A meets ASYMMETRIC
# ACCESS STATE CHANGED, on which the handler reads our RTPG again.
check "implicit transition: default_tg_pt_gp to active/non-optimized" \
	sh -c "echo 1 >$A/default_tg_pt_gp/alua_access_state"
for i in $(seq 1 40); do
	sg_turs $SGA >/dev/null 2>&1
	[ "$(cat $DA/access_state 2>/dev/null)" = active/non-optimized ] && break
	sleep 0.25
done
check_eq "scsi_dh_alua: port A follows to active/non-optimized" "active/non-optimized" \
	"$(cat $DA/access_state 2>/dev/null)"
check_eq "scsi_dh_alua: port B still standby" "standby" "$(cat $DB/access_state 2>/dev/null)"

targetcli_run "targetcli clearconfig confirm=True (end)" clearconfig confirm=True
check_eq "dmesg: no oops, warning, hang or leak" "" "$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|blocked for more than|lio-cxx: leak' | head -5)"
finish
