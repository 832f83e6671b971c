#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and unusual iSCSI PDUs against a demo-mode target (tests/guest/iscsi_raw.py, raw
# sockets): a baseline login + INQUIRY + logout, then one case per connection (truncated BHS,
# an oversized login DataSegmentLength, a SCSI command before login, an unknown TSIH, malformed
# login keys, a reserved opcode, a bad AHS length, a Data-Out for an unknown ITT, a NOP-Out ping
# with data). The expected answers per RFC 7143 are in iscsi_raw.py's comments; stock LIO's
# answers are the baseline, and where it differs from the RFC the check accepts the RFC's
# answer or a dropped connection. After every case a normal login (iscsi-inq) still works; at
# the end the kernel log has no Oops/BUG/WARNING (vm-run scans it too) and the modules unload.
#
# Stock LIO (6.1) fails three checks, each of which describes RFC 7143's answer (details in
# iscsi_raw.py): key_too_long (answers the key cut to 63 characters "=NotUnderstood" instead of
# refusing the malformed text), duplicate_keys (answers the second MaxBurstLength NotUnderstood
# and logs in; RFC 7143 6.2 requires a Login reject, initiator error), bad_ahs (executes a
# command whose AHS length contradicts TotalAHSLength; a format error, RFC 7143 7.8).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:raw
URL=iscsi://127.0.0.1/$IQN/0
RAW=$LIO_SRC/tests/guest/iscsi_raw.py

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours
check "modprobe target_core_mod" modprobe target_core_mod

guest_log "setup"
targetcli_batch "targetcli: ramdisk 16M, iSCSI target, demo mode" <<EOT
/backstores/ramdisk create rd0 16M
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/rd0
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
EOT
check "the portal 0.0.0.0:3260 exists" test -d $T/iscsi/$IQN/tpgt_1/np/0.0.0.0:3260
for i in $(seq 1 50); do ss -Htln 'sport = :3260' | grep -q . && break; sleep 0.1; done
inq_ok() { timeout 30 iscsi-inq $URL 2>&1 | grep -q '^Vendor:LIO-ORG'; }
check "iscsi-inq works before the malformed PDUs" inq_ok

mark_dmesg
for c in $(python3 "$RAW" --list); do
	guest_log "case $c"
	record_results < <(timeout 120 python3 "$RAW" "$IQN" "$c" 2>&1)
	check "$c: a normal login (iscsi-inq) works afterwards" inq_ok
done
check_eq "no Oops, BUG, WARNING or call trace in the kernel log" "" \
	"$(new_dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection')"
echo "    target's kernel log during the cases:"
new_dmesg | grep -vE 'lio-test:' | tail -n 40 | sed 's/^/    /'

guest_log "teardown"
targetcli_batch "targetcli: delete the target and the ramdisk" <<EOT
/iscsi delete $IQN
/backstores/ramdisk delete rd0
EOT
check "the target is gone" test ! -e $T/iscsi/$IQN
unload_target_modules

finish
