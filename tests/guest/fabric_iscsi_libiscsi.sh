#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run-args: --timeout 1800
#
# The iSCSI target under libiscsi's tools and conformance suite, with the setup of
# ../shared/reference/lio-6.1/iscsi-test-cu.txt: a fileio LUN (128M, write_back=false) behind an
# iSCSI target in demo mode (generate_node_acls=1, authentication=0), portal 0.0.0.0:3260.
#  (a) iscsi-ls lists the target and its LUN; iscsi-inq answers standard INQUIRY and VPD 0x80;
#  (b) the whole `iscsi-test-cu -d` run (verbose, default initiator names; the second one,
#      iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2, is what the reference used and
#      demo mode lets any name in); its output goes to $LIO_OUT/iscsi-test-cu.txt and
#      tests/guest/iscsi_test_cu_summary.py counts per test instance passed / failed / passed as
#      "not implemented" skip (the one-line summary goes to $LIO_OUT/iscsi-test-cu.summary);
#  (c) checks: at least stock LIO 6.1's 539 passed (and 537 not counting the 4 instances of the
#      two Reserve6 tests that are timing-dependent on stock), and every test that passed on stock
#      6.1 while exercising its feature (tests/guest/data/iscsi-test-cu-stock-6.1-passed.txt)
#      passes here;
#  (d) teardown and unload.
# One difference from the reference setup: the fileio LUN has thin provisioning on
# (emulate_tpu=1 emulate_tpws=1, which our fileio backs with hole punching), so that the Unmap
# and WriteSame-with-UNMAP suites exercise UNMAP instead of passing as "not implemented" skips.
# The stock reference run (and its passed list, the 539/76/168 figures) used the default
# attributes (emulate_tpu=0 emulate_tpws=0).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:cu
IMG=/tmp/cu_f0.img
OUT=${LIO_OUT:-/tmp}
PASSED_LIST=$LIO_SRC/tests/guest/data/iscsi-test-cu-stock-6.1-passed.txt

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours

check "modprobe target_core_mod" modprobe target_core_mod

# ---------------------------------------------------------------- setup
guest_log "setup"
rm -f $IMG
targetcli_batch "targetcli: fileio 128M, iSCSI target, demo mode" <<EOT
/backstores/fileio create f0 $IMG 128M write_back=false
/backstores/fileio/f0 set attribute emulate_tpu=1 emulate_tpws=1
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/fileio/f0
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
EOT
printf '%s\n' "$out" | grep -vE '^/|^$' | sed 's/^/    /' | head -20
TP=$T/iscsi/$IQN/tpgt_1
check "the default portal 0.0.0.0:3260 exists" test -d $TP/np/0.0.0.0:3260
check "lun_0 exists" test -d $TP/lun/lun_0
D=$T/core/fileio_0/f0
[ -d $D ] || D=$(ls -d $T/core/fileio_*/f0 2>/dev/null | head -1)
check_eq "f0: emulate_tpu=1 (thin provisioning, unlike the stock reference run)" 1 "$(cat $D/attrib/emulate_tpu 2>/dev/null)"
check_eq "f0: emulate_tpws=1" 1 "$(cat $D/attrib/emulate_tpws 2>/dev/null)"
check_eq "tpg enabled" 1 "$(cat $TP/enable 2>/dev/null)"
check_eq "generate_node_acls=1" 1 "$(cat $TP/attrib/generate_node_acls 2>/dev/null)"
check_eq "authentication=0" 0 "$(cat $TP/attrib/authentication 2>/dev/null)"
for i in $(seq 1 50); do ss -Htln 'sport = :3260' | grep -q . && break; sleep 0.1; done
check "something listens on port 3260" sh -c "ss -Htln 'sport = :3260' | grep -q ."

# ---------------------------------------------------------------- (a) iscsi-ls, iscsi-inq
guest_log "(a) iscsi-ls, iscsi-inq"
URL=iscsi://127.0.0.1/$IQN/0
ls_out=$(timeout 60 iscsi-ls -s iscsi://127.0.0.1 2>&1)
check "iscsi-ls exits 0" test $? -eq 0
printf '%s\n' "$ls_out" | sed 's/^/    /'
check_match "iscsi-ls lists the target at 127.0.0.1:3260" "^Target:$IQN Portal:127\.0\.0\.1:3260,1$" "$ls_out"
check_match "iscsi-ls shows lun 0 as a disk" "Lun:0 +Type:DIRECT_ACCESS" "$ls_out"
# iscsi-ls prints (last LBA x block size) in MiB, rounded down: 127M for 128 MiB
check_match "iscsi-ls shows its 128 MiB" "Lun:0 .*\(Size:12[78]M\)" "$ls_out"
inq=$(timeout 60 iscsi-inq $URL 2>&1)
check "iscsi-inq exits 0" test $? -eq 0
printf '%s\n' "$inq" | sed 's/^/    /' | head -30
check_match "iscsi-inq: vendor LIO-ORG" "^Vendor:LIO-ORG" "$inq"
# rtslib names the model after the backstore (emulate_model_alias)
check_match "iscsi-inq: product is the backstore name f0" "^Product:f0 *$" "$inq"
check_match "iscsi-inq: peripheral device type 0 (direct access)" "Peripheral Device Type:0?0?0? ?\(?(DIRECT_ACCESS|0)" "$inq"
vpd=$(timeout 60 iscsi-inq -e 1 -c 128 $URL 2>&1)
check "iscsi-inq VPD 0x80 exits 0" test $? -eq 0
printf '%s\n' "$vpd" | sed 's/^/    /' | head -5
check_match "iscsi-inq VPD 0x80: a unit serial number" "Unit Serial Number:\[?[[:xdigit:]-]{8,}" "$vpd"
check_fails "iscsi-inq of an unknown target fails" timeout 60 iscsi-inq iscsi://127.0.0.1/$IQN.nonexistent/0

# ---------------------------------------------------------------- (b) iscsi-test-cu
guest_log "(b) iscsi-test-cu -d"
# Stock LIO logs thousands of error lines during the run ("cmd exceeds last lba", ...): at the
# console log level of the harness they all go through the 115200-baud serial console, which
# makes the run 3-4 times longer. Only levels 0-2 go to the console meanwhile; the kernel log
# itself keeps everything and vm-run still scans it.
read -r console_level _ </proc/sys/kernel/printk
dmesg -n 3
t0=$(date +%s)
# The whole suite (615 instances) on 6.1, the kernel of the stock reference; on other kernels
# only its iSCSI-protocol family (CmdSN, DataSN, residuals, task management), which is what
# differs between kernels here (the socket layer): the SCSI suites run the same engine code,
# and the full run takes several minutes under TCG.
FULL=1
case ${LIO_KVER:-$(uname -r)} in 6.1.*) ;; *) FULL=0 ;; esac
if [ $FULL = 1 ]; then
	timeout 900 iscsi-test-cu -d $URL >$OUT/iscsi-test-cu.txt 2>&1
else
	timeout 900 iscsi-test-cu -d -t 'iSCSI.*' $URL >$OUT/iscsi-test-cu.txt 2>&1
fi
rc=$?
dmesg -n "$console_level"
echo "    iscsi-test-cu: exit $rc after $(($(date +%s) - t0)) s; output in \$LIO_OUT/iscsi-test-cu.txt"
grep -A4 '^Run Summary' $OUT/iscsi-test-cu.txt | sed 's/^/    /'
check "iscsi-test-cu ran to its summary" grep -q '^Run Summary' $OUT/iscsi-test-cu.txt
# Reserve6.Logout and Reserve6.ITNexusLoss (2 instances each) test that a RESERVE(6) ends with
# its I_T nexus (SPC-2 5.5.1: released at logout / nexus loss). Stock LIO releases the session
# asynchronously after the logout response, so on stock they pass or fail by timing: the
# reference run passed 2 of the 4 instances, other stock runs 1.
FLAKY="Reserve6.Logout Reserve6.ITNexusLoss"
counts=$(python3 "$LIO_SRC/tests/guest/iscsi_test_cu_summary.py" $OUT/iscsi-test-cu.txt \
	--passed-names $OUT/iscsi-test-cu.passed-names --flaky $FLAKY --details 2>$OUT/iscsi-test-cu.details)
check "the summary parser reads the output" test $? -eq 0
read -r n_pass n_fail n_ni n_skip n_ex n_flaky <<<"$counts"
summary="iscsi-test-cu: passed ${n_pass:-?} failed ${n_fail:-?} not-implemented-skips ${n_ni:-?} (stock LIO 6.1: 539/76/168)"
echo "$summary" | tee $OUT/iscsi-test-cu.summary
echo "    ([SKIPPED] in ${n_skip:-?} passed instances, ${n_ex:-?} passed exercising the feature; stock 6.1: 265, 272)"
sed 's/^/    /' $OUT/iscsi-test-cu.details
if [ $FULL = 0 ]; then
	# iSCSIDataSnInvalid: stock LIO fails it as well (one of its four cases completes GOOD).
	failed=$(sed -n '/^# failed/,/^# passed only/p' $OUT/iscsi-test-cu.details |
		grep -vE '^#|iSCSIDataSnInvalid' | awk '{print $2}' | sort -u)
	check "the iSCSI family ran (${n_pass:-0} passed, ${n_fail:-0} failed)" test "$((${n_pass:-0} + ${n_fail:-0}))" -ge 15
	check_eq "no iSCSI-family test fails but iSCSIDataSnInvalid (stock fails it too)" "" "$failed"
else
	check_eq "every one of the 615 test instances ran" 615 "$((${n_pass:-0} + ${n_fail:-0}))"
	# Deterministic on stock: 537 = the reference's 539 minus the 2 instances of $FLAKY it passed.
	check "passed >= 537 not counting $FLAKY (stock LIO 6.1: 537)" test $((${n_pass:-0} - ${n_flaky:-0})) -ge 537
	# STOCK FAILS THIS SOMETIMES (538 in some stock 6.1 runs, see above). A target that releases a
	# RESERVE(6) when its nexus ends, as SPC requires, passes all 4 instances of $FLAKY and, with
	# the rest as stock, reaches 541.
	check "passed >= 539 (stock LIO 6.1)" test "${n_pass:-0}" -ge 539
	
	# ---------------------------------------------------------------- (c) what passed on stock passes here
	# The data file holds the tests that passed on stock 6.1 while exercising their feature (not
	# only as a [SKIPPED] line) in every instance; a test listed there that does not pass here
	# (in every instance, exercising it) is a regression.
	check "the list of stock-passing tests is there" test -s "$PASSED_LIST"
	missing=$(grep -vE '^(#|$)' "$PASSED_LIST" | sort -u | comm -23 - <(sort -u $OUT/iscsi-test-cu.passed-names))
	# Not there yet, and said so in README's support matrix (issue 6): PERSISTENT RESERVE IN/OUT
	# answer INVALID OPERATION CODE, which libiscsi counts as a "not implemented" pass (EXTENDED
	# COPY and RECEIVE COPY RESULTS are implemented: their stock-passing tests must pass).
	# Inquiry.BlockLimits: without thin provisioning it passes here with a skip line (our Block
	# Limits VPD page is the full SBC-3 page, so libiscsi goes on to its provisioning checks and
	# skips them with LBPME=0; stock sends the short SBC-2 page then and the test ends before);
	# with emulate_tpu=1, as set above, it is exercised. Every other stock-exercised test must
	# pass here exercising its feature.
	KNOWN_MISSING='^(Prin|Prout|Inquiry\.BlockLimits$)'
	known=$(printf '%s\n' "$missing" | grep -E "$KNOWN_MISSING")
	echo "    stock-exercised tests not exercised here, known (issue 6 and BlockLimits): $(echo $known)"
	missing=$(printf '%s\n' "$missing" | grep -vE "$KNOWN_MISSING" | grep .)
	check_eq "every other test that passes on stock LIO 6.1 (exercising it) passes" "" "$missing"
	
fi

# ---------------------------------------------------------------- (d) teardown
guest_log "(d) teardown"
targetcli_batch "targetcli: delete the target and the backstore" <<EOT
/iscsi delete $IQN
/backstores/fileio delete f0
EOT
check "the target is gone" test ! -e $T/iscsi/$IQN
check "nothing listens on 3260 any more" sh -c "! ss -Htln 'sport = :3260' | grep -q ."
unload_target_modules
rm -f $IMG

finish
