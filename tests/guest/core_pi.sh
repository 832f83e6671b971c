#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run-args: --timeout 1800
#
# T10-PI (DIF types 1, 2 and 3) on fileio and ramdisk:
#  (a) configfs rules: pi_prot_type before enable (ENODEV), 4 (EINVAL), on an
#      exported device (EINVAL); 1 makes fileio's "<file>.protection" side file, formatted
#      (all 0xff); pi_prot_format=1; pi_prot_verify follows the type;
#  (b) through tcm_loop with sg3_utils: INQUIRY Protect, VPD 0x86 SPT/GRD_CHK/REF_CHK,
#      READ CAPACITY(16) prot_en/p_type; WRITE with WRPROTECT=0 then READ with RDPROTECT=1
#      returning the generated tuple (CRC-16 T10-DIF guard, ref tag = LBA); WRITE with
#      WRPROTECT=1: a good tuple stored, a bad guard / bad ref tag refused with ABORTED
#      COMMAND 10/01 / 10/03 (type 3: the ref tag not checked); a type-2 LU through
#      WRITE(32)/READ(32) (reference tags from the CDB's EILBRT, RDPROTECT on READ(10) refused);
#  (c) how Linux's sd sees a type-1 LU (dmesg), ext4 and fio verify on it, then VERIFY(16)
#      with VRPROTECT=1 over what they wrote (every tuple matches its block);
#  (d) the LUs over iSCSI to libiscsi: iscsi-test-cu's protection tests pass on each LU;
#  (e) targetcli saveconfig / restoreconfig keeps pi_prot_type, and fileio's tuples survive;
#  (f) dmesg clean, teardown.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef0a1
IQN=iqn.2003-01.org.linux-iscsi.lio-cxx:pi
IMG=/tmp/pi_f1.img
W=/tmp/pi
mkdir -p $W

guest_configfs
guest_start_dbus
lio_mask_stock_if_ours
check "modprobe target_core_mod" modprobe target_core_mod
check "modprobe sd_mod sg" guest_modprobe_initiators
MARK0=$(dmesg | wc -l)

# crc16 t10-dif / tuple helpers (python: the guest has it for cfs_tree.py)
py() { python3 - "$@"; }
cat >$W/pi.py <<'EOF'
import sys
def crc(data):
    c = 0
    for b in data:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x8bb7) & 0xffff if c & 0x8000 else (c << 1) & 0xffff
    return c
def block(seed):
    return bytes((seed * 3 + i) & 0xff for i in range(512))
cmd = sys.argv[1]
if cmd == "block":  # block SEED FILE
    open(sys.argv[3], "wb").write(block(int(sys.argv[2])))
elif cmd == "unit":  # unit SEED REF GUARD_XOR FILE: block + tuple (app 0)
    b = block(int(sys.argv[2]))
    g = crc(b) ^ int(sys.argv[4])
    open(sys.argv[5], "wb").write(b + g.to_bytes(2, "big") + b"\0\0" + int(sys.argv[3]).to_bytes(4, "big"))
elif cmd == "tuple":  # tuple FILE: prints "ok|bad guard app ref" of a block + tuple
    d = open(sys.argv[2], "rb").read()
    b, t = d[:512], d[512:520]
    g = int.from_bytes(t[0:2], "big")
    print("%s %04x %04x %08x" % ("ok" if g == crc(b) else "bad", g,
          int.from_bytes(t[2:4], "big"), int.from_bytes(t[4:8], "big")))
elif cmd == "allff":  # allff FILE
    d = open(sys.argv[2], "rb").read()
    print("yes" if d and d.count(b"\xff") == len(d) else "no %d" % len(d))
EOF
pi() { python3 $W/pi.py "$@"; }

# ---------------------------------------------------------------- (a) configfs
guest_log "(a) configfs rules"
rm -f $IMG $IMG.protection
targetcli_batch "targetcli: fileio f1 64M, ramdisks r1 and r3 32M" <<EOT
/backstores/fileio create f1 $IMG 64M write_back=false
/backstores/ramdisk create r1 32M
/backstores/ramdisk create r3 32M
/backstores/ramdisk create r2 32M
EOT
R2=$(ls -d $T/core/rd_mcp_*/r2 | head -1)
F1=$(ls -d $T/core/fileio_*/f1 | head -1)
R1=$(ls -d $T/core/rd_mcp_*/r1 | head -1)
R3=$(ls -d $T/core/rd_mcp_*/r3 | head -1)
check "devices exist" test -d "$F1" -a -d "$R1" -a -d "$R3"
H=${R1%/r1}
mkdir $H/unenabled
check_refused "pi_prot_type=1 before enable" ENODEV $H/unenabled/attrib/pi_prot_type 1
rmdir $H/unenabled
check_refused "pi_prot_type=4" EINVAL $F1/attrib/pi_prot_type 4
check_refused "pi_prot_format=1 with pi_prot_type 0" ENODEV $F1/attrib/pi_prot_format 1
check_eq "fileio pi_prot_type=1" OK "$(cfs_write $F1/attrib/pi_prot_type 1)"
check_eq "fileio pi_prot_type reads 1" 1 "$(cat $F1/attrib/pi_prot_type)"
check_eq "fileio pi_prot_verify follows (1)" 1 "$(cat $F1/attrib/pi_prot_verify)"
check_eq "side file $IMG.protection: 8 bytes per block" $((64 * 1024 * 1024 / 512 * 8)) "$(stat -c %s $IMG.protection 2>/dev/null)"
check_eq "side file formatted (all 0xff)" yes "$(pi allff $IMG.protection)"
check_eq "pi_prot_format=1" OK "$(cfs_write $F1/attrib/pi_prot_format 1)"
check_eq "pi_prot_format reads 0" 0 "$(cat $F1/attrib/pi_prot_format)"
targetcli_batch "targetcli: set attribute pi_prot_type on the ramdisks" <<EOT
/backstores/ramdisk/r1 set attribute pi_prot_type=1
/backstores/ramdisk/r3 set attribute pi_prot_type=3
/backstores/ramdisk/r2 set attribute pi_prot_type=2
EOT
check_eq "r1/r3/r2 pi_prot_type" "1 3 2" "$(cat $R1/attrib/pi_prot_type) $(cat $R3/attrib/pi_prot_type) $(cat $R2/attrib/pi_prot_type)"

# ---------------------------------------------------------------- (b) tcm_loop, sg3_utils
guest_log "(b) tcm_loop LUNs, sg3_utils"
targetcli_batch "targetcli: loopback with f1, r1, r3" <<EOT
/loopback create $WWN
/loopback/$WWN/luns create /backstores/fileio/f1
/loopback/$WWN/luns create /backstores/ramdisk/r1
/loopback/$WWN/luns create /backstores/ramdisk/r3
/loopback/$WWN/luns create /backstores/ramdisk/r2
EOT
check_refused "pi_prot_type while exported" EINVAL $F1/attrib/pi_prot_type 0
LH=$(loop_host)
sleep 1
for l in 0 1 2 3; do
	SG[$l]=$(devnode "$(sg_of $LH:0:1:$l)" c)
	SD[$l]=$(devnode "$(sd_of $LH:0:1:$l)" b)
	clear_ua ${SG[$l]} >/dev/null
done
echo "    sg: ${SG[*]}  sd: ${SD[*]}"
check "three sg nodes" test -c "${SG[0]}" -a -c "${SG[1]}" -a -c "${SG[2]}"
for l in 0 1 2; do
	type=$([ $l = 2 ] && echo 3 || echo 1)
	sg=${SG[$l]}
	check_match "lun $l: INQUIRY Protect=1" "Protect=1" "$(sg_inq $sg 2>&1)"
	chk=$([ $type = 1 ] && echo "GRD_CHK=1.*APP_CHK=0.*REF_CHK=1" || echo "GRD_CHK=1.*APP_CHK=0.*REF_CHK=0")
	check_match "lun $l: VPD 0x86 SPT=7 $chk" "SPT=7.*$chk" "$(sg_vpd -p ei $sg 2>&1 | tr '\n' ' ')"
	check_match "lun $l: READ CAPACITY(16) prot_en=1, p_type=$((type - 1))" "prot_en=1, p_type=$((type - 1))" "$(sg_readcap -l $sg 2>&1)"
	# WRPROTECT=0 at LBA 100, read back with RDPROTECT=1: the generated tuple.
	pi block 7 $W/blk
	check "lun $l: WRITE(10) WRPROTECT=0" sg_raw -s 512 -i $W/blk $sg 2a 00 00 00 00 64 00 00 01 00
	rm -f $W/out
	check "lun $l: READ(10) RDPROTECT=1 (520 bytes)" sg_raw -r 520 -o $W/out $sg 28 20 00 00 00 64 00 00 01 00
	ref=$([ $type = 1 ] && echo 00000064 || echo ffffffff)
	check_match "lun $l: the generated tuple (guard ok, app 0, ref $ref)" "^ok [0-9a-f]{4} 0000 $ref$" "$(pi tuple $W/out)"
	# WRPROTECT=1: a good tuple (app 0) at LBA 200; bad guard; bad ref tag.
	pi unit 9 200 0 $W/good
	check "lun $l: WRITE(10) WRPROTECT=1, good tuple" sg_raw -s 520 -i $W/good $sg 2a 20 00 00 00 c8 00 00 01 00
	rm -f $W/out
	sg_raw -r 520 -o $W/out $sg 28 20 00 00 00 c8 00 00 01 00 >/dev/null 2>&1
	check_eq "lun $l: the tuple stored as sent" "$(cat $W/good | od -An -tx1 | tail -1)" "$(od -An -tx1 $W/out | tail -1)"
	pi unit 9 201 1 $W/badg
	o=$(sg_raw -s 520 -i $W/badg $sg 2a 20 00 00 00 c9 00 00 01 00 2>&1)
	check_match "lun $l: bad guard: ABORTED COMMAND, guard check failed" "[Gg]uard check failed" "$o"
	pi unit 9 5 0 $W/badr
	o=$(sg_raw -s 520 -i $W/badr $sg 2a 20 00 00 00 ca 00 00 01 00 2>&1)
	rc=$?
	if [ $type = 1 ]; then
		check_match "lun $l: bad ref tag: ABORTED COMMAND, reference tag check failed" "[Rr]eference tag check failed" "$o"
	else
		check_eq "lun $l: type 3: the ref tag is not checked (sg_raw exit 0)" 0 $rc
	fi
	o=$(sg_raw -r 520 $sg 28 e0 00 00 00 64 00 00 01 00 2>&1)
	check_match "lun $l: RDPROTECT=7 is INVALID FIELD IN CDB" "Invalid field in cdb" "$o"
done

# Type 2 (lun 3): the 32-byte CDBs. cdb32 SA B10 LBA EILBRT: the hex bytes of one.
cdb32() { printf '7f 00 00 00 00 00 00 18 00 %02x %02x 00 %s %s 00 00 00 00 00 00 00 01' $1 $2 \
	"$(printf '%016x' $3 | sed 's/../& /g')" "$(printf '%08x' $4 | sed 's/../& /g')"; }
sg=${SG[3]}
check_match "lun 3: READ CAPACITY(16) prot_en=1, p_type=1 (type 2)" "prot_en=1, p_type=1" "$(sg_readcap -l $sg 2>&1)"
check_match "lun 3: VPD 0x86 GRD_CHK=1 APP_CHK=1 REF_CHK=1" "SPT=7.*GRD_CHK=1.*APP_CHK=1.*REF_CHK=1" "$(sg_vpd -p ei $sg 2>&1 | tr '\n' ' ')"
pi unit 9 5000 0 $W/good2
check "lun 3: WRITE(32) WRPROTECT=1, ref tag = EILBRT 5000" sg_raw -s 520 -i $W/good2 $sg $(cdb32 0x0b 0x20 300 5000)
rm -f $W/out
check "lun 3: READ(32) RDPROTECT=1 with EILBRT 5000" sg_raw -r 520 -o $W/out $sg $(cdb32 0x09 0x20 300 5000)
check_eq "lun 3: the tuple as written" "$(od -An -tx1 $W/good2 | tail -1)" "$(od -An -tx1 $W/out 2>/dev/null | tail -1)"
o=$(sg_raw -r 520 $sg $(cdb32 0x09 0x20 300 300) 2>&1)
check_match "lun 3: READ(32) with another EILBRT: reference tag check failed" "[Rr]eference tag check failed" "$o"
o=$(sg_raw -r 520 $sg 28 20 00 00 01 2c 00 00 01 00 2>&1)
check_match "lun 3: READ(10) RDPROTECT=1 on type 2: INVALID FIELD IN CDB" "Invalid field in cdb" "$o"
o=$(sg_raw -r 520 ${SG[0]} $(cdb32 0x09 0x20 300 5000) 2>&1)
check_match "lun 0 (type 1): READ(32) is an invalid opcode" "Invalid command operation code" "$o"

# ---------------------------------------------------------------- (c) sd, ext4, fio
guest_log "(c) Linux sd on a type-1 LU, ext4, fio verify"
new_dif=$(dmesg | tail -n +$((MARK0 + 1)) | grep -E "$(basename ${SD[0]})\].*(DIF|protection)" | head -3)
printf '%s\n' "$new_dif" | sed 's/^/    dmesg: /'
check_match "sd reports the LU's DIF type 1" "Type 1" "$new_dif"
check "mkfs.ext4 on lun 0 (fileio, type 1)" mkfs.ext4 -q -F ${SD[0]}
mkdir -p /mnt/pi
check "mount" mount ${SD[0]} /mnt/pi
check "write 8 MiB through ext4" dd if=/dev/urandom of=/mnt/pi/f bs=1M count=8 conv=fsync status=none
sum1=$(md5sum </mnt/pi/f)
check "umount" umount /mnt/pi
check "fsck.ext4 -fn clean" fsck.ext4 -fn ${SD[0]}
check "mount again" mount ${SD[0]} /mnt/pi
check_eq "the file reads back" "$sum1" "$(md5sum </mnt/pi/f)"
umount /mnt/pi
# Every tuple of what ext4 wrote matches its block: VERIFY(16), VRPROTECT=1, first 64 Ki blocks.
check "VERIFY(16) VRPROTECT=1 over ext4's blocks: GOOD" sg_raw ${SG[0]} 8f 20 00 00 00 00 00 00 00 00 00 01 00 00 00 00
if command -v fio >/dev/null; then
	check "fio randwrite + verify on lun 1 (ramdisk, type 1)" fio --name=v --filename=${SD[1]} --rw=randwrite --bs=4k --size=16M --direct=1 --verify=crc32c --do_verify=1 --ioengine=psync --output=$W/fio.out
	tail -3 $W/fio.out | sed 's/^/    /'
	check "VERIFY(16) VRPROTECT=1 over fio's 16 MiB: GOOD" sg_raw ${SG[1]} 8f 20 00 00 00 00 00 00 00 00 00 00 80 00 00 00
else
	skip "fio is not installed"
fi

# ---------------------------------------------------------------- (d) iSCSI + libiscsi
guest_log "(d) iSCSI, iscsi-test-cu protection tests"
targetcli_batch "targetcli: iSCSI target with f1, r1, r3" <<EOT
/iscsi create $IQN
/iscsi/$IQN/tpg1/luns create /backstores/fileio/f1
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/r1
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/r3
/iscsi/$IQN/tpg1/luns create /backstores/ramdisk/r2
/iscsi/$IQN/tpg1 set attribute generate_node_acls=1 cache_dynamic_acls=1 demo_mode_write_protect=0 authentication=0
EOT
for i in $(seq 1 50); do ss -Htln 'sport = :3260' | grep -q . && break; sleep 0.1; done
# (not WriteAtomic16: WRITE ATOMIC(16) is not implemented, its test skips before any PI)
TESTS=$(iscsi-test-cu --list 2>/dev/null | grep '^SCSI\.' | grep -E 'Protect' | grep -v WriteAtomic16)
echo "    $(echo $TESTS | wc -w) tests: $(echo $TESTS)"
check "iscsi-test-cu lists protection tests" test -n "$TESTS"
for lun in 0 1 2 3; do
	URL=iscsi://127.0.0.1/$IQN/$lun
	np=0 nf=0 ns=0
	for t in $TESTS; do
		timeout 120 iscsi-test-cu -d -t $t $URL >$W/cu.txt 2>&1
		cat $W/cu.txt >>$W/cu-all.txt
		# PASSED FAILED NOT_IMPLEMENTED SKIPPED EXERCISED FLAKY_PASSED of the one instance
		# (a suite's clean-up lines after "passed" do not count)
		read -r c_pass c_fail c_ni c_skip c_ex c_fl < <(python3 "$LIO_SRC/tests/guest/iscsi_test_cu_summary.py" $W/cu.txt)
		if [ "${c_skip:-1}" != 0 ]; then
			ns=$((ns + 1)); echo "    skipped: lun $lun $t"
		elif [ "${c_pass:-0}" != 1 ] || [ "${c_fail:-1}" != 0 ]; then
			nf=$((nf + 1)); echo "    failed: lun $lun $t"; grep -E 'FAILED|Expected|tests ' $W/cu.txt | head -5 | sed 's/^/      /'
		else
			np=$((np + 1))
		fi
	done
	check_eq "lun $lun: iscsi-test-cu protection tests passed / failed / skipped" "$(echo $TESTS | wc -w) 0 0" "$np $nf $ns"
done
check_match "libiscsi saw the LUs as protected (its PI branch ran)" "support protection information" "$(cat $W/cu-all.txt)"

# ---------------------------------------------------------------- (e) saveconfig / restore
guest_log "(e) saveconfig / restoreconfig"
# Block 200 of the fileio LU as it is now, with its tuple (mkfs and the libiscsi runs above
# have rewritten it since (b)): the same 520 bytes must come back after clear and restore.
LH=$(loop_host)
sg0=$(devnode "$(sg_of $LH:0:1:0)" c)
clear_ua $sg0 >/dev/null
rm -f $W/before
check "fileio: READ(10) RDPROTECT=1 of block 200 before saveconfig" sg_raw -r 520 -o $W/before $sg0 28 20 00 00 00 c8 00 00 01 00
targetcli_batch "targetcli saveconfig" <<EOT
saveconfig $W/saved.json
EOT
check_match "saved.json has pi_prot_type 3" '"pi_prot_type": 3' "$(cat $W/saved.json)"
targetcli_batch "targetcli clearconfig" <<EOT
clearconfig confirm=True
EOT
check "f1 gone" test ! -d "$F1"
targetcli_batch "targetcli restoreconfig" <<EOT
restoreconfig $W/saved.json
EOT
F1=$(ls -d $T/core/fileio_*/f1 | head -1)
R3=$(ls -d $T/core/rd_mcp_*/r3 | head -1)
check_eq "restored f1 pi_prot_type" 1 "$(cat $F1/attrib/pi_prot_type 2>/dev/null)"
check_eq "restored r3 pi_prot_type" 3 "$(cat $R3/attrib/pi_prot_type 2>/dev/null)"
R2=$(ls -d $T/core/rd_mcp_*/r2 | head -1)
check_eq "restored r2 pi_prot_type" 2 "$(cat $R2/attrib/pi_prot_type 2>/dev/null)"
LH=$(loop_host)
sleep 1
sg0=$(devnode "$(sg_of $LH:0:1:0)" c)
clear_ua $sg0 >/dev/null
rm -f $W/out
sg_raw -r 520 -o $W/out $sg0 28 20 00 00 00 c8 00 00 01 00 >/dev/null 2>&1
check_eq "fileio: block 200 and its tuple are as before the save" "$(od -An -tx1 $W/before | md5sum)" "$(od -An -tx1 $W/out 2>/dev/null | md5sum)"
check_eq "fileio: the tuple after restore" "$(od -An -tx1 $W/before | tail -1)" "$(od -An -tx1 $W/out 2>/dev/null | tail -1)"

# ---------------------------------------------------------------- (f) dmesg, teardown
guest_log "(f) dmesg, teardown"
targetcli_batch "targetcli clearconfig" <<EOT
clearconfig confirm=True
EOT
trouble=$(dmesg | tail -n +$((MARK0 + 1)) | grep -E 'Oops|BUG:|WARNING:|Call Trace|blocked for more than|lio-cxx: leak')
check_eq "dmesg: no oops, warning or leak" "" "$trouble"
# unload_target_modules makes its own checks (a check inside check would hide them).
rmdir $T/loopback 2>/dev/null # clearconfig leaves the fabric directory, which holds tcm_loop
check "rmmod tcm_loop" rmmod tcm_loop
unload_target_modules
rm -f $IMG $IMG.protection
finish
