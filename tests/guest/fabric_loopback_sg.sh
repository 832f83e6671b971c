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

devnode() { # name c|b
	local n=$1 t=$2 d
	d=/sys/class/$([ "$t" = c ] && echo scsi_generic || echo block)/$n/dev
	[ -e "/dev/$n" ] || mknod "/dev/$n" "$t" $(tr ':' ' ' <"$d") 2>/dev/null
	echo "/dev/$n"
}
loop_host() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat $h/proc_name 2>/dev/null)" = tcm_loopback ] && { echo "${h##*host}"; return; }
	done
}
sd_of() { ls /sys/class/scsi_device/$1/device/block/ 2>/dev/null | head -1; }
sg_of() { ls /sys/class/scsi_device/$1/device/scsi_generic/ 2>/dev/null | head -1; }
md5() { md5sum | cut -c1-32; }
# Response bytes of an sg3_utils command run with --raw, as decimal numbers, one line.
raw() { "$@" 2>/dev/null | od -An -tu1 -v | tr -s ' \n' ' ' | sed 's/^ //;s/ $//'; }
# byte N of a raw() string; be16/be32/be64 N: big-endian fields.
byte() { local a=($1); echo "${a[$2]:-}"; }
be() { # bytes-string offset width
	local a=($1) i v=0
	for ((i = $2; i < $2 + $3; i++)); do v=$((v * 256 + ${a[$i]:-0})); done
	[ $3 -eq 8 ] && printf '%u\n' $v || echo $v
}
attr() { cat $1/attrib/$2; }
# "key/asc/ascq" of an sg3_utils command's failure, from its -v decoded sense.
sense_of() {
	"$@" >$W/sense.out 2>&1
	local rc=$?
	local key asc
	key=$(grep -oE 'Sense key: [A-Za-z ]+' $W/sense.out | head -1 | sed 's/Sense key: //;s/ *$//')
	asc=$(grep -oE 'Additional sense: .*' $W/sense.out | head -1 | sed 's/Additional sense: //;s/ *$//')
	echo "rc=$rc key=$key asc=$asc"
}

rm -f $IMG
check "modprobe target_core_mod" modprobe target_core_mod
check "modprobe sd_mod sg" guest_modprobe_initiators

# --- one targetcli call: ramdisk with thin provisioning (before its LUN), fileio ---
out=$(targetcli 2>&1 <<EOF
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
check_eq "targetcli: no error" "" "$(printf '%s\n' "$out" | grep -iE 'error|not supported|failed' | head -3)"

RD=$(ls -d $T/core/rd_mcp_*/rd0 | head -1)
FD=$(ls -d $T/core/fileio_*/disk1 | head -1)
check_eq "rd0 emulate_tpu" 1 "$(attr $RD emulate_tpu)"
check_eq "rd0 emulate_tpws" 1 "$(attr $RD emulate_tpws)"
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
clear_ua() { local i; for i in 1 2 3 4 5 6 7 8; do sg_turs "$1" >/dev/null 2>&1 && return 0; done; return 1; }
check "lun 0: TEST UNIT READY (after the UAs)" clear_ua $SG0
check "lun 1: TEST UNIT READY (after the UAs)" clear_ua $SG1

NB0=131072 # 64 MiB of 512-byte blocks
NB1=32768  # 16 MiB

# ---------------------------------------------------------------- INQUIRY and VPD
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 D=$RD; else sg=$SG1 D=$FD; fi
	l="lun $lun"
	o=$(sg_inq $sg 2>&1)
	check_match "$l: INQUIRY vendor LIO-ORG" "Vendor identification: LIO-ORG" "$o"
	check_match "$l: INQUIRY product = wwn/product_id" \
		"Product identification: $(cat $D/wwn/product_id)\$" "$o"
	check_match "$l: INQUIRY revision = wwn/revision" \
		"Product revision level: $(cat $D/wwn/revision 2>/dev/null || echo 4.0)" "$o"
	check_match "$l: INQUIRY PDT disk, PQual 0" "PQual=0 +PDT=0 " "$o"
	check_match "$l: INQUIRY version SPC-4" "version=0x06 +\[SPC-4\]" "$o"
	check_match "$l: INQUIRY response format 2, CmdQue" "Resp_data_format=2" "$o"
	check_match "$l: INQUIRY CmdQue=1" "CmdQue=1" "$o"
	# We have no REPORT TARGET PORT GROUPS and no EXTENDED COPY yet: TPGS and 3PC say so.
	# (Stock LIO has both: TPGS=3, 3PC=1.)
	r=$(raw sg_inq -r -l 96 $sg)
	b5=$(byte "$r" 5)
	if sg_opcodes -o 0xa3 -s 0x0a $sg 2>/dev/null | grep -q 'not supported'; then
		check_eq "$l: INQUIRY TPGS=0 (no REPORT TARGET PORT GROUPS)" 0 $(((b5 >> 4) & 3))
	else
		check_eq "$l: INQUIRY TPGS=3 (REPORT TARGET PORT GROUPS offered)" 3 $(((b5 >> 4) & 3))
	fi
	if sg_opcodes -o 0x83 $sg 2>/dev/null | grep -q 'not supported'; then
		check_eq "$l: INQUIRY 3PC=0 (no EXTENDED COPY)" 0 $(((b5 >> 3) & 1))
	else
		check_eq "$l: INQUIRY 3PC=1 (EXTENDED COPY offered)" 1 $(((b5 >> 3) & 1))
	fi
	check_eq "$l: INQUIRY additional length 91" 91 "$(byte "$r" 4)"
	o=$(sg_inq -d $sg 2>&1)
	check_match "$l: INQUIRY version descriptors: SPC-4, SBC-3" "SPC-4.*" "$o"
	check_match "$l: INQUIRY version descriptor SBC-3" "SBC-3" "$o"

	o=$(sg_vpd -p 0 $sg 2>&1)
	pages=$(sg_vpd -p 0 -r $sg 2>/dev/null | od -An -tx1 -v | tr -s ' \n' ' ' | cut -d' ' -f6-)
	check_eq "$l: VPD 0x00 lists 00 80 83 86 b0 b1 b2" "00 80 83 86 b0 b1 b2" "$(echo $pages)"

	serial=$(sed -n 's/^T10 VPD Unit Serial Number: //p' $D/wwn/vpd_unit_serial)
	o=$(sg_vpd -p 0x80 $sg 2>&1)
	check_match "$l: VPD 0x80 serial = wwn/vpd_unit_serial" "Unit serial number: $serial\$" "$o"

	o=$(sg_vpd -p 0xb0 $sg 2>&1)
	echo "$o" | sed 's/^/    /'
	r=$(raw sg_vpd -p 0xb0 -r $sg)
	check_eq "$l: VPD 0xb0 page length 0x3c" 60 "$(be "$r" 2 2)"
	check_eq "$l: VPD 0xb0 max transfer length = hw_max_sectors" "$(attr $D hw_max_sectors)" "$(be "$r" 8 4)"
	check_eq "$l: VPD 0xb0 optimal transfer length = optimal_sectors" "$(attr $D optimal_sectors)" "$(be "$r" 12 4)"
	check_match "$l: VPD 0xb0 decoded max transfer length" \
		"Maximum transfer length: $(attr $D hw_max_sectors) blocks" "$o"
	if [ "$(attr $D emulate_tpu)$(attr $D emulate_tpws)" != 00 ]; then
		check_eq "$l: VPD 0xb0 max unmap LBA count = max_unmap_lba_count" "$(attr $D max_unmap_lba_count)" "$(be "$r" 20 4)"
		check_eq "$l: VPD 0xb0 max unmap descriptors = max_unmap_block_desc_count" "$(attr $D max_unmap_block_desc_count)" "$(be "$r" 24 4)"
		check_eq "$l: VPD 0xb0 unmap granularity = unmap_granularity" "$(attr $D unmap_granularity)" "$(be "$r" 28 4)"
		check_match "$l: VPD 0xb0 decoded max unmap LBA count" "Maximum unmap LBA count: $(attr $D max_unmap_lba_count)" "$o"
	else
		check_eq "$l: VPD 0xb0 no unmap limits without thin provisioning" "0 0" "$(be "$r" 20 4) $(be "$r" 24 4)"
	fi
	check_eq "$l: VPD 0xb0 max write same length = max_write_same_len" "$(attr $D max_write_same_len)" "$(be "$r" 36 8)"
	# Ours: up to 128 blocks (bounded by the maximum transfer length); LIO: 1.
	caw_max=1
	[ $OURS = 1 ] && caw_max=$(( $(attr $D hw_max_sectors) < 128 ? $(attr $D hw_max_sectors) : 128 ))
	check_eq "$l: VPD 0xb0 max compare and write length" \
		"$( [ "$(attr $D emulate_caw)" = 1 ] && echo $caw_max || echo 0)" "$(byte "$r" 5)"

	o=$(sg_vpd -p 0xb1 $sg 2>&1)
	r=$(raw sg_vpd -p 0xb1 -r $sg)
	check_eq "$l: VPD 0xb1 rotation rate = is_nonrot" "$(attr $D is_nonrot)" "$(be "$r" 4 2)"
	if [ "$(attr $D is_nonrot)" = 1 ]; then
		check_match "$l: VPD 0xb1 decoded: non-rotating" "Non-rotating medium" "$o"
	fi

	o=$(sg_vpd -p 0xb2 $sg 2>&1)
	r=$(raw sg_vpd -p 0xb2 -r $sg)
	b5=$(byte "$r" 5)
	tpu=$(attr $D emulate_tpu) tpws=$(attr $D emulate_tpws) rz=$(attr $D unmap_zeroes_data)
	check_eq "$l: VPD 0xb2 LBPU = emulate_tpu" "$tpu" $(((b5 >> 7) & 1))
	check_eq "$l: VPD 0xb2 LBPWS LBPWS10 = emulate_tpws" "$tpws $tpws" "$(((b5 >> 6) & 1)) $(((b5 >> 5) & 1))"
	check_eq "$l: VPD 0xb2 LBPRZ = unmap_zeroes_data" "$rz" $(((b5 >> 2) & 1))
	check_match "$l: VPD 0xb2 decoded LBPU" "Unmap command supported \(LBPU\): $tpu" "$o"
	[ "$tpu$tpws" != 00 ] && check_match "$l: VPD 0xb2 thin provisioned" "[Tt]hin provision" "$o"

	# READ CAPACITY(16)
	nb=$([ $lun = 0 ] && echo $NB0 || echo $NB1)
	o=$(sg_readcap -l $sg 2>&1)
	check_match "$l: READ CAPACITY(16) blocks" "Number of logical blocks=$nb\b" "$o"
	check_match "$l: READ CAPACITY(16) block size 512" "Logical block length=512 bytes" "$o"
	lbpme=$([ "$tpu$tpws" != 00 ] && echo 1 || echo 0)
	check_match "$l: READ CAPACITY(16) lbpme=$lbpme lbprz=$rz" "lbpme=$lbpme, lbprz=$rz" "$o"
	o=$(sg_readcap $sg 2>&1)
	check_match "$l: READ CAPACITY(10) last LBA" "Last LBA=$((nb - 1)) " "$o"

	# MODE SENSE: caching page WCE = emulate_write_cache; control page.
	r=$(raw sg_modes -r -d -p 8 $sg)
	bdl=$(be "$r" 6 2)
	p=$((8 + bdl))
	check_eq "$l: MODE SENSE(10) caching page code/length" "8 18" "$(( $(byte "$r" $p) & 0x3f )) $(byte "$r" $((p + 1)))"
	check_eq "$l: MODE SENSE caching WCE = emulate_write_cache" "$(attr $D emulate_write_cache)" \
		$((($(byte "$r" $((p + 2))) >> 2) & 1))
	r=$(raw sg_modes -r -6 -d -p 8 $sg)
	check_eq "$l: MODE SENSE(6) caching WCE = emulate_write_cache" "$(attr $D emulate_write_cache)" \
		$((($(byte "$r" $((4 + 2))) >> 2) & 1))
	r=$(raw sg_modes -r -d -p 0x0a $sg)
	p=$((8 + $(be "$r" 6 2)))
	check_eq "$l: MODE SENSE control page code/length" "10 10" "$(( $(byte "$r" $p) & 0x3f )) $(byte "$r" $((p + 1)))"
	check_eq "$l: MODE SENSE control TAS = emulate_tas" "$(attr $D emulate_tas)" $((($(byte "$r" $((p + 5))) >> 6) & 1))
	check_eq "$l: MODE SENSE control D_SENSE 0" 0 $((($(byte "$r" $((p + 2))) >> 2) & 1))
	r=$(raw sg_modes -r -d -p 8 -c 1 $sg)
	check_eq "$l: MODE SENSE changeable caching page: WCE not changeable" 0 \
		$((($(byte "$r" $((8 + $(be "$r" 6 2) + 2))) >> 2) & 1))
	o=$(sg_modes -p 0x3f $sg 2>&1)
	check_match "$l: MODE SENSE all pages: caching" "Caching" "$o"
	check_match "$l: MODE SENSE all pages: control" "Control" "$o"
	check_match "$l: MODE SENSE header: DPOFUA=emulate_fua_write" \
		"specific param=0x$([ "$(attr $D emulate_fua_write)" = 1 ] && echo 10 || echo 00)" "$o"
done

# ---------------------------------------------------------------- RSOC, REPORT LUNS
o=$(sg_opcodes $SG0 2>&1)
for c in "^ *88 +16 " "^ *8a +16 " "^ *89 +16 " "^ *42 +10 " "^ *93 +16 " "^ *41 +10 " "^ *2f +10 " \
	"^ *8f +16 " "^ *2e +10 " "^ *35 +10 " "^ *9e +10 +16 " "^ *a0 +12 " "^ *12 +6 "; do
	check_match "RSOC lists /$c/" "$c" "$o"
done
check_match "RSOC: READ(16) named" "Read\(16\)" "$o"
check_match "RSOC: COMPARE AND WRITE named" "Compare and write" "$o"
check_match "RSOC: UNMAP named" "Unmap" "$o"
o=$(sg_opcodes -o 0x89 $SG0 2>&1)
check_match "RSOC -o 0x89: supported (standard)" "[Ss]upport.*supported \[conforming to SCSI standard\]" "$o"
check_match "RSOC -o 0x89: CDB usage data" "89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 1f 00" "$o"
o=$(sg_opcodes -o 0x9e -s 0x10 $SG0 2>&1)
check_match "RSOC -o 0x9e -s 0x10: READ CAPACITY(16) supported" "supported \[conforming" "$o"
o=$(sg_opcodes -o 0x07 $SG0 2>&1)
check_match "RSOC -o 0x07 (REASSIGN BLOCKS): not supported" "not supported" "$o"

o=$(sg_luns $SG0 2>&1)
echo "$o" | sed 's/^/    /'
check_match "REPORT LUNS: 2 entries" "which imp.* 2 lun entr" "$o"
check_match "REPORT LUNS: LUN 0" "^ *0000000000000000" "$o"
check_match "REPORT LUNS: LUN 1" "^ *0001000000000000" "$o"

# ---------------------------------------------------------------- data helpers
# A 512-byte block of one byte value: blk FILE HEXBYTE
blk() { head -c 512 /dev/zero | tr '\0' "\\$(printf '%03o' 0x$2)" >$1; }
# md5 of COUNT blocks at LBA read through the block device, bypassing the page cache.
rd_md5() { dd if=$1 bs=512 skip=$2 count=$3 iflag=direct status=none | md5; }
rep_md5() { # block-file count
	local i; for ((i = 0; i < $2; i++)); do cat $1; done | md5
}
blk $W/zero 00; blk $W/aa aa; blk $W/55 55; blk $W/c3 c3
dd if=/dev/urandom of=$W/rand8 bs=512 count=8 status=none

# ---------------------------------------------------------------- UNMAP, GET LBA STATUS (lun 0)
L0=4096
check "lun 0: write 64 random blocks at $L0" dd if=/dev/urandom of=$SD0 bs=512 seek=$L0 count=64 oflag=direct status=none
check_fails "lun 0: the data is not zeroes" test "$(rd_md5 $SD0 $L0 64)" = "$(rep_md5 $W/zero 64)"
check "lun 0: sg_unmap 32 blocks" sg_unmap --lba=$L0 --num=32 $SG0
check_eq "lun 0: unmapped blocks read back zeroes (LBPRZ=1)" "$(rep_md5 $W/zero 32)" "$(rd_md5 $SD0 $L0 32)"
check_fails "lun 0: the blocks after them are untouched" test "$(rd_md5 $SD0 $((L0 + 32)) 32)" = "$(rep_md5 $W/zero 32)"
o=$(sg_get_lba_status --lba=$L0 $SG0 2>&1)
echo "$o" | sed 's/^/    /'
if [ $OURS = 1 ]; then
	# Our ramdisk keeps its pages (UNMAP writes zeroes): every block is mapped, and GET LBA
	# STATUS says so with one descriptor from the LBA to the end of the medium.
	r=$(raw sg_get_lba_status --lba=$L0 -r $SG0)
	check_eq "lun 0: GET LBA STATUS: one descriptor" 20 "$(be "$r" 0 4)"
	check_eq "lun 0: GET LBA STATUS: starts at the LBA asked" $L0 "$(be "$r" 8 8)"
	check_eq "lun 0: GET LBA STATUS: runs to the end" $((NB0 - L0)) "$(be "$r" 16 4)"
	check_eq "lun 0: GET LBA STATUS: mapped (ramdisk pages stay allocated)" 0 $(($(byte "$r" 20) & 0xf))
	check_match "lun 0: GET LBA STATUS decoded: mapped" "[Mm]apped" "$o"
	o=$(sense_of sg_get_lba_status --lba=$NB0 $SG0)
	check_match "lun 0: GET LBA STATUS past the end: LBA out of range" "key=Illegal Request asc=Logical block address out of range" "$o"
fi
o=$(sense_of sg_unmap --lba=$((NB0 - 1)) --num=2 $SG0)
check_match "lun 0: UNMAP past the end: LBA out of range" "key=Illegal Request asc=Logical block address out of range" "$o"
o=$(sense_of sg_unmap --lba=0 --num=$(( $(attr $RD max_unmap_lba_count) + 1 )) $SG0)
check_match "lun 0: UNMAP over max_unmap_lba_count: invalid field in parameter list" \
	"key=Illegal Request asc=Invalid field in parameter list" "$o"
o=$(sense_of sg_unmap --lba=0 --num=8 $SG1)
check_match "lun 1 (no emulate_tpu): UNMAP refused as an unsupported opcode" \
	"key=Illegal Request asc=Invalid command operation code" "$o"

# ---------------------------------------------------------------- WRITE SAME
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0; else sg=$SG1 sd=$SD1; fi
	l="lun $lun"
	L=8192
	check "$l: WRITE SAME(10) pattern 0xaa x 16" sg_write_same --lba=$L --num=16 --in=$W/aa $sg
	check_eq "$l: WRITE SAME pattern reads back" "$(rep_md5 $W/aa 16)" "$(rd_md5 $sd $L 16)"
	check_eq "$l: WRITE SAME: the next block is untouched" "$(rep_md5 $W/zero 1)" "$(rd_md5 $sd $((L + 16)) 1)"
	check "$l: WRITE SAME(16) pattern 0x55 x 8" sg_write_same --16 --lba=$((L + 4)) --num=8 --in=$W/55 $sg
	check_eq "$l: WRITE SAME(16) pattern reads back" \
		"$( (cat $W/aa $W/aa $W/aa $W/aa; for i in 1 2 3 4 5 6 7 8; do cat $W/55; done; cat $W/aa $W/aa $W/aa $W/aa) | md5)" \
		"$(rd_md5 $sd $L 16)"
	check "$l: WRITE SAME zeroes (no data file)" sg_write_same --lba=$L --num=4 $sg
	check_eq "$l: WRITE SAME zeroes read back" "$(rep_md5 $W/zero 4)" "$(rd_md5 $sd $L 4)"
	o=$(sense_of sg_write_same --lba=$((L + 4)) --num=0 --in=$W/aa $sg)
	check_match "$l: WRITE SAME 0 blocks refused (WSNZ=1)" "key=Illegal Request asc=Invalid field in cdb" "$o"
	o=$(sense_of sg_write_same --16 --lba=$((($lun == 0 ? NB0 : NB1) - 2)) --num=4 --in=$W/aa $sg)
	check_match "$l: WRITE SAME past the end: LBA out of range" \
		"key=Illegal Request asc=Logical block address out of range" "$o"
done
check "lun 0: WRITE SAME(16) UNMAP" sg_write_same --16 --unmap --lba=8192 --num=16 --in=$W/zero $SG0
check_eq "lun 0: WRITE SAME UNMAP reads back zeroes" "$(rep_md5 $W/zero 16)" "$(rd_md5 $SD0 8192 16)"
check "lun 0: WRITE SAME(10) UNMAP (LBPWS10)" sg_write_same --10 --unmap --lba=8300 --num=4 --in=$W/zero $SG0
o=$(sense_of sg_write_same --16 --unmap --lba=8192 --num=16 --in=$W/zero $SG1)
check_match "lun 1 (no emulate_tpws): WRITE SAME UNMAP refused" "key=Illegal Request asc=Invalid (field in cdb|command operation code)" "$o"

# ---------------------------------------------------------------- COMPARE AND WRITE
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0 D=$RD; else sg=$SG1 sd=$SD1 D=$FD; fi
	l="lun $lun"
	L=12288
	check "$l: seed 0xaa at $L" sg_write_same --lba=$L --num=8 --in=$W/aa $sg
	check "$l: COMPARE AND WRITE, 1 block, matching" \
		sg_compare_and_write --lba=$L --num=1 --in=$W/aa --inw=$W/55 $sg
	check_eq "$l: COMPARE AND WRITE wrote the block" "$(rep_md5 $W/55 1)" "$(rd_md5 $sd $L 1)"
	sense_of sg_compare_and_write --lba=$L --num=1 --in=$W/aa --inw=$W/c3 $sg >$W/caw
	check_match "$l: COMPARE AND WRITE mismatch: MISCOMPARE" "rc=14 key=Miscompare asc=Miscompare during verify operation" "$(cat $W/caw)"
	check_match "$l: MISCOMPARE sense: information = offset 0" "[Ii]nfo.*0x0+\b|[Ii]nformation: 0\b" "$(cat $W/sense.out)"
	check_eq "$l: COMPARE AND WRITE mismatch did not write" "$(rep_md5 $W/55 1)" "$(rd_md5 $sd $L 1)"
	# Two blocks, the second one differing at byte 100: nothing written, INFORMATION = 612.
	cp $W/aa $W/cmp2; cat $W/aa >>$W/cmp2
	printf '\x00' | dd of=$W/cmp2 bs=1 seek=612 conv=notrunc status=none
	cat $W/c3 $W/c3 >$W/w2
	caw=$(be "$(raw sg_vpd -p 0xb0 -r $sg)" 5 1)
	if [ "$caw" -ge 2 ]; then
		sense_of sg_compare_and_write -v --lba=$((L + 1)) --num=2 --in=$W/cmp2 --inw=$W/w2 $sg >$W/caw
		check_match "$l: COMPARE AND WRITE 2 blocks, second differs: MISCOMPARE" "rc=14 key=Miscompare" "$(cat $W/caw)"
		check_match "$l: MISCOMPARE information = 612 (byte offset in the compared data)" \
			"[Ii]nfo[a-z]*[ :=]+(0x0*264|612)\b" "$(cat $W/sense.out)"
		check_eq "$l: a multi-block miscompare wrote nothing" "$(rep_md5 $W/aa 2)" "$(rd_md5 $sd $((L + 1)) 2)"
		cat $W/aa $W/aa >$W/cmp2
		check "$l: COMPARE AND WRITE 2 blocks, matching" \
			sg_compare_and_write --lba=$((L + 1)) --num=2 --in=$W/cmp2 --inw=$W/w2 $sg
		check_eq "$l: both blocks written" "$(rep_md5 $W/c3 2)" "$(rd_md5 $sd $((L + 1)) 2)"
		head -c $((512 * (caw + 1) * 2)) /dev/zero >$W/big
		o=$(sense_of sg_compare_and_write --lba=$L --num=$((caw + 1)) --in=$W/big $sg)
		check_match "$l: COMPARE AND WRITE over the VPD 0xb0 maximum: invalid field in cdb" \
			"key=Illegal Request asc=Invalid field in cdb" "$o"
	else
		skip "$l: COMPARE AND WRITE of 2 blocks" "maximum compare and write length is $caw"
	fi
	o=$(sense_of sg_compare_and_write --lba=$((($lun == 0 ? NB0 : NB1))) --num=1 --in=$W/aa --inw=$W/55 $sg)
	check_match "$l: COMPARE AND WRITE past the end: LBA out of range" \
		"key=Illegal Request asc=Logical block address out of range" "$o"
done

# ---------------------------------------------------------------- VERIFY, WRITE AND VERIFY, SYNC
for lun in 0 1; do
	if [ $lun = 0 ]; then sg=$SG0 sd=$SD0 nb=$NB0; else sg=$SG1 sd=$SD1 nb=$NB1; fi
	l="lun $lun"
	L=16384
	check "$l: write 8 random blocks at $L" dd if=$W/rand8 of=$sd bs=512 seek=$L oflag=direct status=none
	check "$l: VERIFY(10) BYTCHK 0" sg_verify --lba=$L --count=8 $sg
	check "$l: VERIFY(16) BYTCHK 0" sg_verify --16 --lba=$L --count=8 $sg
	check "$l: VERIFY BYTCHK 1, matching data" sg_verify --ndo=4096 --in=$W/rand8 --lba=$L --count=8 $sg
	cp $W/rand8 $W/bad8
	printf '%b' "\\x$(printf '%02x' $(( ($(od -An -tu1 -j 3000 -N 1 $W/rand8) + 1) % 256 )))" |
		dd of=$W/bad8 bs=1 seek=3000 conv=notrunc status=none
	sense_of sg_verify --ndo=4096 --in=$W/bad8 --lba=$L --count=8 $sg >$W/ver
	check_match "$l: VERIFY BYTCHK 1, byte 3000 changed: MISCOMPARE" "rc=14 key=Miscompare asc=Miscompare during verify operation" "$(cat $W/ver)"
	o=$(sense_of sg_verify --lba=$((nb - 4)) --count=8 $sg)
	check_match "$l: VERIFY past the end: LBA out of range" "key=Illegal Request asc=Logical block address out of range" "$o"
	check "$l: SYNCHRONIZE CACHE(10)" sg_sync $sg
	check "$l: SYNCHRONIZE CACHE(16) of a range" sg_sync --16 --lba=$L --count=8 $sg
	o=$(sense_of sg_sync --lba=$nb --count=1 $sg)
	check_match "$l: SYNCHRONIZE CACHE past the end: LBA out of range" "key=Illegal Request asc=Logical block address out of range" "$o"
	check "$l: WRITE AND VERIFY(10)" sg_write_verify --lba=$((L + 16)) --num=8 --in=$W/rand8 $sg
	check "$l: WRITE AND VERIFY(16) BYTCHK 1" sg_write_verify --16 --bytchk=1 --lba=$((L + 24)) --num=8 --in=$W/rand8 $sg
	check_eq "$l: WRITE AND VERIFY data reads back" "$( (cat $W/rand8; cat $W/rand8) | md5)" "$(rd_md5 $sd $((L + 16)) 16)"
done

# sg_dd through the sg node reads the same as dd through the block device
check_eq "lun 1: sg_dd reads what dd reads" "$(rd_md5 $SD1 16384 8)" \
	"$(sg_dd if=$SG1 bs=512 skip=16384 count=8 of=- 2>/dev/null | md5)"

# ---------------------------------------------------------------- malformed CDBs (sg_raw)
sraw() { sg_raw -v "$@" >$W/raw.out 2>&1; echo "rc=$?"; cat $W/raw.out; }
o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 00)
check_match "READ(10) well formed: GOOD" "SCSI Status: Good" "$o"
o=$(sraw -r 512 $SG0 28 00 00 $(printf '%02x %02x %02x' $((NB0 >> 16 & 255)) $((NB0 >> 8 & 255)) $((NB0 & 255))) 00 00 01 00)
check_match "READ(10) at LBA = capacity: ILLEGAL REQUEST, LBA out of range (21/00)" \
	"Illegal Request.*[[:space:]]+Additional sense: Logical block address out of range" "$(echo $o)"
o=$(sraw -r 512 $SG0 88 00 ff ff ff ff ff ff ff ff 00 00 00 01 00 00)
check_match "READ(16) at LBA 2^64-1: LBA out of range (no overflow)" "Logical block address out of range" "$o"
o=$(sraw $SG0 07 00 00 00 00 00)
check_match "opcode 0x07 (REASSIGN BLOCKS, not implemented): invalid command operation code (20/00)" \
	"Illegal Request.*Additional sense: Invalid command operation code" "$(echo $o)"
o=$(sraw $SG0 e7 00 00 00 00 00 00 00 00 00)
check_match "vendor opcode 0xe7: invalid command operation code" "Invalid command operation code" "$o"
o=$(sraw -r 252 $SG0 12 00 80 00 fc 00)
check_match "INQUIRY EVPD=0 with a page code: invalid field in cdb (24/00)" \
	"Illegal Request.*Additional sense: Invalid field in cdb" "$(echo $o)"
o=$(sraw -r 252 $SG0 12 01 c5 00 fc 00)
check_match "INQUIRY unsupported VPD page 0xc5: invalid field in cdb" "Invalid field in cdb" "$o"
if [ $OURS = 1 ]; then
	# LIO checks no reserved fields; we do (SPC-4 4.3.2 allows it, pointing at the bit).
	o=$(sraw $SG0 00 00 01 00 00 00)
	check_match "TEST UNIT READY, reserved byte 2 set: invalid field in cdb (24/00)" \
		"Illegal Request.*Additional sense: Invalid field in cdb" "$(echo $o)"
	check_match "... sense-key specific: byte 2 bit 0" "byte 2 bit 0" "$o"
	o=$(sraw $SG0 35 00 00 00 00 00 80 00 00 00)
	check_match "SYNCHRONIZE CACHE(10), reserved bit in byte 6: invalid field in cdb" \
		"Invalid field in cdb" "$o"
	check_match "... sense-key specific: byte 6 bit 7" "byte 6 bit 7" "$o"
	o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 04)
	check_match "READ(10), NACA in the CONTROL byte: invalid field in cdb" "Invalid field in cdb" "$o"
fi
o=$(sraw -r 512 $SG0 28 00 00 00 00 00 00 00 01 00)
check_match "a well-formed READ(10) still passes afterwards" "SCSI Status: Good" "$o"

# ---------------------------------------------------------------- cleanup
out=$(targetcli clearconfig confirm=True 2>&1)
check_eq "targetcli clearconfig: no LIO-ORG device left" 0 "$(lsscsi | grep -c LIO-ORG)"
if [ $OURS = 1 ]; then
	check "rmmod tcm_loop target_core_file target_core_mod" rmmod tcm_loop target_core_file target_core_mod
	check_eq "no leak reported at unload" 0 "$(dmesg | grep -c 'lio-cxx: leak')"
fi
rm -rf $IMG $W
finish
