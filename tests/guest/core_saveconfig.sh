#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Whole-configuration commands of unmodified targetcli/rtslib over lio-cxx: saveconfig,
# clearconfig and restoreconfig (and targetctl save/clear/restore when installed). rtslib
# loads iscsi_target_mod for every one of them (discovery_auth), so this also covers the
# iSCSI fabric's root and discovery_auth files, stock validation of bad writes, and network
# portals made and removed by hand (listening, refusing malformed names). A ramdisk with a changed attribute, a fileio disk and a loopback target with
# 2 LUNs are saved, cleared, restored (same LUNs, attributes, SCSI devices) and saved again
# (same JSON); at the end every directory goes and every module unloads.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/config/target
WWN=naa.5001405abcdef077
L=$T/loopback/$WWN
IMG=/tmp/sc_disk0.img
IQN=iqn.2003-01.org.linux-iscsi.vm:sn.saveconfig
A=/tmp/sc_a.json
B=/tmp/sc_b.json
C=/tmp/sc_c.json

guest_configfs
guest_start_dbus
mask_stock_target_modules
rm -f $IMG $A $B $C

check "modprobe target_core_mod" modprobe target_core_mod
check_match "iscsi_target_mod is ours (updates/)" "/updates/" "$(modinfo -n iscsi_target_mod)"
check_eq "iscsi_target_mod description" "lio-cxx iSCSI target fabric" \
	"$(modinfo -F description iscsi_target_mod)"
check "modprobe sd_mod sg" guest_modprobe_initiators

# --- the configuration ---
targetcli_run "targetcli: ramdisk rd0 16M" /backstores/ramdisk create rd0 16M
# (emulate_tpu=1 is refused on a ramdisk, ENOSYS, as stock: it has no unmap.)
targetcli_run "targetcli: rd0 emulate_tas=0" /backstores/ramdisk/rd0 set attribute emulate_tas=0
targetcli_run "targetcli: fileio disk0 10M write-thru" /backstores/fileio create disk0 $IMG 10M write_back=false
targetcli_run "targetcli /loopback create $WWN" /loopback create $WWN
targetcli_run "targetcli luns create rd0" /loopback/$WWN/luns create /backstores/ramdisk/rd0
targetcli_run "targetcli luns create disk0" /loopback/$WWN/luns create /backstores/fileio/disk0
RD=$(ls -d $T/core/rd_mcp_*/rd0 | head -1)
check_eq "rd0 emulate_tas is 0" "0" "$(cat $RD/attrib/emulate_tas)"
check_eq "lsscsi: two LIO-ORG disks" "2" "$(lsscsi | grep -c "disk *LIO-ORG")"

# --- saveconfig (loads iscsi_target_mod for discovery_auth) ---
# Discovery authentication on, so that rtslib saves the iscsi fabric module too.
targetcli_run "targetcli saveconfig $A" saveconfig $A
check "iscsi_target_mod was loaded by rtslib" test -e /sys/module/iscsi_target_mod
check "target/iscsi exists" test -d $T/iscsi
D=$T/iscsi/discovery_auth
check_eq "iscsi/lio_version" "Datera Inc. iSCSI Target v4.1.0" "$(cat $T/iscsi/lio_version)"
check_match "iscsi/cpus_allowed_list is a CPU list" "^0(-[0-9]+)?$" "$(cat $T/iscsi/cpus_allowed_list)"
check_eq "iscsi/lio_version is read-only" EACCES "$(cfs_write $T/iscsi/lio_version x)"
check_eq "cpus_allowed_list 0" OK "$(cfs_write $T/iscsi/cpus_allowed_list 0)"
check_eq "cpus_allowed_list reads 0" "0" "$(cat $T/iscsi/cpus_allowed_list)"
check_eq "cpus_allowed_list bogus: EINVAL" EINVAL "$(cfs_write $T/iscsi/cpus_allowed_list zz)"
check_eq "cpus_allowed_list back to all" OK "$(cfs_write $T/iscsi/cpus_allowed_list 0-$(($(nproc --all) - 1)))"
for f in enforce_discovery_auth authenticate_target; do
	check_eq "discovery_auth/$f defaults to 0" "0" "$(cat $D/$f)"
done
for f in userid password userid_mutual password_mutual; do
	check_eq "discovery_auth/$f defaults to empty" "" "$(cat $D/$f)"
done
mark_dmesg
check_eq "enforce_discovery_auth=2: EINVAL" EINVAL "$(cfs_write $D/enforce_discovery_auth 2)"
check_eq "enforce_discovery_auth=2 logs one line" "1" "$(new_dmesg | grep -c 'enforce_discovery_auth: 2 refused')"
check_eq "enforce_discovery_auth=x: EINVAL" EINVAL "$(cfs_write $D/enforce_discovery_auth x)"
check_eq "authenticate_target is read-only" EACCES "$(cfs_write $D/authenticate_target 1)"
check_eq "userid of 256 bytes: EINVAL" EINVAL "$(cfs_write $D/userid "$(printf 'u%.0s' $(seq 256))")"
check_eq "userid_mutual mu" OK "$(cfs_write $D/userid_mutual mu)"
check_eq "authenticate_target still 0 (one mutual field)" "0" "$(cat $D/authenticate_target)"
check_eq "password_mutual mp" OK "$(cfs_write $D/password_mutual mp)"
check_eq "authenticate_target 1 (both mutual fields)" "1" "$(cat $D/authenticate_target)"
check_eq "userid_mutual NULL" OK "$(cfs_write $D/userid_mutual NULL)"
check_eq "authenticate_target 0 again (NULL clears)" "0" "$(cat $D/authenticate_target)"
check_eq "userid_mutual reads NULL (stored as written)" "NULL" "$(cat $D/userid_mutual)"
targetcli_run "targetcli: set discovery_auth (enable=1 userid/password)" \
	/iscsi set discovery_auth enable=1 userid=duser password=dpass mutual_userid=muser mutual_password=mpass
check_eq "enforce_discovery_auth 1" "1" "$(cat $D/enforce_discovery_auth)"
check_eq "discovery userid duser" "duser" "$(cat $D/userid)"
check_eq "authenticate_target 1" "1" "$(cat $D/authenticate_target)"
targetcli_run "targetcli saveconfig $A (with discovery auth)" saveconfig $A

jsoncheck() { # file: PASS/FAIL lines about its content
	python3 - "$1" "$WWN" <<'PY'
import json, sys
path, wwn = sys.argv[1], sys.argv[2]
def res(ok, name, detail=""):
    print(("PASS: " if ok else "FAIL: ") + name)
    if not ok and detail:
        print("    " + str(detail)[:400])
try:
    d = json.load(open(path))
except Exception as e:
    res(False, "%s is JSON" % path, e); sys.exit(0)
res(True, "%s is JSON" % path)
so = {s["name"]: s for s in d.get("storage_objects", [])}
res(set(so) == {"rd0", "disk0"}, "%s: storage objects rd0 and disk0" % path, list(so))
rd = so.get("rd0", {})
res(rd.get("plugin") == "ramdisk" and rd.get("size") == 16 * 1024 * 1024,
    "%s: rd0 is a 16M ramdisk" % path, {k: rd.get(k) for k in ("plugin", "size")})
res(rd.get("attributes", {}).get("emulate_tas") == 0, "%s: rd0 emulate_tas 0" % path,
    rd.get("attributes", {}).get("emulate_tas"))
res(rd.get("attributes", {}).get("block_size") == 512, "%s: rd0 has its attributes (block_size 512)" % path)
fd = so.get("disk0", {})
res(fd.get("plugin") == "fileio" and fd.get("dev") == "/tmp/sc_disk0.img"
    and fd.get("size") == 10 * 1024 * 1024 and fd.get("write_back") is False,
    "%s: disk0 is the 10M write-thru fileio" % path,
    {k: fd.get(k) for k in ("plugin", "dev", "size", "write_back")})
res(bool(rd.get("wwn")) and bool(fd.get("wwn")), "%s: unit serials saved" % path)
tg = [t for t in d.get("targets", []) if t.get("fabric") == "loopback"]
res(len(tg) == 1 and tg[0].get("wwn") == wwn, "%s: the loopback target" % path,
    [(t.get("fabric"), t.get("wwn")) for t in d.get("targets", [])])
tpgs = tg[0].get("tpgs", []) if tg else []
luns = sorted((l.get("index"), l.get("storage_object")) for t in tpgs for l in t.get("luns", []))
res(luns == [(0, "/backstores/ramdisk/rd0"), (1, "/backstores/fileio/disk0")],
    "%s: its 2 LUNs" % path, luns)
# rtslib saves no nexus (restore makes a new one); it saves the TPG's enable.
res(bool(tpgs) and tpgs[0].get("tag") == 1 and tpgs[0].get("enable") is True, "%s: its tpg 1, enabled" % path,
    {k: tpgs[0].get(k) for k in ("tag", "enable")} if tpgs else None)
fm = {f.get("name"): f for f in d.get("fabric_modules", [])}
i = fm.get("iscsi", {})
res(i.get("discovery_enable_auth") is True and i.get("discovery_userid") == "duser"
    and i.get("discovery_password") == "dpass" and i.get("discovery_mutual_userid") == "muser"
    and i.get("discovery_mutual_password") == "mpass",
    "%s: iscsi discovery auth saved" % path, i)
PY
}
record_results < <(jsoncheck $A)

# --- clearconfig ---
targetcli_run "targetcli clearconfig confirm=True" clearconfig confirm=True
check_eq "no loopback target left" "" "$(ls $T/loopback 2>/dev/null | grep -v -x -e version -e discovery_auth)"
check_eq "no storage object left" "" "$(ls -d $T/core/*/* 2>/dev/null | grep -v -e '/alua' -e 'hba_info' -e 'hba_mode')"
check_eq "no LIO-ORG device left" "0" "$(lsscsi | grep -c LIO-ORG)"
check_eq "discovery auth disabled" "0" "$(cat $D/enforce_discovery_auth)"

# --- restoreconfig ---
targetcli_run "targetcli restoreconfig $A" restoreconfig $A
check_match "restoreconfig reports no error" "Configuration restored from $A" "$out"
check "loopback target back" test -d $L/tpgt_1
check "lun_0 back" test -L "$(ls -d $L/tpgt_1/lun/lun_0/* 2>/dev/null | grep -v -e alua -e statistics | head -1)"
check "lun_1 back" test -d $L/tpgt_1/lun/lun_1
RD=$(ls -d $T/core/rd_mcp_*/rd0 2>/dev/null | head -1)
FD=$(ls -d $T/core/fileio_*/disk0 2>/dev/null | head -1)
check "rd0 back" test -n "$RD"
check "disk0 back" test -n "$FD"
check_eq "rd0 emulate_tas is 0 again" "0" "$(cat $RD/attrib/emulate_tas 2>/dev/null)"
check_match "disk0 is on $IMG again" "File: $IMG " "$(cat $FD/info 2>/dev/null)"
check_eq "discovery auth enabled again" "1" "$(cat $D/enforce_discovery_auth)"
check_eq "discovery userid duser again" "duser" "$(cat $D/userid)"
check_eq "discovery userid_mutual muser again" "muser" "$(cat $D/userid_mutual)"
sleep 1
out=$(lsscsi)
printf '%s\n' "$out" | sed 's/^/    /'
check_eq "lsscsi: two LIO-ORG disks again" "2" "$(printf '%s\n' "$out" | grep -c "disk *LIO-ORG")"
n=0
for sd in $(printf '%s\n' "$out" | awk '/LIO-ORG/ {print $NF}'); do
	[ -b "$sd" ] || devnode "${sd#/dev/}" b >/dev/null
	[ -b "$sd" ] && n=$((n + 1))
done
check_eq "both have a /dev/sdX" "2" "$n"

# --- saveconfig again: the same JSON ---
targetcli_run "targetcli saveconfig $B" saveconfig $B
record_results < <(jsoncheck $B)
jsondiff() { # a b: PASS when equal; prints every differing path
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
diffs = []
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                diffs.append("%s/%s: %s vs %s" % (path, k, x.get(k, "<absent>"), y.get(k, "<absent>")))
            else:
                walk(x[k], y[k], "%s/%s" % (path, k))
    elif isinstance(x, list) and isinstance(y, list):
        key = lambda e: json.dumps(e, sort_keys=True)
        if len(x) != len(y):
            diffs.append("%s: %d vs %d entries" % (path, len(x), len(y)))
        # Lists of named objects (storage objects, targets, LUNs) in any order.
        def name(e, i):
            if isinstance(e, dict):
                for k in ("name", "wwn", "tag", "index", "node_wwn"):
                    if k in e:
                        return "%s=%s" % (k, e[k])
            return str(i)
        xm = {name(e, i): e for i, e in enumerate(x)}
        ym = {name(e, i): e for i, e in enumerate(y)}
        for k in sorted(set(xm) | set(ym)):
            if k not in xm or k not in ym:
                diffs.append("%s[%s]: only in %s" % (path, k, "a" if k in xm else "b"))
            else:
                walk(xm[k], ym[k], "%s[%s]" % (path, k))
    elif x != y:
        diffs.append("%s: %r vs %r" % (path, x, y))
walk(a, b, "")
for d in diffs:
    print("    " + d)
print(("PASS: " if not diffs else "FAIL: ") + "%s equals %s (%d differences)" % (sys.argv[1], sys.argv[2], len(diffs)))
PY
}
record_results < <(jsondiff $A $B)

# --- network portals by hand ---
check_eq "mkdir target/iscsi/$IQN" OK "$(cfs_mkdir $T/iscsi/$IQN)"
check_eq "mkdir tpgt_1" OK "$(cfs_mkdir $T/iscsi/$IQN/tpgt_1)"
check "tpgt_1 has enable" test -f $T/iscsi/$IQN/tpgt_1/enable
check "tpgt_1 has np/" test -d $T/iscsi/$IQN/tpgt_1/np
check_eq "iscsi <wwn>/param/default_submit_type (6.12 only)" "1" \
	"$(cat $T/iscsi/$IQN/param/default_submit_type 2>/dev/null || echo 1)"
check_eq "mkdir np/127.0.0.1:3266" OK "$(cfs_mkdir $T/iscsi/$IQN/tpgt_1/np/127.0.0.1:3266)"
check_match "127.0.0.1:3266 listens" "127.0.0.1:3266" "$(ss -Hltn 'sport = :3266')"
check_eq "np/127.0.0.1:3266/iser reads 0" "0" "$(cat $T/iscsi/$IQN/tpgt_1/np/127.0.0.1:3266/iser)"
check_eq "a second np on the same address: EEXIST" EEXIST \
	"$(cfs_mkdir $T/iscsi/$IQN/tpgt_1/np/127.0.0.1:3266)"
mark_dmesg
check_eq "mkdir np/1.2.3.4 (no port): EINVAL" EINVAL "$(cfs_mkdir $T/iscsi/$IQN/tpgt_1/np/1.2.3.4)"
check_eq "mkdir np/[::1 (unterminated): EINVAL" EINVAL "$(cfs_mkdir "$T/iscsi/$IQN/tpgt_1/np/[::1")"
check_eq "mkdir np/1.2.3.4:70000: EINVAL" EINVAL "$(cfs_mkdir $T/iscsi/$IQN/tpgt_1/np/1.2.3.4:70000)"
check_eq "one log line each" "3" "$(new_dmesg | grep -c 'iscsi: ')"
check_eq "rmdir np/127.0.0.1:3266" OK "$(cfs_rmdir $T/iscsi/$IQN/tpgt_1/np/127.0.0.1:3266)"
check_eq "127.0.0.1:3266 no longer listens" "" "$(ss -Hltn 'sport = :3266')"
check_eq "np/ is empty" "" "$(ls $T/iscsi/$IQN/tpgt_1/np)"
check_eq "mkdir an over-long target name (224 bytes): EINVAL" EINVAL \
	"$(cfs_mkdir $T/iscsi/iqn.$(printf 'x%.0s' $(seq 220)))"
check_eq "rmdir tpgt_1" OK "$(cfs_rmdir $T/iscsi/$IQN/tpgt_1)"
check_eq "rmdir the iSCSI target" OK "$(cfs_rmdir $T/iscsi/$IQN)"

# --- targetctl (python3-rtslib-fb) ---
if command -v targetctl >/dev/null; then
	check "targetctl save $C" targetctl save $C
	record_results < <(jsondiff $A $C)
	check "targetctl clear" targetctl clear
	check_eq "targetctl clear: no loopback target left" "" "$(ls $T/loopback 2>/dev/null | grep -v -x -e version -e discovery_auth)"
	check_eq "targetctl clear: no LIO-ORG device left" "0" "$(lsscsi | grep -c LIO-ORG)"
	check "targetctl restore $C" targetctl restore $C
	check "targetctl restore: lun_1 back" test -d $L/tpgt_1/lun/lun_1
	sleep 1
	check_eq "targetctl restore: two LIO-ORG disks" "2" "$(lsscsi | grep -c "disk *LIO-ORG")"
else
	skip "targetctl" "not installed"
fi

# --- cleanup and unload ---
targetcli_run "targetcli clearconfig confirm=True (final)" clearconfig confirm=True
check_eq "discovery auth off" "0" "$(cat $D/enforce_discovery_auth)"
for h in $T/core/rd_mcp_* $T/core/fileio_*; do [ -d "$h" ] && rmdir "$h"; done
check_eq "rmdir target/loopback" OK "$(cfs_rmdir $T/loopback)"
check_eq "rmdir target/iscsi" OK "$(cfs_rmdir $T/iscsi)"
check_eq "no backstore left" "" "$(ls $T/core | grep -v -e alua)"
mark_dmesg
check "rmmod iscsi_target_mod tcm_loop target_core_file target_core_mod" \
	rmmod iscsi_target_mod tcm_loop target_core_file target_core_mod
check "iscsi_target_mod is gone" test ! -e /sys/module/iscsi_target_mod
check_eq "no leak reported at unload" "0" "$(new_dmesg | grep -c 'lio-cxx: leak')"
rm -f $IMG $A $B $C

finish
