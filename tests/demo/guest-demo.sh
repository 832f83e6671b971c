#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: what a storage admin would type, with our modules installed.
. "$(dirname "$0")/../guest/lib.sh"
set -u
guest_configfs
guest_start_dbus
say() { printf '\n### %s\n' "$*"; }
run() { printf '# %s\n' "$*"; "$@"; }

say "Our target_core_mod is the one modprobe picks (installed under updates/)"
run modprobe target_core_mod
run modinfo -F version target_core_mod
run modinfo -n target_core_mod

say "Its configfs tree, as LIO lays it out"
run cat /sys/kernel/config/target/version
run python3 "$LIO_SRC/tests/guest/cfs_tree.py" dump

say "Unmodified rtslib and targetcli drive it"
run python3 -c 'import rtslib_fb; r = rtslib_fb.RTSRoot(); print("rtslib dbroot:", r.dbroot)'
run targetcli ls /backstores
run targetcli ls /loopback

say "ALUA LU groups: create, number, refuse a duplicate id, remove"
G=/sys/kernel/config/target/core/alua/lu_gps
run mkdir $G/site_a $G/site_b
run bash -c "echo 10 > $G/site_a/lu_gp_id"
run bash -c "echo 10 > $G/site_b/lu_gp_id" || echo "(refused, as it should be: id 10 is taken)"
run bash -c "dmesg | tail -n 1 | sed 's/^\[ *[0-9.]*\] /kernel log: /'"
run rmdir $G/site_a $G/site_b

say "Unload: nothing left behind"
run rmmod target_core_mod
run test ! -e /sys/kernel/config/target && echo "configfs target/ is gone"
echo
echo "Backstores (issue 3), loopback (issue 4) and iSCSI (issue 5) join this demo as they land."
