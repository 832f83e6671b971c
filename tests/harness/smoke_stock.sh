#!/bin/bash
# Harness smoke test with the STOCK LIO modules (no --modules):
#   tools/vm-run --kernel 6.1 tests/harness/smoke_stock.sh
#   tools/vm-run --kernel 6.12 tests/harness/smoke_stock.sh
. "${LIO_SRC:?run me through tools/vm-run}/tests/guest/lib.sh"

check_eq "running in the guest" 1 "${LIO_GUEST:-}"
check "configfs mounted" guest_configfs
check "modprobe target_core_mod" modprobe target_core_mod
check_match "target_core_mod is the stock module" '/kernel/drivers/target/' "$(guest_module_path target_core_mod)"
check "configfs target/version exists" test -e /sys/kernel/config/target/version
check_match "target/version names LIO" 'Target Engine Core' "$(cat /sys/kernel/config/target/version 2>&1)"
check_fails "writing to the read-only target/version fails" sh -c 'echo x > /sys/kernel/config/target/version'
check "start D-Bus" guest_start_dbus
check "targetcli ls" targetcli ls
# targetcli creates target/FABRIC for every fabric it can load (iscsi_target_mod, ...): each
# such configfs group pins its module, so remove the groups, then the fabric modules
# shellcheck disable=SC2317  # called through check
unload_target() {
    for d in /sys/kernel/config/target/*/; do
        case $d in */core/) ;; *) rmdir "$d" 2>/dev/null ;; esac
    done
    for h in /sys/module/target_core_mod/holders/*; do
        [ -e "$h" ] && { rmmod "$(basename "$h")" || return 1; }
    done
    rmmod target_core_mod
}
check "rmmod target_core_mod (and the fabrics targetcli loaded)" unload_target
check_fails "target_core_mod is gone" sh -c 'grep -q "^target_core_mod " /proc/modules'
finish
