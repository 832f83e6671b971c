#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy offload (EXTENDED COPY (LID1), RECEIVE COPY RESULTS) through tcm_loop, with sg3_utils:
# two loopback targets, each with its own SCSI host (its own I_T nexus; tcm_loop is demo
# mode: a host sees its target's LUNs and nothing else):
#   naa.5001405000000c01: LUN 0 = ramdisk xa, LUN 1 = ramdisk xb
#   naa.5001405000000c02: LUN 0 = ramdisk xc (invisible to the first target's host)
#  (a) INQUIRY 3PC and RECEIVE COPY RESULTS OPERATING PARAMETERS (sg_copy_results --params);
#  (b) sg_xcopy copies a range from xa to xb (both seen by host 1): cmp proves the data; a
#      copy with held results (list_id=5 id_usage=hold) shows in COPY STATUS;
#  (c) the CVE-2020-28374 rule: sg_xcopy from xa (host 1) to xc (host 2) sent to xa: host 1's
#      nexus cannot reach xc, COPY ABORTED / COPY TARGET DEVICE NOT REACHABLE, xc untouched;
#      the same with a hand-built parameter list through sg_raw, checked byte by byte;
#      FAILED SEGMENT DETAILS returns that sense;
#  (d) emulate_3pc=0 on the copy manager: 3PC clear, both commands refused (as LIO); back on;
#  (e) teardown and unload (no leak).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
W1=naa.5001405000000c01
W2=naa.5001405000000c02
W=/tmp/xcopy
mkdir -p $W

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours

check "modprobe target_core_mod" modprobe target_core_mod
check "modprobe sd_mod sg" guest_modprobe_initiators

out=$(targetcli 2>&1 <<EOF
set global auto_save_on_exit=false
/backstores/ramdisk create xa 16M
/backstores/ramdisk create xb 16M
/backstores/ramdisk create xc 16M
/loopback create $W1
/loopback/$W1/luns create /backstores/ramdisk/xa
/loopback/$W1/luns create /backstores/ramdisk/xb
/loopback create $W2
/loopback/$W2/luns create /backstores/ramdisk/xc
EOF
)
check_eq "targetcli: no error" "" "$(printf '%s\n' "$out" | grep -iE 'error|failed|traceback' | head -3)"

# rawr CMD...: the response of an sg3_utils command run with --raw, into the array R (decimal
# bytes).
rawr() { R=($("$@" 2>/dev/null | od -An -tu1 -v)); }
# The H:C:T:L of the LIO-ORG disk whose unit serial is the backstore's.
hctl_of() { # backstore
	local serial d
	serial=$(sed -n 's/^T10 VPD Unit Serial Number: //p' $T/core/rd_mcp_*/"$1"/wwn/vpd_unit_serial)
	for d in /sys/class/scsi_device/*; do
		[ "$(cat $d/device/vendor 2>/dev/null)" = "LIO-ORG " ] || continue
		sg=$(devnode "$(sg_of ${d##*/})" c)
		if sg_vpd -p 0x80 "$sg" 2>/dev/null | grep -q "$serial"; then
			echo "${d##*/}"
			return
		fi
	done
}
for i in $(seq 1 40); do [ "$(lsscsi | grep -c LIO-ORG)" -ge 3 ] && break; sleep 0.25; done
HA=$(hctl_of xa) HB=$(hctl_of xb) HC=$(hctl_of xc)
echo "    xa=$HA xb=$HB xc=$HC"
check "three LIO-ORG disks found by unit serial" test -n "$HA" -a -n "$HB" -a -n "$HC"
check_eq "xa and xb on one host" "${HA%%:*}" "${HB%%:*}"
check "xc on another host (another I_T nexus)" test "${HA%%:*}" != "${HC%%:*}"
SGA=$(devnode "$(sg_of $HA)" c) SGB=$(devnode "$(sg_of $HB)" c) SGC=$(devnode "$(sg_of $HC)" c)
SDA=$(devnode "$(sd_of $HA)" b) SDB=$(devnode "$(sd_of $HB)" b) SDC=$(devnode "$(sd_of $HC)" b)
for sg in $SGA $SGB $SGC; do clear_ua $sg >/dev/null; done

# ---------------------------------------------------------------- (a)
guest_log "(a) 3PC, OPERATING PARAMETERS"
o=$(sg_inq $SGA 2>&1)
check_match "INQUIRY 3PC=1" "3PC=1" "$o"
o=$(sg_copy_results --params $SGA 2>&1)
check "sg_copy_results --params exits 0" test $? -eq 0
printf '%s\n' "$o" | sed 's/^/    /'
check_match "operating parameters: 8 target descriptors" "Maximum target descriptor count: 8$" "$o"
check_match "operating parameters: 8 segment descriptors" "Maximum segment descriptor count: 8$" "$o"
check_match "operating parameters: 1024-byte descriptor list" "Maximum descriptor list length: 1024 bytes" "$o"
check_match "operating parameters: 256 MiB segments" "Maximum segment length: 268435456 bytes" "$o"
check_match "operating parameters: no inline data" "Inline data not supported" "$o"
check_match "operating parameters: block to block segments (0x02)" "Segment descriptor 0x02" "$o"
check_match "operating parameters: identification target descriptors (0xe4)" "Target descriptor 0xe4" "$o"

# ---------------------------------------------------------------- (b)
guest_log "(b) sg_xcopy xa -> xb"
head -c $((4 * 1024 * 1024)) /dev/urandom >$W/pat
check "4 MiB written to xa" dd if=$W/pat of=$SDA bs=1M oflag=direct status=none
o=$(sg_xcopy if=$SGA of=$SGB bs=512 skip=0 seek=2048 count=8192 2>&1)
rc=$?
printf '%s\n' "$o" | sed 's/^/    /' | head -10
check_eq "sg_xcopy xa -> xb exits 0" 0 $rc
dd if=$SDB of=$W/got bs=512 skip=2048 count=8192 iflag=direct status=none
check "cmp: xb[2048..10239] = xa[0..8191]" cmp $W/pat $W/got
dd if=$SDB of=$W/before bs=512 count=2048 iflag=direct status=none
check "cmp: xb before the range is untouched (zeros)" cmp $W/before <(head -c $((2048 * 512)) /dev/zero)
# (--on_src: the command goes to xa, whose I_T_L nexus then holds the results; sg_xcopy's
# default is the destination)
o=$(sg_xcopy if=$SGA of=$SGB bs=512 skip=100 seek=12000 count=64 list_id=5 id_usage=hold --on_src 2>&1)
check_eq "sg_xcopy list_id=5 id_usage=hold exits 0" 0 $?
o=$(sg_copy_results --status --list_id=5 $SGA 2>&1)
printf '%s\n' "$o" | sed 's/^/    /'
check_match "COPY STATUS of list 5: completed without errors" "Operation completed without errors" "$o"
check_match "COPY STATUS of list 5: one segment" "Segments processed: 1$" "$o"
check_match "COPY STATUS of list 5: 64 blocks of bytes" "Transfer count: 32768$" "$o"
o=$(sg_copy_results -v --status --list_id=6 $SGA 2>&1)
check_match "COPY STATUS of an unknown list: invalid field in cdb" "Invalid field in cdb|[Ii]llegal" "$o"
dd if=$SDB of=$W/got2 bs=512 skip=12000 count=64 iflag=direct status=none
check "cmp: the held-results copy" cmp $W/got2 <(dd if=$W/pat bs=512 skip=100 count=64 status=none)

# ---------------------------------------------------------------- (c)
guest_log "(c) xc is not reachable from xa's nexus"
o=$(sg_xcopy if=$SGA of=$SGC bs=512 count=128 --on_src -v 2>&1)
rc=$?
printf '%s\n' "$o" | grep -iE "sense|copy|aborted" | sed 's/^/    /' | head -8
check "sg_xcopy xa -> xc (sent to xa) fails" test $rc -ne 0
# (sg_xcopy names only the sense key; the ASC is checked with sg_raw below)
check_match "... COPY ABORTED" "Xcopy\(LID1\): Copy aborted" "$o"
dd if=$SDC of=$W/c bs=512 count=128 iflag=direct status=none
check "cmp: xc untouched (zeros)" cmp $W/c <(head -c $((128 * 512)) /dev/zero)
# The same copy sent to xc's own nexus (which sees xc but not xa) fails too: xa unreachable.
o=$(sg_xcopy if=$SGA of=$SGC bs=512 count=128 --on_dst -v 2>&1)
check_match "sent to xc instead: xa is not reachable from xc's nexus (COPY ABORTED)" "Xcopy\(LID1\): Copy aborted" "$o"

# A hand-built parameter list: LIST ID 7 (held), CSCD 0 = xa, CSCD 1 = xc, one 02h segment.
naa() { rawr sg_vpd -p 0x83 -r "$1"; printf '%s' "${R[*]:8:16}"; }
NA=$(naa $SGA) NC=$(naa $SGC)
check_eq "VPD 0x83 starts with a 16-byte NAA designator (xa)" "1 3 0 16" "$(rawr sg_vpd -p 0x83 -r $SGA; echo ${R[*]:4:4})"
hex() { local b; for b in "$@"; do printf '\\x%02x' "$b"; done; }
cscd() { printf "$(hex 0xe4 0 0 0 1 3 0 16 $1 0 0 0 0 0 0 2 0)"; } # DISK BLOCK LENGTH 512
{
	printf "$(hex 7 0 0 64 0 0 0 0 0 0 0 28 0 0 0 0)"
	cscd "$NA"
	cscd "$NC"
	printf "$(hex 2 0 0 0x18 0 0 0 1 0 0 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)"
} >$W/plist
check_eq "the parameter list is 108 bytes" 108 "$(stat -c %s $W/plist)"
o=$(sg_raw -v -s 108 -i $W/plist $SGA 83 00 00 00 00 00 00 00 00 00 00 00 00 6c 00 00 2>&1)
printf '%s\n' "$o" | grep -iE "status|sense|aborted|copy" | sed 's/^/    /' | head -6
check_match "sg_raw EXTENDED COPY naming xc: CHECK CONDITION" "SCSI Status: Check Condition" "$o"
check_match "... sense key COPY ABORTED" "Copy [Aa]borted" "$o"
check_match "... copy target device not reachable" "[Cc]opy target device not reachable" "$o"
o=$(sg_copy_results --failed --list_id=7 $SGA 2>&1)
printf '%s\n' "$o" | sed 's/^/    /' | head -8
check_match "FAILED SEGMENT DETAILS of list 7: status CHECK CONDITION (2)" "Extended copy command status: 2" "$o"
check_match "FAILED SEGMENT DETAILS of list 7: its sense" "[Cc]opy target device not reachable" "$o"
# With xb instead of xc, the same list goes through.
NB=$(naa $SGB)
{
	printf "$(hex 8 0 0 64 0 0 0 0 0 0 0 28 0 0 0 0)"
	cscd "$NA"
	cscd "$NB"
	printf "$(hex 2 0 0 0x18 0 0 0 1 0 0 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0x30 0)"
} >$W/plist2
o=$(sg_raw -v -s 108 -i $W/plist2 $SGA 83 00 00 00 00 00 00 00 00 00 00 00 00 6c 00 00 2>&1)
check_match "sg_raw EXTENDED COPY xa -> xb: GOOD" "SCSI Status: Good" "$o"
dd if=$SDB of=$W/got3 bs=512 skip=$((0x3000)) count=8 iflag=direct status=none
check "cmp: 8 blocks at xb LBA 0x3000" cmp $W/got3 <(head -c 4096 $W/pat)
# A malformed list: a Fibre Channel target descriptor (E0h) is unsupported.
python3 - "$W/plist2" "$W/plist3" <<'PY'
import sys
p = bytearray(open(sys.argv[1], 'rb').read()); p[16] = 0xe0; open(sys.argv[2], 'wb').write(p)
PY
o=$(sg_raw -v -s 108 -i $W/plist3 $SGA 83 00 00 00 00 00 00 00 00 00 00 00 00 6c 00 00 2>&1)
check_match "E0h target descriptor: unsupported target descriptor type code" "[Uu]nsupported target descriptor type code" "$o"

# ---------------------------------------------------------------- (d)
guest_log "(d) emulate_3pc=0"
XA=$(ls -d $T/core/rd_mcp_*/xa | head -1)
echo 0 >$XA/attrib/emulate_3pc
rawr sg_inq -r -l 96 $SGA
check_eq "emulate_3pc=0: INQUIRY 3PC=0" 0 $(((${R[5]:-255} >> 3) & 1))
o=$(sg_raw -v -s 108 -i $W/plist2 $SGA 83 00 00 00 00 00 00 00 00 00 00 00 00 6c 00 00 2>&1)
check_match "emulate_3pc=0: EXTENDED COPY is an invalid opcode" "Invalid command operation code" "$o"
o=$(sg_copy_results -v --params $SGA 2>&1)
check "emulate_3pc=0: RECEIVE COPY RESULTS refused" test -n "$(printf '%s\n' "$o" | grep -iE 'not supported|invalid|illegal')"
echo 1 >$XA/attrib/emulate_3pc
rawr sg_inq -r -l 96 $SGA
check_eq "emulate_3pc=1 again: INQUIRY 3PC=1" 1 $(((${R[5]:-0} >> 3) & 1))

# ---------------------------------------------------------------- (e)
guest_log "(e) teardown"
out=$(targetcli 2>&1 <<EOF
set global auto_save_on_exit=false
/loopback delete $W1
/loopback delete $W2
/backstores/ramdisk delete xa
/backstores/ramdisk delete xb
/backstores/ramdisk delete xc
EOF
)
check_eq "no LIO-ORG device left" 0 "$(lsscsi | grep -c LIO-ORG)"
[ -d $T/loopback ] && rmdir $T/loopback
if lio_target_is_ours; then
	check "rmmod tcm_loop target_core_mod" rmmod tcm_loop target_core_mod
	check_eq "no leak reported at unload" 0 "$(dmesg | grep -c 'lio-cxx: leak')"
fi
rm -rf $W
finish
