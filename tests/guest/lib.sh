# Helpers for guest test scripts run by tools/vm-run. Source it (bash or POSIX sh):
#   . "${LIO_SRC:?}/tests/guest/lib.sh"
#
# Checks (each prints exactly "PASS: name" or "FAIL: name", plus details on failure):
#   check "name" cmd [args...]        passes when cmd exits 0 (its output is shown on failure)
#   check_fails "name" cmd [args...]  passes when cmd exits non-zero (negative tests)
#   check_eq "name" expected actual   passes when the strings are equal
#   check_match "name" regex actual   passes when actual matches the extended regex
#   skip "name" [reason]              counts a skipped check ("SKIP: name (reason)")
#   finish                            prints "N passed, N failed" (", N skipped" when any)
#                                     alone on its line and exits 1 if any check failed
# Counters: LIO_PASSED LIO_FAILED LIO_SKIPPED.
# Setup:
#   guest_configfs             modprobe configfs; mount /sys/kernel/config if needed
#   guest_start_dbus           system D-Bus (targetcli/rtslib need it)
#   guest_modprobe_initiators  sd_mod + sg (the guest has no udev to load them)
#   guest_module_path NAME     print the file modprobe would load for NAME (modinfo -n)
#   guest_log MSG...           "# MSG" on stdout and in the kernel log (to line up with dmesg)

LIO_PASSED=0
LIO_FAILED=0
LIO_SKIPPED=0
LIO_CHECK_OUT=${TMPDIR:-/tmp}/lio-check.$$

_lio_pass() { LIO_PASSED=$((LIO_PASSED + 1)); echo "PASS: $1"; }
_lio_fail() { LIO_FAILED=$((LIO_FAILED + 1)); echo "FAIL: $1"; }
_lio_indent() { sed -e 's/^/    /' | head -n "${LIO_CHECK_MAXLINES:-60}"; }

check() {
    _n=$1; shift
    if "$@" >"$LIO_CHECK_OUT" 2>&1; then
        _lio_pass "$_n"
    else
        _rc=$?
        _lio_fail "$_n"
        echo "    command: $* (exit $_rc)"
        _lio_indent <"$LIO_CHECK_OUT"
    fi
    rm -f "$LIO_CHECK_OUT"
}

check_fails() {
    _n=$1; shift
    if "$@" >"$LIO_CHECK_OUT" 2>&1; then
        _lio_fail "$_n"
        echo "    command: $* (exit 0, expected failure)"
        _lio_indent <"$LIO_CHECK_OUT"
    else
        _lio_pass "$_n"
    fi
    rm -f "$LIO_CHECK_OUT"
}

check_eq() {
    if [ "$2" = "$3" ]; then
        _lio_pass "$1"
    else
        _lio_fail "$1"
        echo "    expected: '$2'"
        echo "    actual:   '$3'"
    fi
}

check_match() {
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then
        _lio_pass "$1"
    else
        _lio_fail "$1"
        echo "    regex:  '$2'"
        echo "    actual: '$3'"
    fi
}

skip() {
    LIO_SKIPPED=$((LIO_SKIPPED + 1))
    echo "SKIP: $1${2:+ ($2)}"
}

# --- helpers for tests of our target modules (bash) ---

# Stock target modules that lio-cxx does not ship yet cannot bind to our target_core_mod (they
# need LIO's internal symbols): make modprobe refuse them at once instead of letting rtslib
# try, so the kernel log stays clean.
mask_stock_target_modules() {
    local m path
    mkdir -p /etc/modprobe.d
    for m in iscsi_target_mod tcm_loop vhost_scsi tcm_fc ib_srpt tcm_qla2xxx usb_f_tcm sbp_target \
        target_core_file target_core_iblock target_core_pscsi target_core_user xen-scsiback; do
        path=$(modinfo -n "$m" 2>/dev/null) || continue
        case "$path" in */updates/*) ;; *) echo "install $m /bin/false" ;; esac
    done >/etc/modprobe.d/lio-cxx-mask-stock.conf
}

# The errno name a configfs write (one write(2), like echo) or a mkdir gets: OK on success.
cfs_write() { python3 "$LIO_SRC/tests/guest/cfs_tree.py" write "$1" "$2"; }
cfs_mkdir() {
    python3 -c 'import os, sys, errno
try:
    os.mkdir(sys.argv[1]); print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$1"
}

# Kernel log lines printed since the last mark_dmesg (for "logs one clear line" checks).
mark_dmesg() { MARK=$(dmesg | wc -l); }
new_dmesg() { dmesg | tail -n +"$((MARK + 1))"; }
# Lines of the kernel log since mark_dmesg that show trouble (a script may define its own).
dmesg_trouble() { new_dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|blocked for more than|lio-cxx: leak'; }

# check_refused NAME ERRNO PATH VALUE: two checks, that writing VALUE to the configfs file PATH
# gets ERRNO ("NAME: ERRNO") and that the refusal logs exactly one kernel line ("NAME: one log
# line"; TCG's "hrtimer: interrupt took" can land in between: not ours).
check_refused() {
    mark_dmesg
    check_eq "$1: $2" "$2" "$(cfs_write "$3" "$4")"
    check_eq "$1: one log line" "1" "$(new_dmesg | grep -v 'hrtimer: interrupt took' | grep -c .)"
}

# The removal-under-I/O pattern, two halves around the removal itself:
#   fio_start_under_removal DEV LOG  starts a 60 s randrw fio on DEV in the background (output
#                                    to LOG, pid in $fio_pid), and after 3 s checks "fio is
#                                    running before the removal"
#   fio_end_after_removal LOG N      checks "fio ends within 30 s of the removal (nothing
#                                    hangs)" (kills it when not) and "fio ends with an error",
#                                    and shows the first N error lines of LOG
fio_start_under_removal() { # dev log
    fio --name=gone --filename="$1" --ioengine=libaio --iodepth=16 --direct=1 --rw=randrw \
        --bs=4k --time_based --runtime=60 >"$2" 2>&1 &
    fio_pid=$!
    sleep 3
    check "fio is running before the removal" kill -0 $fio_pid
}
fio_end_after_removal() { # log n
    local i ended=0 rc
    for i in $(seq 1 60); do
        kill -0 $fio_pid 2>/dev/null || { ended=1; break; }
        sleep 0.5
    done
    check_eq "fio ends within 30 s of the removal (nothing hangs)" 1 "$ended"
    [ $ended -eq 0 ] && kill -9 $fio_pid 2>/dev/null
    wait $fio_pid
    rc=$?
    check "fio ends with an error" test $rc -ne 0
    grep -E 'err=|error' "$1" | head -"$2" | sed 's/^/    /'
}

# targetcli_run NAME ARGS...: runs `targetcli ARGS`, checks (as NAME) that it exits 0, shows
# its output indented and leaves it in $out for further checks.
targetcli_run() {
    local name=$1
    shift
    out=$(targetcli "$@" 2>&1)
    check "$name" test $? -eq 0
    printf '%s\n' "$out" | sed 's/^/    /'
}

# record_results: read "PASS: name" / "FAIL: name" lines (from a checker written in another
# language) on stdin and count them like checks; other lines are shown as details. Feed it
# with a redirection (record_results < <(cmd) or < file), not a pipe: a pipe runs it in a
# subshell and the counts are lost.
record_results() {
    local line
    while IFS= read -r line; do
        case $line in
            "PASS: "*) _lio_pass "${line#PASS: }" ;;
            "FAIL: "*) _lio_fail "${line#FAIL: }" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}

# The errno name an rmdir gets: OK on success.
cfs_rmdir() {
    python3 -c 'import os, sys, errno
try:
    os.rmdir(sys.argv[1]); print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$1"
}

# compare_device_dir REFDEV LIVE EXCLUDE: a device directory (LIVE, under $T) against the
# reference's REFDEV ($REF/configfs-tree.txt): names and modes of everything, and the values of
# every file whose path does not match the extended regex EXCLUDE. Results as checks.
compare_device_dir() {
    local refdev=$1 live=$2 exclude=$3 values
    values=$(sed -n "s|^f \($refdev/[^ ]*\) .*|\1|p" "$REF/configfs-tree.txt" | grep -Ev "$exclude")
    # shellcheck disable=SC2086  # one path per word
    record_results < <(python3 "$LIO_SRC/tests/guest/cfs_tree.py" compare "$REF/configfs-tree.txt" \
        "$refdev" --map "${live#$T/}=$refdev" --values $values 2>&1)
}

# ---- SCSI devices of the guest's own initiator (tcm_loop) ----

# The guest has no udev: make the device node from sysfs when devtmpfs did not. Prints it.
devnode() { # name c|b
    local n=$1 t=$2 d
    d=/sys/class/$([ "$t" = c ] && echo scsi_generic || echo block)/$n/dev
    [ -e "/dev/$n" ] || mknod "/dev/$n" "$t" $(tr ':' ' ' <"$d") 2>/dev/null
    echo "/dev/$n"
}
# The host number of the (first) tcm_loopback SCSI host.
loop_host() {
    local h
    for h in /sys/class/scsi_host/host*; do
        [ "$(cat "$h"/proc_name 2>/dev/null)" = tcm_loopback ] && { echo "${h##*host}"; return; }
    done
}
# The sdX / sgN name of the SCSI device H:C:T:L.
sd_of() { ls /sys/class/scsi_device/"$1"/device/block/ 2>/dev/null | head -1; }
sg_of() { ls /sys/class/scsi_device/"$1"/device/scsi_generic/ 2>/dev/null | head -1; }
# /dev/sdX of H:C:T:L, or nothing.
blkdev_of() {
    local sd
    sd=$(sd_of "$1")
    [ -n "$sd" ] && devnode "$sd" b
}
# After modprobe scsi_debug (one host, one disk): sets SDH to its host number and SDD to its
# disk's sdX name (waits up to 10 s for it; empty when none).
scsi_debug_disk() {
    local h i
    SDH=
    for h in /sys/class/scsi_host/host*; do
        [ "$(cat "$h"/proc_name 2>/dev/null)" = scsi_debug ] && SDH=${h##*host}
    done
    SDD=
    for i in $(seq 1 40); do SDD=$(sd_of "$SDH:0:0:0"); [ -n "$SDD" ] && break; sleep 0.25; done
}
md5() { md5sum | cut -c1-32; }
# Unit attentions pending on an I_T_L nexus (POWER ON for a new nexus, REPORTED LUNS DATA HAS
# CHANGED after another LUN was added, as stock LIO posts) fail the next command once, and
# sg3_utils do not retry: TEST UNIT READY until it passes (a few tries) before checking answers.
clear_ua() { # /dev/sgN or /dev/sdX
    local i
    for i in 1 2 3 4 5 6 7; do
        sg_turs "$1" >/dev/null 2>&1 && return 0
    done
    sg_turs "$1"
}

finish() {
    if [ "$LIO_SKIPPED" -gt 0 ]; then
        echo "$LIO_PASSED passed, $LIO_FAILED failed, $LIO_SKIPPED skipped"
    else
        echo "$LIO_PASSED passed, $LIO_FAILED failed"
    fi
    [ "$LIO_FAILED" -eq 0 ] || exit 1
    [ "$LIO_PASSED" -gt 0 ] || { echo "finish: no check ran"; exit 1; }
    exit 0
}

guest_log() {
    echo "# $*"
    echo "lio-test: $*" >/dev/kmsg 2>/dev/null || true
}

guest_configfs() {
    modprobe configfs 2>/dev/null || true
    if ! grep -q ' /sys/kernel/config configfs ' /proc/mounts; then
        mount -t configfs none /sys/kernel/config || return 1
    fi
}

guest_start_dbus() {
    [ -S /run/dbus/system_bus_socket ] && return 0
    mkdir -p /run/dbus
    dbus-daemon --system --fork >/dev/null 2>&1 || return 1
    _i=0
    while [ ! -S /run/dbus/system_bus_socket ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -S /run/dbus/system_bus_socket ]
}

guest_modprobe_initiators() {
    modprobe sd_mod && modprobe sg
}

guest_module_path() {
    modinfo -n "$1"
}

# ---- iSCSI: open-iscsi and libiscsi in the guest against the target in the same guest ----
#   lio_target_is_ours           true when modprobe picks our target_core_mod (updates/)
#   lio_mask_stock_if_ours       mask_stock_target_modules, but only with our modules installed
#                                (a run against stock LIO must load the stock fabric modules)
#   targetcli_batch NAME         one targetcli process fed the commands on stdin (one a line,
#                                colour and auto-save off); checks NAME: no "Error:" line; the
#                                output is left in $out
#   iscsi_start_iscsid           directories, iscsi_tcp/sd_mod/sg, iscsid (once), waits for it
#   iscsi_discover PORTAL [ARGS] SendTargets discovery (iscsiadm output on stdout, its status)
#   iscsi_node_set IQN PORTAL NAME VALUE [IFACE]   iscsiadm -m node -o update
#   iscsi_login IQN PORTAL [IFACE]                 iscsiadm --login (status of iscsiadm)
#   iscsi_logout_all             logs every session out, deletes the node records
#   iscsi_sid IQN PORTAL         the session id ("1") of the session to IQN at PORTAL, or nothing
#   iscsi_disk_of_session SID LUN   /dev/sdX of LUN in session SID (waits up to 20 s for the scan)
#   iscsi_conn_port PORTAL       the initiator's local TCP port of its connection to PORTAL
lio_target_is_ours() {
    case $(modinfo -n target_core_mod 2>/dev/null) in */updates/*) return 0 ;; esac
    return 1
}
lio_mask_stock_if_ours() {
    if lio_target_is_ours; then mask_stock_target_modules; else rm -f /etc/modprobe.d/lio-cxx-mask-stock.conf; fi
}

targetcli_batch() {
    local name=$1 cmds
    cmds=$(cat)
    out=$(printf 'set global color_mode=false\nset global auto_save_on_exit=false\n%s\nexit\n' "$cmds" |
        targetcli 2>&1)
    local errs
    errs=$(printf '%s\n' "$out" | grep -E '(^|[^A-Za-z])(Error|Critical): ')
    check_eq "$name" "" "$errs"
}

iscsi_start_iscsid() {
    local i
    mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi /var/lock/iscsi 2>/dev/null
    modprobe iscsi_tcp 2>/dev/null
    modprobe sd_mod 2>/dev/null
    modprobe sg 2>/dev/null
    if ! pidof iscsid >/dev/null; then
        iscsid || return 1
    fi
    for i in $(seq 1 50); do
        # 21: no session (the daemon answered); 20/other: not reachable yet
        iscsiadm -m session >/dev/null 2>&1
        case $? in 0 | 21) return 0 ;; esac
        sleep 0.1
    done
    return 1
}

iscsi_discover() { # portal [iscsiadm args]
    local p=$1
    shift
    iscsiadm -m discovery -t sendtargets -p "$p" "$@" 2>&1
}

iscsi_node_set() { # iqn portal name value [iface]
    iscsiadm -m node -T "$1" -p "$2" ${5:+-I "$5"} -o update -n "$3" -v "$4"
}

iscsi_login() { # iqn portal [iface]
    iscsiadm -m node -T "$1" -p "$2" ${3:+-I "$3"} --login 2>&1
}

iscsi_logout_all() {
    iscsiadm -m node --logoutall=all >/dev/null 2>&1
    iscsiadm -m node -o delete >/dev/null 2>&1
    local i
    for i in $(seq 1 50); do
        [ -z "$(ls /sys/class/iscsi_session 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

iscsi_sid() { # iqn portal -> session id
    # "tcp: [1] 127.0.0.1:3260,1 iqn.... (non-flash)"; IPv6 portals are shown as [::1]:3261
    iscsiadm -m session 2>/dev/null | awk -v t="$1" -v p="$2" \
        '$4 == t && index($3, p ",") == 1 { gsub(/[][]/, "", $2); print $2; exit }'
}

iscsi_disk_of_session() { # sid lun
    local sid=$1 lun=$2 i d sd
    for i in $(seq 1 100); do
        for d in /sys/class/iscsi_session/session"$sid"/device/target*/*:*:*:"$lun"; do
            [ -d "$d/block" ] || continue
            sd=$(ls "$d/block" | head -1)
            [ -n "$sd" ] && { devnode "$sd" b; return 0; }
        done
        sleep 0.2
    done
    return 1
}

# unload_target_modules: the end of an iSCSI script's teardown, after its target and backstores
# are deleted: removes the empty fabric directories and fileio/ramdisk HBAs, then checks
# "rmmod <the loaded target modules>" and "no target module left".
unload_target_modules() {
    local d h m mods
    for d in $T/*/; do case $d in */core/) ;; *) rmdir "$d" 2>/dev/null ;; esac; done
    for h in $T/core/fileio_* $T/core/rd_mcp_*; do [ -d "$h" ] && rmdir "$h"; done
    mods=$(for m in iscsi_target_mod target_core_file target_core_iblock target_core_pscsi target_core_user target_core_mod; do
        [ -e /sys/module/$m ] && echo $m; done | tr '\n' ' ')
    # shellcheck disable=SC2086  # one module a word
    check "rmmod $mods" rmmod $mods
    check "no target module left" sh -c '! ls -d /sys/module/target_core_* /sys/module/iscsi_target_mod 2>/dev/null | grep -q .'
}

iscsi_conn_port() { # portal "127.0.0.1:3260" -> the initiator's local port
    # the field before the peer address is the local address:port
    ss -Htn state established dst "$1" 2>/dev/null |
        awk -v p="$1" '{ for (i = 2; i <= NF; i++) if ($i == p) { n = split($(i - 1), a, ":"); print a[n]; exit } }'
}
