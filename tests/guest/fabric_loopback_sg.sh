#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The SCSI answers of a loopback target, checked with sg3_utils through /dev/sgN: targetcli
# (one call, commands on stdin) builds naa.5001405abcdef012 with a 64 MiB ramdisk (thin
# provisioning: emulate_tpu, emulate_tpws, unmap_zeroes_data, set before its LUN) as LUN 0 and
# a write-back fileio file as LUN 1. Then: standard INQUIRY and the VPD pages (0x00, 0x80,
# 0xb0, 0xb1, 0xb2) against the devices' configfs attributes, READ CAPACITY(16), the caching
# and control mode pages, REPORT SUPPORTED OPERATION CODES, REPORT LUNS, UNMAP + GET LBA
# STATUS, WRITE SAME (pattern, zeroes, UNMAP), COMPARE AND WRITE (match, miscompare, several
# blocks), VERIFY (BYTCHK 0 and 1), SYNCHRONIZE CACHE, WRITE AND VERIFY, and malformed CDBs
# through sg_raw. Each answer is checked, not just the exit status.
#
# Runs against the stock LIO modules too (vm-run without --modules): what differs there is
# LIO's own choices (no UNMAP/WRITE SAME on rd_mcp, a single-block COMPARE AND WRITE, no GET
# LBA STATUS, no reserved-bit checks).
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef012
IMG=/tmp/lb_sg_disk1.img
W=/tmp/lb_sg
mkdir -p $W

guest_configfs
guest_start_dbus
OURS=0
case "$(modinfo -n target_core_mod 2>/dev/null)" in */updates/*) OURS=1 ;; esac
[ $OURS = 1 ] && mask_stock_target_modules
guest_log "modules: $([ $OURS = 1 ] && echo lio-cxx || echo stock)"

# Guest processes are slow to start under TCG: the helpers below fork nothing.
# rawr CMD...: the response of an sg3_utils command run with --raw, into the array R
# (decimal bytes); be OFF WIDTH: a big-endian field of R, into V (and printed by bev).
rawr() { R=($("$@" 2>/dev/null | od -An -tu1 -v)); }
be() { local i; V=0; for ((i = $1; i < $1 + $2; i++)); do V=$((V * 256 + ${R[$i]:-0})); done; }
bev() { be "$@"; echo $V; } # (in a $(...) only where a subshell does not matter)
# attrs DIR: the device's attrib/ files into the associative array A.
declare -A A
attrs() { local f; A=(); for f in $1/attrib/*; do read -r A[${f##*/}] <$f || true; done; }
# sense_of CMD...: run an sg3_utils command verbosely; S="rc=N key=... asc=..." from its
# decoded sense (exit codes: 5 illegal request, 9 invalid opcode, 14 miscompare, 22 LBA out
# of range), the whole output in $W/sense.out.
sense_of() {
	"$@" -v >$W/sense.out 2>&1
	local rc=$? key="" asc="" line
	while IFS= read -r line; do
		case $line in
			*"Sense key: "*) [ -n "$key" ] || { key=${line#*Sense key: }; key=${key%% }; } ;;
			*"Additional sense: "*) [ -n "$asc" ] || { asc=${line#*Additional sense: }; asc=${asc%% }; } ;;
		esac
	done <$W/sense.out
	S="rc=$rc key=$key asc=$asc"
}

rm -f $IMG
check "modprobe target_core_mod" modprobe target_core_mod
check "modprobe sd_mod sg" guest_modprobe_initiators

# --- one targetcli call: ramdisk with thin provisioning (before its LUN), fileio ---
# (auto_save_on_exit off: saving walks every fabric, and the stock ones are masked)
out=$(targetcli 2>&1 <<EOF
set global auto_save_on_exit=false
/backstores/ramdisk create rd0 64M
/backstores/ramdisk/rd0 set attribute max_unmap_lba_count=8192 max_unmap_block_desc_count=16 unmap_granularity=1
/backstores/ramdisk/rd0 set attribute max_write_same_len=65535
/backstores/ramdisk/rd0 set attribute emulate_tpu=1 emulate_tpws=1
/backstores/ramdisk/rd0 set attribute unmap_zeroes_data=1
/backstores/fileio create disk1 $IMG 16M
/loopback create $WWN
/loopback/$WWN/luns create /backstores/ramdisk/rd0
/loopback/$WWN/luns create /backstores/fileio/disk1
ls /loopback
EOF
)
printf '%s\n' "$out" | sed 's/^/    /'
check_match "targetcli: 2 LUNs" "o- luns \.+ \[LUNs: 2\]" "$out"
check_eq "targetcli: no error" "" "$(printf '%s\n' "$out" | grep -iE 'error|not supported|failed|traceback' | head -3)"

RD=$(ls -d $T/core/rd_mcp_*/rd0 | head -1)
FD=$(ls -d $T/core/fileio_*/disk1 | head -1)
attrs $RD
check_eq "rd0: emulate_tpu emulate_tpws unmap_zeroes_data" "1 1 1" "${A[emulate_tpu]} ${A[emulate_tpws]} ${A[unmap_zeroes_data]}"
H=$(loop_host)
check "a tcm_loopback host" test -n "$H"
SG0=$(devnode "$(sg_of $H:0:1:0)" c)
SG1=$(devnode "$(sg_of $H:0:1:1)" c)
SD0=$(devnode "$(sd_of $H:0:1:0)" b)
SD1=$(devnode "$(sd_of $H:0:1:1)" b)
echo "    lun 0: $SG0 $SD0   lun 1: $SG1 $SD1"
check "lun 0 has sg and sd nodes" test -c "$SG0" -a -b "$SD0"
check "lun 1 has sg and sd nodes" test -c "$SG1" -a -b "$SD1"

# sg3_utils do not retry unit attentions: clear them.
check "lun 0: TEST UNIT READY (after the UAs)" clear_ua $SG0
check "lun 1: TEST UNIT READY (after the UAs)" clear_ua $SG1

NB0=131072 # 64 MiB of 512-byte blocks
NB1=32768  # 16 MiB
bit() { echo $((($1 >> $2) & 1)); }

# ---------------------------------------------------------------- INQUIRY and VPD
guest_log "INQUIRY, VPD, READ CAPACITY, MODE SENSE"
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 D=$RD nb=$NB0; else sg=$SG1 D=$FD nb=$NB1; fi
	attrs $D
	l="lun $lun"
	read -r product <$D/wwn/product_id
	o=$(sg_inq $sg 2>&1)
	check_match "$l: INQUIRY vendor LIO-ORG" "Vendor identification: LIO-ORG" "$o"
	check_match "$l: INQUIRY product = wwn/product_id" "Product identification: $product *\$" "$o"
	check_match "$l: INQUIRY revision 4.0" "Product revision level: 4.0" "$o"
	check_match "$l: INQUIRY PQual 0, PDT 0 (disk)" "PQual=0 +PDT=0 " "$o"
	check_match "$l: INQUIRY version SPC-4" "version=0x06 +\[SPC-4\]" "$o"
	check_match "$l: INQUIRY response data format 2" "Resp_data_format=2" "$o"
	check_match "$l: INQUIRY CmdQue=1" "CmdQue=1" "$o"
	# TPGS and 3PC only when their commands exist (REPORT TARGET PORT GROUPS, EXTENDED COPY).
	rawr sg_inq -r -l 96 $sg
	b5=${R[5]}
	# (probed by sending them: REPORT TARGET PORT GROUPS, and EXTENDED COPY with an empty
	# parameter list, which does nothing)
	# (an unsupported service action of MAINTENANCE IN is INVALID FIELD IN CDB, SPC-4 4.3.4)
	if ! sg_raw -r 4096 $sg a3 0a 00 00 00 00 00 00 10 00 00 00 2>&1 | grep -q 'SCSI Status: Good'; then
		check_eq "$l: INQUIRY TPGS=0 (REPORT TARGET PORT GROUPS is refused)" 0 $(((b5 >> 4) & 3))
	else
		check_eq "$l: INQUIRY TPGS=3 (REPORT TARGET PORT GROUPS answers)" 3 $(((b5 >> 4) & 3))
	fi
	if sg_raw $sg 83 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2>&1 | grep -q 'Invalid command operation code'; then
		check_eq "$l: INQUIRY 3PC=0 (EXTENDED COPY is an invalid opcode)" 0 $(bit $b5 3)
	else
		check_eq "$l: INQUIRY 3PC=1 (EXTENDED COPY answers)" 1 $(bit $b5 3)
	fi
	check_eq "$l: INQUIRY additional length 91" 91 "${R[4]}"
	be 58 16
	vd=$(for ((i = 58; i < 74; i += 2)); do printf '%02x%02x ' ${R[$i]} ${R[$((i + 1))]}; done)
	check_match "$l: INQUIRY version descriptors claim SPC-4 (0460) and SBC-3 (04c0)" "0460 .*04c0 " "$vd"

	rawr sg_vpd -p 0 -r $sg
	check_eq "$l: VPD 0x00 lists 00 80 83 86 b0 b1 b2" "0 128 131 134 176 177 178" "${R[*]:4}"

	serial=$(sed -n 's/^T10 VPD Unit Serial Number: //p' $D/wwn/vpd_unit_serial)
	o=$(sg_vpd -p 0x80 $sg 2>&1)
	check_match "$l: VPD 0x80 serial = wwn/vpd_unit_serial" "Unit serial number: $serial\$" "$o"

	o=$(sg_vpd -p 0xb0 $sg 2>&1)
	rawr sg_vpd -p 0xb0 -r $sg
	check_eq "$l: VPD 0xb0 page length 0x3c" 60 "$(bev 2 2)"
	check_eq "$l: VPD 0xb0 WSNZ=1" 1 "$(bit ${R[4]} 0)"
	check_eq "$l: VPD 0xb0 max transfer length = hw_max_sectors" "${A[hw_max_sectors]}" "$(bev 8 4)"
	check_eq "$l: VPD 0xb0 optimal transfer length = optimal_sectors" "${A[optimal_sectors]}" "$(bev 12 4)"
	check_match "$l: VPD 0xb0 decoded max transfer length" "Maximum transfer length: ${A[hw_max_sectors]} blocks" "$o"
	if [ "${A[emulate_tpu]}${A[emulate_tpws]}" != 00 ]; then
		check_eq "$l: VPD 0xb0 unmap: max LBA count, max descriptors, granularity = attributes" \
			"${A[max_unmap_lba_count]} ${A[max_unmap_block_desc_count]} ${A[unmap_granularity]}" \
			"$(bev 20 4) $(bev 24 4) $(bev 28 4)"
		check_match "$l: VPD 0xb0 decoded max unmap LBA count" "Maximum unmap LBA count: ${A[max_unmap_lba_count]}\$" "$o"
	else
		check_eq "$l: VPD 0xb0 no unmap limits without thin provisioning" "0 0" "$(bev 20 4) $(bev 24 4)"
	fi
	check_eq "$l: VPD 0xb0 max write same length = max_write_same_len" "${A[max_write_same_len]}" "$(bev 36 8)"
	# Ours: up to 128 blocks (bounded by the maximum transfer length); LIO: 1.
	caw_max=1
	[ $OURS = 1 ] && caw_max=$((A[hw_max_sectors] < 128 ? A[hw_max_sectors] : 128))
	[ "${A[emulate_caw]}" = 1 ] || caw_max=0
	check_eq "$l: VPD 0xb0 max compare and write length" $caw_max "${R[5]}"

	o=$(sg_vpd -p 0xb1 $sg 2>&1)
	rawr sg_vpd -p 0xb1 -r $sg
	check_eq "$l: VPD 0xb1 medium rotation rate = is_nonrot (1: non-rotating)" "${A[is_nonrot]}" "$(bev 4 2)"
	[ "${A[is_nonrot]}" = 1 ] && check_match "$l: VPD 0xb1 decoded: non-rotating" "Non-rotating medium" "$o"

	o=$(sg_vpd -p 0xb2 $sg 2>&1)
	rawr sg_vpd -p 0xb2 -r $sg
	b5=${R[5]} tpu=${A[emulate_tpu]} tpws=${A[emulate_tpws]} rz=${A[unmap_zeroes_data]}
	check_eq "$l: VPD 0xb2 LBPU = emulate_tpu" "$tpu" $(bit $b5 7)
	check_eq "$l: VPD 0xb2 LBPWS LBPWS10 = emulate_tpws" "$tpws $tpws" "$(bit $b5 6) $(bit $b5 5)"
	check_eq "$l: VPD 0xb2 LBPRZ = unmap_zeroes_data" "$rz" $(((b5 >> 2) & 7))
	check_match "$l: VPD 0xb2 decoded LBPU" "Unmap command supported \(LBPU\): $tpu" "$o"
	if [ "$tpu$tpws" != 00 ]; then
		check_match "$l: VPD 0xb2 provisioning type: thin" "Provisioning type: 2" "$o"
	fi

	o=$(sg_readcap -l $sg 2>&1)
	check_match "$l: READ CAPACITY(16) blocks" "Number of logical blocks=$nb\b" "$o"
	check_match "$l: READ CAPACITY(16) block size 512" "Logical block length=512 bytes" "$o"
	lbpme=$([ "$tpu$tpws" != 00 ] && echo 1 || echo 0)
	check_match "$l: READ CAPACITY(16) lbpme=$lbpme lbprz=$rz" "lbpme=$lbpme, lbprz=$rz" "$o"
	o=$(sg_readcap $sg 2>&1)
	check_match "$l: READ CAPACITY(10) last LBA" "Last LBA=$((nb - 1)) " "$o"

	# MODE SENSE: caching page WCE = emulate_write_cache; control page; header DPOFUA.
	wce=${A[emulate_write_cache]}
	rawr sg_modes -r -d -p 8 $sg
	p=$((8 + $(bev 6 2)))
	check_eq "$l: MODE SENSE(10) caching page code, length" "8 18" "$((R[p] & 0x3f)) ${R[$((p + 1))]}"
	check_eq "$l: MODE SENSE(10) caching WCE = emulate_write_cache" "$wce" "$(bit ${R[$((p + 2))]} 2)"
	rawr sg_modes -r -6 -d -p 8 $sg
	check_eq "$l: MODE SENSE(6) caching WCE = emulate_write_cache" "$wce" "$(bit ${R[6]} 2)"
	rawr sg_modes -r -d -c 1 -p 8 $sg
	check_eq "$l: MODE SENSE changeable caching page: WCE not changeable" 0 "$(bit ${R[$((8 + $(bev 6 2) + 2))]} 2)"
	rawr sg_modes -r -d -p 0x0a $sg
	p=$((8 + $(bev 6 2)))
	check_eq "$l: MODE SENSE control page code, length" "10 10" "$((R[p] & 0x3f)) ${R[$((p + 1))]}"
	check_eq "$l: MODE SENSE control TAS = emulate_tas, D_SENSE 0" "${A[emulate_tas]} 0" \
		"$(bit ${R[$((p + 5))]} 6) $(bit ${R[$((p + 2))]} 2)"
	o=$(sg_modes -p 0x3f $sg 2>&1)
	check_match "$l: MODE SENSE all pages: caching and control" "Caching.*Control" "$(echo $o)"
	check_match "$l: MODE SENSE header DpoFua = emulate_fua_write, WP=0" "WP=0, DpoFua=${A[emulate_fua_write]}" "$o"
	sdn=$([ $lun = 0 ] && echo $SD0 || echo $SD1)
	check_match "$l: sd saw the write cache as WCE says" "Write cache: $([ "$wce" = 1 ] && echo enabled || echo disabled)" \
		"$(dmesg | grep "\[${sdn#/dev/}\] Write cache" | tail -1)"
done

# ---------------------------------------------------------------- RSOC, REPORT LUNS
guest_log "REPORT SUPPORTED OPERATION CODES, REPORT LUNS"
o=$(sg_opcodes $SG0 2>&1)
for c in "88 +16 +Read\(16\)" "8a +16 +Write\(16\)" "89 +16 +Compare and write" "42 +10 +Unmap" \
	"93 +16 +Write same\(16\)" "41 +10 +Write same\(10\)" "2f +10 +Verify\(10\)" "8f +16 +Verify\(16\)" \
	"2e +10 +Write and verify\(10\)" "35 +10 +Synchronize cache\(10\)" "9e +10 +16 +Read capacity\(16\)" \
	"9e +12 +16 +Get LBA status" "a0 +12 +Report luns" "12 +6 +Inquiry"; do
	check_match "RSOC lists ${c//[\\+]/}" "^ *${c% +*} .* ${c##* +}" "$o"
done
if sg_raw $SG0 83 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2>&1 | grep -q 'Invalid command operation code'; then
	check_eq "RSOC does not list EXTENDED COPY (an invalid opcode here)" "" "$(printf '%s\n' "$o" | grep -E '^ *83 ')"
fi
o=$(sg_opcodes -o 0x89 $SG0 2>&1)
check_match "RSOC -o 0x89: supported (standard)" "Command is supported \[conforming to SCSI standard\]" "$o"
check_match "RSOC -o 0x89: CDB usage data" "89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 1f 00" "$o"
o=$(sg_opcodes -o 0x9e -s 0x10 $SG0 2>&1)
check_match "RSOC -o 0x9e -s 0x10: READ CAPACITY(16) supported" "Command is supported \[conforming" "$o"
o=$(sg_opcodes -o 0x07 $SG0 2>&1)
check_match "RSOC -o 0x07 (REASSIGN BLOCKS): not supported" "Command is NOT supported" "$o"
# Commands an attribute turns off are not reported for that LU (UNMAP without emulate_tpu).
o=$(sg_opcodes -o 0x42 $SG0 2>&1)
check_match "lun 0 (emulate_tpu=1): RSOC -o 0x42 UNMAP supported" "Command is supported" "$o"
o=$(sg_opcodes -o 0x42 $SG1 2>&1)
check_match "lun 1 (emulate_tpu=0): RSOC -o 0x42 UNMAP not supported" "Command is NOT supported" "$o"
check_eq "lun 1 (emulate_tpu=0): RSOC does not list UNMAP" "" "$(sg_opcodes $SG1 2>&1 | grep -E '^ *42 ')"

o=$(sg_luns $SG0 2>&1)
check_match "REPORT LUNS: 2 entries" "which imp.* 2 lun entr" "$o"
check_match "REPORT LUNS: LUN 0" "^ *0000000000000000" "$o"
check_match "REPORT LUNS: LUN 1" "^ *0001000000000000" "$o"

# ---------------------------------------------------------------- data helpers
# pat HEX N: N blocks of one byte value on stdout.
pat() { head -c $((512 * $2)) /dev/zero | tr '\0' "\\$(printf '%03o' 0x$1)"; }
# rd_md5 DEV LBA COUNT: md5 of blocks read through the block device (O_DIRECT).
rd_md5() { dd if=$1 bs=512 skip=$2 count=$3 iflag=direct status=none | md5; }
pat 00 1 >$W/zero; pat aa 1 >$W/aa; pat 55 1 >$W/55; pat c3 1 >$W/c3
dd if=/dev/urandom of=$W/rand8 bs=512 count=8 status=none
Z32=$(pat 00 32 | md5)

# ---------------------------------------------------------------- UNMAP, GET LBA STATUS (lun 0)
guest_log "UNMAP, GET LBA STATUS"
L0=4096
check "lun 0: write 64 random blocks at $L0" dd if=/dev/urandom of=$SD0 bs=512 seek=$L0 count=64 oflag=direct status=none
check_fails "lun 0: the data is not zeroes" test "$(rd_md5 $SD0 $L0 32)" = "$Z32"
check "lun 0: sg_unmap 32 blocks" sg_unmap --force --lba=$L0 --num=32 $SG0
check_eq "lun 0: unmapped blocks read back zeroes (LBPRZ=1)" "$Z32" "$(rd_md5 $SD0 $L0 32)"
check_fails "lun 0: the blocks after them are untouched" test "$(rd_md5 $SD0 $((L0 + 32)) 32)" = "$Z32"
o=$(sg_get_lba_status --lba=$L0 $SG0 2>&1)
echo "$o" | sed 's/^/    /'
if [ $OURS = 1 ]; then
	# Our ramdisk keeps its pages (UNMAP writes zeroes): every block is mapped, and GET LBA
	# STATUS says so, in one descriptor from the LBA asked to the end of the medium.
	rawr sg_get_lba_status --lba=$L0 -r $SG0
	check_eq "lun 0: GET LBA STATUS: one descriptor" 20 "$(bev 0 4)"
	check_eq "lun 0: GET LBA STATUS: LBA, blocks to the end, mapped (the ramdisk pages stay)" \
		"$L0 $((NB0 - L0)) 0" "$(bev 8 8) $(bev 16 4) $((R[20] & 0xf))"
	check_match "lun 0: GET LBA STATUS decoded" "LBA: 0x0*1000 +blocks: +$((NB0 - L0)) +mapped" "$o"
	sense_of sg_get_lba_status --lba=$NB0 $SG0
	check_match "lun 0: GET LBA STATUS past the end: LBA out of range" "rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
fi
sense_of sg_unmap --force --lba=$((NB0 - 1)) --num=2 $SG0
check_match "lun 0: UNMAP past the end: LBA out of range" "rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
sense_of sg_unmap --force --lba=0 --num=8193 $SG0
check_match "lun 0: UNMAP over max_unmap_lba_count: invalid field in parameter list" \
	"rc=5 key=Illegal Request asc=Invalid field in parameter list" "$S"
sense_of sg_unmap --force --lba=0 --num=8 $SG1
check_match "lun 1 (emulate_tpu=0): UNMAP refused as an unsupported opcode (as LIO)" \
	"rc=9 key=Illegal Request asc=Invalid command operation code" "$S"

# ---------------------------------------------------------------- WRITE SAME
guest_log "WRITE SAME"
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0 nb=$NB0; else sg=$SG1 sd=$SD1 nb=$NB1; fi
	l="lun $lun"
	L=8192
	check "$l: WRITE SAME(10) 0xaa x 16" sg_write_same --lba=$L --num=16 --in=$W/aa $sg
	check_eq "$l: WRITE SAME(10) pattern reads back, the next block untouched" \
		"$( (pat aa 16; pat 00 1) | md5)" "$(rd_md5 $sd $L 17)"
	check "$l: WRITE SAME(16) 0x55 x 8" sg_write_same --16 --lba=$((L + 4)) --num=8 --in=$W/55 $sg
	check_eq "$l: WRITE SAME(16) pattern reads back" "$( (pat aa 4; pat 55 8; pat aa 4) | md5)" "$(rd_md5 $sd $L 16)"
	check "$l: WRITE SAME(10) of a zero block" sg_write_same --lba=$L --num=4 --in=$W/zero $sg
	check_eq "$l: WRITE SAME zeroes read back" "$( (pat 00 4; pat 55 8; pat aa 4) | md5)" "$(rd_md5 $sd $L 16)"
	sense_of sg_write_same --lba=$L --num=0 --in=$W/aa $sg
	check_match "$l: WRITE SAME(10) of 0 blocks refused (WSNZ=1)" "rc=5 key=Illegal Request asc=Invalid field in cdb" "$S"
	sense_of sg_write_same --16 --lba=$((nb - 2)) --num=4 --in=$W/aa $sg
	check_match "$l: WRITE SAME past the end: LBA out of range" \
		"rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
done
check "lun 0: WRITE SAME(16) UNMAP" sg_write_same --16 --unmap --lba=8192 --num=16 --in=$W/zero $SG0
check_eq "lun 0: WRITE SAME UNMAP reads back zeroes" "$(pat 00 16 | md5)" "$(rd_md5 $SD0 8192 16)"
check "lun 0: WRITE SAME(16) 0xaa again" sg_write_same --16 --lba=8192 --num=4 --in=$W/aa $SG0
check "lun 0: WRITE SAME(10) UNMAP (LBPWS10)" sg_write_same --10 --unmap --lba=8192 --num=4 --in=$W/zero $SG0
check_eq "lun 0: WRITE SAME(10) UNMAP reads back zeroes" "$(pat 00 4 | md5)" "$(rd_md5 $SD0 8192 4)"
sense_of sg_write_same --16 --unmap --lba=8192 --num=16 --in=$W/zero $SG1
check_match "lun 1 (emulate_tpws=0): WRITE SAME with UNMAP refused" "rc=(5|9) key=Illegal Request asc=Invalid (field in cdb|command operation code)" "$S"

# ---------------------------------------------------------------- COMPARE AND WRITE
guest_log "COMPARE AND WRITE"
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0 nb=$NB0; else sg=$SG1 sd=$SD1 nb=$NB1; fi
	l="lun $lun"
	L=12288
	check "$l: seed 0xaa x 8 at $L" dd if=<(pat aa 8) of=$sd bs=4096 seek=$((L / 8)) count=1 oflag=direct status=none
	check "$l: COMPARE AND WRITE, 1 block, matching" \
		sg_compare_and_write --lba=$L --num=1 --in=$W/aa --inw=$W/55 $sg
	check_eq "$l: COMPARE AND WRITE wrote the block" "$(pat 55 1 | md5)" "$(rd_md5 $sd $L 1)"
	sense_of sg_compare_and_write --lba=$L --num=1 --in=$W/aa --inw=$W/c3 $sg
	check_match "$l: COMPARE AND WRITE mismatch: MISCOMPARE (0e/1d/00)" \
		"rc=14 key=Miscompare asc=Miscompare during verify operation" "$S"
	check_match "$l: MISCOMPARE information = byte offset 0" "Info fld=0x0 \[0\]" "$(cat $W/sense.out)"
	check_eq "$l: a miscompare does not write" "$(pat 55 1 | md5)" "$(rd_md5 $sd $L 1)"
	rawr sg_vpd -p 0xb0 -r $sg
	caw=${R[5]}
	if [ "$caw" -ge 2 ]; then
		# Two blocks, the second one differing at its byte 100: nothing is written, and
		# INFORMATION is 612, the offset in the compared data.
		pat aa 2 >$W/cmp2
		printf '\000' | dd of=$W/cmp2 bs=1 seek=612 conv=notrunc status=none
		pat c3 2 >$W/w2
		sense_of sg_compare_and_write --lba=$((L + 1)) --num=2 --in=$W/cmp2 --inw=$W/w2 $sg
		check_match "$l: COMPARE AND WRITE 2 blocks, second differs: MISCOMPARE" "rc=14 key=Miscompare" "$S"
		check_match "$l: MISCOMPARE information = 612" "Info fld=0x264 \[612\]" "$(cat $W/sense.out)"
		check_eq "$l: a multi-block miscompare writes nothing" "$(pat aa 2 | md5)" "$(rd_md5 $sd $((L + 1)) 2)"
		pat aa 2 >$W/cmp2
		check "$l: COMPARE AND WRITE 2 blocks, matching" \
			sg_compare_and_write --lba=$((L + 1)) --num=2 --in=$W/cmp2 --inw=$W/w2 $sg
		check_eq "$l: both blocks written, the neighbours kept" "$( (pat 55 1; pat c3 2; pat aa 1) | md5)" "$(rd_md5 $sd $L 4)"
		pat aa $((2 * (caw + 1))) >$W/big
		sense_of sg_compare_and_write --lba=$L --num=$((caw + 1)) --in=$W/big $sg
		check_match "$l: COMPARE AND WRITE over the VPD 0xb0 maximum ($caw): invalid field in cdb" \
			"rc=5 key=Illegal Request asc=Invalid field in cdb" "$S"
	else
		skip "$l: COMPARE AND WRITE of 2 blocks" "maximum compare and write length is $caw"
	fi
	sense_of sg_compare_and_write --lba=$nb --num=1 --in=$W/aa --inw=$W/55 $sg
	check_match "$l: COMPARE AND WRITE past the end: LBA out of range" \
		"rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
done

# ---------------------------------------------------------------- VERIFY, WRITE AND VERIFY, SYNC
guest_log "VERIFY, WRITE AND VERIFY, SYNCHRONIZE CACHE"
cp $W/rand8 $W/bad8
printf '\\%03o' $((($(od -An -tu1 -j 3000 -N 1 $W/rand8) + 1) % 256)) | xargs -0 printf |
	dd of=$W/bad8 bs=1 seek=3000 conv=notrunc status=none
check_fails "the changed data file differs" cmp -s $W/rand8 $W/bad8
R8=$(md5 <$W/rand8)
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0 nb=$NB0; else sg=$SG1 sd=$SD1 nb=$NB1; fi
	l="lun $lun"
	L=16384
	check "$l: write 8 random blocks at $L" dd if=$W/rand8 of=$sd bs=4096 seek=$((L / 8)) oflag=direct status=none
	check "$l: VERIFY(10) BYTCHK 0" sg_verify --lba=$L --count=8 $sg
	check "$l: VERIFY(16) BYTCHK 0" sg_verify --16 --lba=$L --count=8 $sg
	check "$l: VERIFY(10) BYTCHK 1, matching data" sg_verify --ndo=4096 --in=$W/rand8 --lba=$L --count=8 $sg
	check "$l: VERIFY(16) BYTCHK 1, matching data" sg_verify --16 --ndo=4096 --in=$W/rand8 --lba=$L --count=8 $sg
	sense_of sg_verify --ndo=4096 --in=$W/bad8 --lba=$L --count=8 $sg
	check_match "$l: VERIFY BYTCHK 1, byte 3000 changed: MISCOMPARE" \
		"rc=14 key=Miscompare asc=Miscompare during verify operation" "$S"
	check_match "$l: VERIFY MISCOMPARE information = 3000" "Info fld=0xbb8 \[3000\]" "$(cat $W/sense.out)"
	sense_of sg_verify --lba=$((nb - 4)) --count=8 $sg
	check_match "$l: VERIFY past the end: LBA out of range" "rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
	check "$l: SYNCHRONIZE CACHE(10)" sg_sync $sg
	check "$l: SYNCHRONIZE CACHE(16) of a range" sg_sync --16 --lba=$L --count=8 $sg
	sense_of sg_sync --lba=$nb --count=1 $sg
	check_match "$l: SYNCHRONIZE CACHE past the end: LBA out of range" "rc=22 key=Illegal Request asc=Logical block address out of range" "$S"
	check "$l: WRITE AND VERIFY(10)" sg_write_verify --lba=$((L + 16)) --num=8 --in=$W/rand8 $sg
	check "$l: WRITE AND VERIFY(16) BYTCHK 1" sg_write_verify --16 --bytchk=1 --lba=$((L + 24)) --num=8 --in=$W/rand8 $sg
	check_eq "$l: WRITE AND VERIFY data reads back" "$(cat $W/rand8 $W/rand8 | md5)" "$(rd_md5 $sd $((L + 16)) 16)"
done
check_eq "lun 1: sg_dd through /dev/sg reads what dd reads" "$R8" \
	"$(sg_dd if=$SG1 bs=512 skip=16384 count=8 of=- 2>/dev/null | md5)"

# ---------------------------------------------------------------- malformed CDBs (sg_raw)
guest_log "malformed CDBs"
sraw() { sg_raw "$@" >$W/raw.out 2>&1; tr '\n' ' ' <$W/raw.out; }
o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 00)
check_match "READ(10) well formed: GOOD" "SCSI Status: Good" "$o"
o=$(sraw -r 512 $SG0 28 00 00 $(printf '%02x %02x %02x' $((NB0 >> 16 & 255)) $((NB0 >> 8 & 255)) $((NB0 & 255))) 00 00 01 00)
check_match "READ(10) at LBA = capacity: ILLEGAL REQUEST, LBA out of range (21/00)" \
	"Illegal Request +Additional sense: Logical block address out of range" "$o"
o=$(sraw -r 512 $SG0 88 00 ff ff ff ff ff ff ff ff 00 00 00 01 00 00)
check_match "READ(16) at LBA 2^64-1: LBA out of range (no wrap-around)" "Logical block address out of range" "$o"
o=$(sraw $SG0 07 00 00 00 00 00)
check_match "opcode 0x07 (REASSIGN BLOCKS, not implemented): invalid command operation code (20/00)" \
	"Illegal Request +Additional sense: Invalid command operation code" "$o"
o=$(sraw $SG0 e7 00 00 00 00 00 00 00 00 00)
check_match "vendor-specific opcode 0xe7: invalid command operation code (20/00)" "Invalid command operation code" "$o"
o=$(sraw -r 252 $SG0 12 00 80 00 fc 00)
check_match "INQUIRY EVPD=0 with a page code: invalid field in cdb (24/00)" \
	"Illegal Request +Additional sense: Invalid field in cdb" "$o"
o=$(sraw -r 252 $SG0 12 01 c5 00 fc 00)
check_match "INQUIRY of VPD page 0xc5 (not supported): invalid field in cdb (24/00)" "Invalid field in cdb" "$o"
if [ $OURS = 1 ]; then
	# LIO checks no reserved fields; we do (SPC-4 2.4: a non-zero reserved field may be
	# reported as an error), with the sense-key specific field pointing at the bit.
	o=$(sraw $SG0 00 00 01 00 00 00)
	check_match "TEST UNIT READY, reserved byte 2 set: invalid field in cdb (24/00)" \
		"Illegal Request +Additional sense: Invalid field in cdb" "$o"
	check_match "... sense-key specific: byte 2 bit 0" "byte 2 bit 0" "$o"
	o=$(sraw $SG0 35 00 00 00 00 00 80 00 00 00)
	check_match "SYNCHRONIZE CACHE(10), reserved bit 7 of byte 6: invalid field in cdb" "Invalid field in cdb.*byte 6 bit 7" "$o"
	o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 04)
	check_match "READ(10), NACA set in CONTROL (ACA not supported): invalid field in cdb" "Invalid field in cdb" "$o"
fi
o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 00)
check_match "a well-formed READ(10) still passes afterwards" "SCSI Status: Good" "$o"

# ---------------------------------------------------------------- cleanup
# (not clearconfig: it clears the discovery settings of every fabric, iSCSI's included, and
# stops at the masked stock iscsi_target_mod before deleting the backstores)
out=$(targetcli 2>&1 <<EOF
set global auto_save_on_exit=false
/loopback delete $WWN
/backstores/ramdisk delete rd0
/backstores/fileio delete disk1
EOF
)
check_eq "targetcli: no LIO-ORG device left" 0 "$(lsscsi | grep -c LIO-ORG)"
check_eq "targetcli: no backstore left" "" "$(ls -d $T/core/*/* 2>/dev/null | grep -v -e alua -e hba_)"
[ -d $T/loopback ] && rmdir $T/loopback
if [ $OURS = 1 ]; then
	check "rmmod tcm_loop target_core_file target_core_mod" rmmod tcm_loop target_core_file target_core_mod
	if [ -e /sys/module/tcm_loop ]; then
		printf '%s\n' "$out" | sed 's/^/    /'
		find $T -maxdepth 3 | sed 's/^/    /' | head -40
	fi
	check_eq "no leak reported at unload" 0 "$(dmesg | grep -c 'lio-cxx: leak')"
fi
rm -rf $IMG $W
finish
