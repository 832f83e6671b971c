#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run-args: --timeout 1200
#
# The iSCSI fabric end to end with open-iscsi in the same guest (iscsid started by hand):
#  (a) targetcli (one process for all commands): fileio f0 + ramdisk rd0 behind an iSCSI target,
#      the default portal 0.0.0.0:3260 plus [::1]:3261 (IPv6) and 127.0.0.1:3262, an ACL for
#      one initiator name with CHAP credentials (one-way and mutual); later mode switches are
#      configfs writes of what rtslib writes (authentication, generate_node_acls, discovery_auth);
#  (b) SendTargets discovery through each portal: TargetAddress lines name real addresses
#      (the 0.0.0.0 portal is reported as the address the discovery came in on), never 0.0.0.0;
#  (c) demo mode (generate_node_acls=1, authentication=0): login, lsscsi shows the LIO-ORG disks,
#      data written and read back (dd + md5, and the fileio backing file), logout, login again,
#      the data is still there; a login through the IPv6 portal reads it too;
#  (d) ACL mode (generate_node_acls=0): an initiator name without an ACL is refused, the ACL'd
#      one logs in (iface initiatorname); one-way CHAP (wrong secret and no CHAP refused, right
#      secret in), mutual CHAP (target's secret checked by the initiator);
#      a new cmdsn_depth of the ACL ends its session, open-iscsi logs in again with the new
#      CmdSN window;
#  (e) discovery CHAP (discovery_auth): without, with a wrong and with the right secret;
#  (f) HeaderDigest/DataDigest CRC32C: negotiated, mkfs.ext4 + mount + file md5 + remount;
#  (g) a target-side connection drop (ss -K on the target's socket, i.e. sock_destroy: the
#      target sees its connection aborted and the initiator gets a RST) during fio randwrite with
#      crc32c verify: the initiator reconnects the same session on a new TCP connection, fio
#      reports no error, and a verify-only pass reads everything back;
#  (g2) param/MaxOutstandingR2T=4 and 64 KiB bursts, the node offering 8: 4 negotiated, fio
#      randwrite of 1 MiB blocks (15 R2Ts per write) with crc32c verify, no Data-Out rejected;
#  (h) logout, target deleted, no session left, the modules unload.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:fabric
TP=$T/iscsi/$IQN/tpgt_1
P=127.0.0.1:3260
P6='[::1]:3261'
P2=127.0.0.1:3262
INIT_OK=iqn.2024-01.org.lio-cxx:init-ok
INIT_BAD=iqn.2024-01.org.lio-cxx:init-bad
IMG=/tmp/isc_f0.img
T0=$(date +%s)

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours
check "modprobe target_core_mod" modprobe target_core_mod
check "iscsid starts" iscsi_start_iscsid
check "modprobe ext4" modprobe ext4

# Wait (up to 20 s) until session SID shows N LIO-ORG disks; prints their count.
lio_disks_of_session() { # sid n
	local i n=0
	for i in $(seq 1 100); do
		n=$(ls -d /sys/class/iscsi_session/session"$1"/device/target*/*:*:*:*/block/* 2>/dev/null | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.2
	done
	echo "$n"
}
# A check that the session to IQN at portal $1 exists; sets $sid.
session_up() { # label portal
	sid=$(iscsi_sid $IQN "$2")
	check "$1: a session to $2 exists" test -n "$sid"
}
no_session() { ! iscsiadm -m session >/dev/null 2>&1; }
dmesg_trouble() { new_dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection'; }
mark_dmesg

# ---------------------------------------------------------------- (a) setup
guest_log "(a) setup"
rm -f $IMG
targetcli_batch "targetcli: backstores, target, LUNs, portals, demo mode" <<EOT
/backstores/fileio create f0 $IMG 64M write_back=false
/backstores/ramdisk create rd0 32M
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/fileio/f0 lun=0
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/rd0 lun=1
/iscsi/$IQN/tpg1/portals create ::1 3261
/iscsi/$IQN/tpg1/portals create 127.0.0.1 3262
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
/iscsi/$IQN/tpg1/acls create $INIT_OK
/iscsi/$IQN/tpg1/acls/$INIT_OK set auth userid=chapuser password=chapsecret123
/iscsi/$IQN/tpg1/acls/$INIT_OK set auth mutual_userid=tgtuser mutual_password=tgtsecret456
EOT
printf '%s\n' "$out" | grep -E '^(Created|Info|Warning|Error|Parameter)' | sed 's/^/    /'
check "portal 0.0.0.0:3260 (targetcli's default)" test -d $TP/np/0.0.0.0:3260
check "portal [::1]:3261" test -d "$TP/np/[::1]:3261"
check "portal 127.0.0.1:3262" test -d $TP/np/127.0.0.1:3262
check "lun_0 and lun_1" test -d $TP/lun/lun_0 -a -d $TP/lun/lun_1
check "an ACL for $INIT_OK mapping lun 0 and lun 1" test -d $TP/acls/$INIT_OK/lun_0 -a -d $TP/acls/$INIT_OK/lun_1
check_eq "the ACL's CHAP user ids" "chapuser tgtuser" \
	"$(cat $TP/acls/$INIT_OK/auth/userid) $(cat $TP/acls/$INIT_OK/auth/userid_mutual 2>&1)"
check_eq "the TPG is enabled" 1 "$(cat $TP/enable 2>/dev/null)"
# the local address:port of every listening TCP socket on port $1
listening() {
	ss -Htln "( sport = :$1 )" | awk -v p=":$1" '{ for (i = 1; i <= NF; i++) if (substr($i, length($i) - length(p) + 1) == p) { print $i; break } }' |
		sort | tr '\n' ' '
}
for i in $(seq 1 50); do [ -n "$(listening 3262)" ] && break; sleep 0.1; done
check_eq "listening on 0.0.0.0:3260" "0.0.0.0:3260 " "$(listening 3260)"
check_eq "listening on [::1]:3261" "[::1]:3261 " "$(listening 3261)"
check_eq "listening on 127.0.0.1:3262" "127.0.0.1:3262 " "$(listening 3262)"

# ---------------------------------------------------------------- (b) discovery
guest_log "(b) SendTargets discovery"
has_line() { printf '%s\n' "$2" | grep -qxF -- "$1"; }
for portal in $P $P6 $P2; do
	d=$(iscsi_discover "$portal")
	check "discovery through $portal succeeds" test $? -eq 0
	printf '%s\n' "$d" | sed 's/^/    /'
	check "discovery through $portal lists the target at $portal itself" has_line "$portal,1 $IQN" "$d"
	check_eq "discovery through $portal names no 0.0.0.0 / :: wildcard" "" \
		"$(printf '%s\n' "$d" | grep -E '^(0\.0\.0\.0|\[::\]):')"
done
# Through the 0.0.0.0 portal: every portal, the wildcard one as the address the request came
# to. (Through another portal, stock LIO names the wildcard portal by the address AND port the
# request came to, e.g. 127.0.0.1:3262 twice: reachable, so not checked.)
d=$(iscsi_discover $P)
for want in "$P,1 $IQN" "$P6,1 $IQN" "$P2,1 $IQN"; do
	check "discovery through $P lists '$want'" has_line "$want" "$d"
done
check_eq "discovery through $P lists exactly 3 portals" 3 "$(printf '%s\n' "$d" | grep -c " $IQN\$")"

# ---------------------------------------------------------------- (c) demo mode
guest_log "(c) demo mode: login, I/O, logout, login again"
lo=$(iscsi_login $IQN $P)
check "demo mode: login through $P" test $? -eq 0
printf '%s\n' "$lo" | sed 's/^/    /'
session_up "demo mode" $P
check_eq "demo mode: the session has 2 disks" 2 "$(lio_disks_of_session "$sid" 2)"
ls_out=$(lsscsi)
printf '%s\n' "$ls_out" | sed 's/^/    /'
check_eq "lsscsi shows 2 LIO-ORG disks" 2 "$(printf '%s\n' "$ls_out" | grep -c 'disk *LIO-ORG')"
check_match "lsscsi shows the fileio LUN (model f0)" "disk +LIO-ORG +f0 " "$ls_out"
check_match "lsscsi shows the ramdisk LUN (model rd0)" "disk +LIO-ORG +rd0 " "$ls_out"
D0=$(iscsi_disk_of_session "$sid" 0)
D1=$(iscsi_disk_of_session "$sid" 1)
check "lun 0 and lun 1 have block devices" test -b "$D0" -a -b "$D1"
dd if=/dev/urandom of=/tmp/isc_pat bs=1M count=4 status=none
PAT=$(md5 </tmp/isc_pat)
check "dd 4 MiB to lun 0 (fileio) at 8 MiB" dd if=/tmp/isc_pat of="$D0" bs=1M seek=8 oflag=direct status=none
check "dd 4 MiB to lun 1 (ramdisk) at 4 MiB" dd if=/tmp/isc_pat of="$D1" bs=1M seek=4 oflag=direct status=none
check_eq "lun 0 reads the data back" "$PAT" "$(dd if="$D0" bs=1M skip=8 count=4 iflag=direct status=none | md5)"
check_eq "lun 1 reads the data back" "$PAT" "$(dd if="$D1" bs=1M skip=4 count=4 iflag=direct status=none | md5)"
check_eq "the fileio backing file holds the data" "$PAT" "$(dd if=$IMG bs=1M skip=8 count=4 status=none | md5)"
check_eq "lun 0 elsewhere is not the data (the comparison can fail)" 0 \
	"$(dd if="$D0" bs=1M skip=16 count=4 iflag=direct status=none | md5 | grep -c "$PAT")"
lo=$(iscsiadm -m node -T $IQN -p $P --logout 2>&1)
check "demo mode: logout" test $? -eq 0
check "no session after the logout" no_session
check "the disks are gone after the logout" test ! -e "/sys/class/block/${D0#/dev/}"
lo=$(iscsi_login $IQN $P)
check "demo mode: login again" test $? -eq 0
session_up "demo mode, again" $P
check_eq "the session has 2 disks again" 2 "$(lio_disks_of_session "$sid" 2)"
D0=$(iscsi_disk_of_session "$sid" 0)
D1=$(iscsi_disk_of_session "$sid" 1)
check_eq "lun 0 still holds the data" "$PAT" "$(dd if="$D0" bs=1M skip=8 count=4 iflag=direct status=none | md5)"
check_eq "lun 1 still holds the data" "$PAT" "$(dd if="$D1" bs=1M skip=4 count=4 iflag=direct status=none | md5)"
check "logout" iscsiadm -m node -T $IQN -p $P --logout
# The IPv6 portal serves the same LUNs.
lo=$(iscsi_login $IQN "$P6")
check "login through the IPv6 portal $P6" test $? -eq 0
printf '%s\n' "$lo" | sed 's/^/    /'
session_up "IPv6" "$P6"
D0=$(iscsi_disk_of_session "$sid" 0)
check_eq "lun 0 through $P6 holds the data" "$PAT" \
	"$(dd if="$D0" bs=1M skip=8 count=4 iflag=direct status=none | md5)"
check "logout of everything, node records deleted" iscsi_logout_all
check "no session left" no_session

# ---------------------------------------------------------------- (d) ACLs and CHAP
guest_log "(d) ACL mode, CHAP"
# The mode switches from here on are written to configfs directly, as rtslib does for
# `set attribute` (a targetcli process costs seconds under emulation).
# (no trailing newline, as rtslib writes: stock LIO keeps a newline in a CHAP secret)
cfs_set() { # name file value
	check "$1" sh -c "printf %s '$3' > '$2'"
	check_eq "$1: reads back" "$3" "$(cat "$2" 2>&1)"
}
cfs_set "generate_node_acls=0 (ACL mode)" $TP/attrib/generate_node_acls 0
for ifc in ok bad; do
	iscsiadm -m iface -I $ifc -o new >/dev/null 2>&1
done
check "iface ok: initiatorname $INIT_OK" \
	iscsiadm -m iface -I ok -o update -n iface.initiatorname -v $INIT_OK
check "iface bad: initiatorname $INIT_BAD" \
	iscsiadm -m iface -I bad -o update -n iface.initiatorname -v $INIT_BAD
d=$(iscsi_discover $P -I ok -I bad)
check "discovery with ifaces ok and bad" test $? -eq 0
lo=$(iscsi_login $IQN $P bad)
rc=$?
check "an initiator name without an ACL is refused (iscsiadm fails)" test $rc -ne 0
printf '%s\n' "$lo" | sed 's/^/    /'
check_match "... with an authorization failure (status 0x0202)" "authoriz" "$lo"
check "no session after the refused login" no_session
lo=$(iscsi_login $IQN $P ok)
check "the ACL'd initiator name logs in" test $? -eq 0
session_up "ACL" $P
info=$(cat $TP/acls/$INIT_OK/info 2>&1)
printf '%s\n' "$info" | sed 's/^/    /' | head -8
check_match "the ACL's info shows the logged-in session" "TARG_SESS_STATE_LOGGED_IN" "$info"
check_eq "ACL session: lun 0 reads the data" "$PAT" \
	"$(dd if="$(iscsi_disk_of_session "$sid" 0)" bs=1M skip=8 count=4 iflag=direct status=none | md5)"
# A new cmdsn_depth ends the ACL's session (as LIO); open-iscsi logs in again and gets the new
# CmdSN window (info: CmdSN/WR and CmdSN/WC are the depth).
check_match "the session's CmdSN window is 64 (cmdsn_depth)" "^ 0x00000040   0x00000040 " "$info"
port1=$(iscsi_conn_port $P)
mark_dmesg
check "cmdsn_depth 16 for the ACL" sh -c "echo 16 > $TP/acls/$INIT_OK/cmdsn_depth"
info=
for i in $(seq 1 120); do
	port2=$(iscsi_conn_port $P)
	info=$(cat $TP/acls/$INIT_OK/info 2>&1)
	[ -n "$port2" ] && [ "$port2" != "$port1" ] && printf '%s\n' "$info" | grep -q '^ 0x00000010   0x00000010 ' && break
	sleep 0.5
done
printf '%s\n' "$info" | sed -n 5,6p | sed 's/^/    /'
check "the connection was ended and open-iscsi logged in again (port $port1 -> ${port2:-none})" \
	test -n "$port2" -a "$port2" != "$port1"
check_match "the new session's CmdSN window is 16" "^ 0x00000010   0x00000010 " "$info"
check_match "the target logged why" "cmdsn_depth 16: ending the initiator's session" "$(new_dmesg)"
check_eq "ACL session after the cmdsn_depth change: lun 0 reads the data" "$PAT" \
	"$(dd if="$(iscsi_disk_of_session "$(iscsi_sid $IQN $P)" 0)" bs=1M skip=8 count=4 iflag=direct status=none | md5)"
check "logout (ACL)" iscsiadm -m node -T $IQN -p $P -I ok --logout
check "cmdsn_depth 64 again" sh -c "echo 64 > $TP/acls/$INIT_OK/cmdsn_depth"

cfs_set "authentication=1 (CHAP with the ACL's credentials)" $TP/attrib/authentication 1
lo=$(iscsi_login $IQN $P ok)
check "CHAP required: a login without CHAP is refused" test $? -ne 0
printf '%s\n' "$lo" | tail -n 2 | sed 's/^/    /'
check "no session after it" no_session
iscsi_node_set $IQN $P node.session.auth.authmethod CHAP ok
iscsi_node_set $IQN $P node.session.auth.username chapuser ok
iscsi_node_set $IQN $P node.session.auth.password wrongsecret99 ok
lo=$(iscsi_login $IQN $P ok)
check "CHAP: a wrong secret is refused" test $? -ne 0
printf '%s\n' "$lo" | tail -n 2 | sed 's/^/    /'
# iscsiadm error 24 (ISCSI_ERR_LOGIN_AUTH_FAILED) stands for login status 0x0201 and 0x0202
check_match "... with a login authentication failure (iscsiadm error 24)" "error \(24 " "$lo"
check "no session after it" no_session
iscsi_node_set $IQN $P node.session.auth.password chapsecret123 ok
lo=$(iscsi_login $IQN $P ok)
check "CHAP: the right secret logs in" test $? -eq 0
session_up "CHAP" $P
check "logout (CHAP)" iscsiadm -m node -T $IQN -p $P -I ok --logout

iscsi_node_set $IQN $P node.session.auth.username_in tgtuser ok
iscsi_node_set $IQN $P node.session.auth.password_in tgtsecret456 ok
lo=$(iscsi_login $IQN $P ok)
check "mutual CHAP: both secrets right, login succeeds" test $? -eq 0
printf '%s\n' "$lo" | sed 's/^/    /'
session_up "mutual CHAP" $P
check "logout (mutual CHAP)" iscsiadm -m node -T $IQN -p $P -I ok --logout
# The same settings but the initiator expects another target secret: the target's CHAP_R
# (computed from its mutual secret) must not satisfy it.
iscsi_node_set $IQN $P node.session.auth.password_in wrongtarget77 ok
lo=$(iscsi_login $IQN $P ok)
check "mutual CHAP: the initiator refuses a target that answers with another secret" test $? -ne 0
check "no session after it" no_session
check "logout of everything, node records deleted" iscsi_logout_all
iscsiadm -m iface -I ok -o delete >/dev/null 2>&1
iscsiadm -m iface -I bad -o delete >/dev/null 2>&1
cfs_set "authentication=0" $TP/attrib/authentication 0
cfs_set "generate_node_acls=1 (demo mode again)" $TP/attrib/generate_node_acls 1

# ---------------------------------------------------------------- (e) discovery CHAP
guest_log "(e) discovery CHAP"
# what `targetcli /iscsi set discovery_auth enable=1 userid=... password=...` writes
DA=$T/iscsi/discovery_auth
cfs_set "discovery_auth userid" $DA/userid discuser
cfs_set "discovery_auth password" $DA/password discsecret789
cfs_set "discovery_auth enforce_discovery_auth=1" $DA/enforce_discovery_auth 1
d=$(iscsi_discover $P)
check "discovery without CHAP is refused" test $? -ne 0
printf '%s\n' "$d" | tail -n 2 | sed 's/^/    /'
dset() { iscsiadm -m discoverydb -t sendtargets -p $P -o update -n "$1" -v "$2"; }
iscsiadm -m discoverydb -t sendtargets -p $P -o new >/dev/null 2>&1
dset discovery.sendtargets.auth.authmethod CHAP
dset discovery.sendtargets.auth.username discuser
dset discovery.sendtargets.auth.password wrongdisc000
d=$(iscsiadm -m discoverydb -t sendtargets -p $P --discover 2>&1)
check "discovery CHAP with a wrong secret is refused" test $? -ne 0
check_eq "... and lists nothing" "" "$(printf '%s\n' "$d" | grep " $IQN\$")"
dset discovery.sendtargets.auth.password discsecret789
d=$(iscsiadm -m discoverydb -t sendtargets -p $P --discover 2>&1)
check "discovery CHAP with the right secret succeeds" test $? -eq 0
printf '%s\n' "$d" | sed 's/^/    /'
check_match "... and lists the target" "^127\.0\.0\.1:3260,1 $IQN\$" "$d"
iscsiadm -m discoverydb -t sendtargets -p $P -o delete >/dev/null 2>&1
cfs_set "discovery_auth enforce_discovery_auth=0" $DA/enforce_discovery_auth 0
d=$(iscsi_discover $P)
check "discovery without CHAP works again" test $? -eq 0

# ---------------------------------------------------------------- (f) digests, ext4
guest_log "(f) CRC32C digests, ext4"
iscsiadm -m node -o delete >/dev/null 2>&1
iscsi_discover $P >/dev/null
check "HeaderDigest=CRC32C set on the node" iscsi_node_set $IQN $P 'node.conn[0].iscsi.HeaderDigest' CRC32C
check "DataDigest=CRC32C set on the node" iscsi_node_set $IQN $P 'node.conn[0].iscsi.DataDigest' CRC32C
check "replacement_timeout 120 s" iscsi_node_set $IQN $P node.session.timeo.replacement_timeout 120
lo=$(iscsi_login $IQN $P)
check "login with digests" test $? -eq 0
session_up "digests" $P
sinfo=$(iscsiadm -m session -r "$sid" -P 2 2>&1)
check_match "negotiated HeaderDigest: CRC32C" "HeaderDigest: CRC32C" "$sinfo"
check_match "negotiated DataDigest: CRC32C" "DataDigest: CRC32C" "$sinfo"
D0=$(iscsi_disk_of_session "$sid" 0)
D1=$(iscsi_disk_of_session "$sid" 1)
check "both disks are there" test -b "$D0" -a -b "$D1"
mkdir -p /mnt/isc
check "mkfs.ext4 on lun 1 (ramdisk)" mkfs.ext4 -q -F "$D1"
check "mount" mount -t ext4 "$D1" /mnt/isc
dd if=/dev/urandom of=/tmp/isc_file bs=1M count=8 status=none
want=$(md5 </tmp/isc_file)
check "write an 8 MiB file, sync" sh -c "cp /tmp/isc_file /mnt/isc/f && sync"
check_eq "md5 of the file" "$want" "$(md5 </mnt/isc/f)"
check "umount" umount /mnt/isc
check "flush the block device's cache" blockdev --flushbufs "$D1"
check "mount again" mount -t ext4 "$D1" /mnt/isc
check_eq "md5 of the file after the remount" "$want" "$(md5 </mnt/isc/f)"
check "umount again" umount /mnt/isc
check "fsck.ext4 -n finds the filesystem clean" fsck.ext4 -n "$D1"

# ---------------------------------------------------------------- (g) connection drop under fio
guest_log "(g) target-side connection drop during fio"
# Paced random writes (8 KiB, 250/s, 40 MiB: about 20 s) with crc32c in every block, then
# fio's own verify pass; a fixed seed so that a later --verify_only walks the same blocks.
FIO_JOB=(--name=drop --filename="$D0" --ioengine=libaio --iodepth=8 --direct=1 --rw=randwrite
	--bs=8k --size=64M --io_size=40M --randrepeat=0 --randseed=7102 --verify=crc32c
	--verify_fatal=1)
port1=$(iscsi_conn_port $P)
check "the initiator's connection has a local port" test -n "$port1"
mark_dmesg
fio "${FIO_JOB[@]}" --rate_iops=250 >/tmp/isc_fio.log 2>&1 &
fio_pid=$!
sleep 6
check "fio is running before the drop" kill -0 $fio_pid
killed=$(ss -K -Htn state established '( sport = :3260 )' 2>&1)
check "ss -K aborts the target's end of the connection" test -n "$killed"
printf '%s\n' "$killed" | sed 's/^/    /'
port2=""
for i in $(seq 1 120); do
	port2=$(iscsi_conn_port $P)
	[ -n "$port2" ] && [ "$port2" != "$port1" ] &&
		iscsiadm -m session -r "$sid" -P 1 2>/dev/null | grep -q 'iSCSI Session State: LOGGED_IN' && break
	sleep 0.5
done
check "the session came back on a new TCP connection (port $port1 -> ${port2:-none})" \
	test -n "$port2" -a "$port2" != "$port1"
sstate=$(iscsiadm -m session -r "$sid" -P 1 2>&1)
check_match "the same session ($sid) is LOGGED_IN" "iSCSI Session State: LOGGED_IN" "$sstate"
check_match "the initiator saw the connection fail (kernel log)" "connection[0-9]+:0: detected conn error" "$(new_dmesg)"
ended=0
for i in $(seq 1 240); do
	kill -0 $fio_pid 2>/dev/null || { ended=1; break; }
	sleep 0.5
done
check_eq "fio ends within 2 minutes" 1 "$ended"
[ $ended -eq 1 ] || kill -9 $fio_pid 2>/dev/null
wait $fio_pid
rc=$?
check "fio (randwrite + crc32c verify across the drop) exits 0" test $rc -eq 0
grep -E 'err=|WRITE:|READ:|verify|crc' /tmp/isc_fio.log | head -8 | sed 's/^/    /'
check_match "fio reports err=0" "err= *0" "$(cat /tmp/isc_fio.log)"
check_eq "fio reports no verify error" "" "$(grep -iE 'verify:? .*(bad|fail)|crc32c.*(bad|mismatch)' /tmp/isc_fio.log)"
out=$(fio "${FIO_JOB[@]}" --verify_only 2>&1)
check "fio --verify_only afterwards: every block reads back" test $? -eq 0
check_match "fio --verify_only read the blocks" "READ: bw=" "$out"
out=$(fio "${FIO_JOB[@]}" --verify_only --randseed=1 2>&1)
check "fio --verify_only with another seed fails (the check can fail)" test $? -ne 0
check_eq "no Oops, BUG or WARNING around the drop" "" "$(dmesg_trouble)"

# ---------------------------------------------------------------- (g2) MaxOutstandingR2T 4
guest_log "(g2) MaxOutstandingR2T=4: several R2Ts outstanding per write"
check "logout before the parameter change" iscsi_logout_all
# 64 KiB bursts: a 1 MiB write is 64 KiB immediate and 15 R2Ts, 4 of them outstanding at once.
check_eq "param/MaxOutstandingR2T=4" "" "$(echo 4 >$TP/param/MaxOutstandingR2T 2>&1)"
check_eq "param/MaxBurstLength=65536" "" "$(echo 65536 >$TP/param/MaxBurstLength 2>&1)"
iscsi_discover $P >/dev/null
check "node.session.iscsi.MaxOutstandingR2T=8 on the node" \
	iscsi_node_set $IQN $P node.session.iscsi.MaxOutstandingR2T 8
lo=$(iscsi_login $IQN $P)
check "login with MaxOutstandingR2T=8 offered" test $? -eq 0
session_up "MaxOutstandingR2T" $P
sinfo=$(iscsiadm -m session -r "$sid" -P 2 2>&1)
printf '%s\n' "$sinfo" | grep -E 'MaxOutstandingR2T|MaxBurstLength' | sed 's/^/    /'
check_match "negotiated MaxOutstandingR2T: 4" "MaxOutstandingR2T: 4" "$sinfo"
D1=$(iscsi_disk_of_session "$sid" 1)
check "lun 1 has a block device" test -b "$D1"
mark_dmesg
out=$(fio --name=r2t --filename="$D1" --ioengine=libaio --iodepth=4 --direct=1 --rw=randwrite \
	--bs=1M --size=24M --io_size=48M --verify=crc32c --verify_fatal=1 2>&1)
check "fio randwrite 1 MiB blocks + crc32c verify exits 0" test $? -eq 0
printf '%s\n' "$out" | grep -E 'err=|WRITE:|READ:' | head -4 | sed 's/^/    /'
check_match "fio reports err=0" "err= *0" "$out"
check_match "fio read the blocks back for its verify" "READ: bw=" "$out"
check_eq "no Data-Out rejected by the target" "" "$(new_dmesg | grep -E 'Data-Out|R2T')"
check_eq "no Oops, BUG or WARNING with 4 outstanding R2Ts" "" "$(dmesg_trouble)"

# ---------------------------------------------------------------- (h) teardown
guest_log "(h) logout, delete, unload"
check "logout of everything" iscsi_logout_all
check "no session remains" no_session
targetcli_batch "targetcli: delete the target and the backstores" <<EOT
/iscsi delete $IQN
/backstores/fileio delete f0
/backstores/ramdisk delete rd0
EOT
check "the target is gone" test ! -e $T/iscsi/$IQN
check_eq "nothing listens on 3260-3262 any more" "" "$(listening 3260)$(listening 3261)$(listening 3262)"
unload_target_modules
rm -f $IMG /tmp/isc_pat /tmp/isc_file /tmp/isc_fio.log
echo "    guest script time: $(($(date +%s) - T0)) s"

finish
