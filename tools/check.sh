#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: everything, in this order, on a fresh Debian 12 machine:
#   1. dependencies (tools/install-deps.sh)
#   2. host unit tests: plain, ASan+UBSan, bounded fuzzing       (tools/run-host-tests.sh)
#   3. the forbidden-symbol checker's own test                    (tests/build/)
#   4. the modules for both kernels (6.1 and 6.12), warnings = errors, subset checked
#   5. guest tests: each tests/guest/*.sh (not lib.sh) in a QEMU guest of each kernel with our
#      modules installed into updates/; the guest's dmesg is scanned by tools/vm-run
# Ends with the plain summary line "N passed, N failed" over all steps and guest checks.
#
# Environment: LIO_KERNELS="6.1 6.12" (which guests), LIO_GUEST_TESTS="core_configfs ..."
# (a subset of tests/guest), LIO_SKIP_HOST=1 (skip step 2 when iterating on guest tests).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${BUILD_ROOT:-$ROOT/build}
mkdir -p "$B"
passed=0
failed=0
failures=()

step() { # name command...
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

step "dependencies installed" tools/install-deps.sh

if [ "${LIO_SKIP_HOST:-0}" != 1 ]; then
	step "host unit tests (plain, ASan+UBSan, fuzz)" tools/run-host-tests.sh
fi
step "subset checker refuses forbidden objects" tests/build/test_check_subset.sh

# The harness itself, on 6.1 with the stock modules: a smoke test must pass, and a run whose
# kernel log shows a WARNING must fail with 90 even though its script passed.
harness_out=$B/guest/harness
rm -rf "$harness_out"
mkdir -p "$harness_out"
step "harness: stock LIO smoke test passes in a 6.1 guest" \
	tools/vm-run --kernel 6.1 --out "$harness_out/smoke" tests/harness/smoke_stock.sh
warn_run() {
	tools/vm-run --kernel 6.1 --out "$harness_out/warn" tests/harness/dmesg_warn.sh >"$harness_out/warn.log" 2>&1
	local rc=$?
	[ "$rc" -eq 90 ] || { echo "expected exit 90, got $rc"; tail -n 20 "$harness_out/warn.log"; return 1; }
}
step "harness: a WARNING in the guest's dmesg fails the run (exit 90)" warn_run

kernels=${LIO_KERNELS:-6.1 6.12}
declare -A kdir
for k in $kernels; do
	d=$(ls -d /lib/modules/"$k".*/build 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$d" ]; then
		step "kernel $k headers present" false
		continue
	fi
	kdir[$k]=$d
	step "modules build for $k ($(basename "$(dirname "$d")"))" make --no-print-directory modules KDIR="$d"
done

guest_tests=${LIO_GUEST_TESTS:-$(ls tests/guest/*.sh | xargs -n1 basename | sed 's/\.sh$//' | grep -v '^lib$')}
for k in $kernels; do
	[ -n "${kdir[$k]:-}" ] || continue
	kver=$(basename "$(dirname "${kdir[$k]}")")
	stage=$B/stage/$kver
	rm -rf "$stage"
	if ! step "modules_install for $k into a staging tree" \
		make --no-print-directory modules_install KDIR="${kdir[$k]}" INSTALL_MOD_PATH="$stage"; then
		continue
	fi
	for t in $guest_tests; do
		out=$B/guest/$kver/$t
		rm -rf "$out"
		mkdir -p "$out"
		echo "=== guest test $t on $kver"
		# A script asks for vm-run options (a virtio disk, ...) in a "# vm-run-args:" line.
		read -r -a vmargs < <(sed -n 's/^# vm-run-args: *//p' "tests/guest/$t.sh" | head -n 1)
		tools/vm-run --kernel "$k" --modules "$stage" "${vmargs[@]}" --out "$out" "tests/guest/$t.sh" 2>&1 | tee "$out/console.txt"
		rc=${PIPESTATUS[0]}
		gp=$(grep -c '^PASS: ' "$out/console.txt")
		gf=$(grep -c '^FAIL: ' "$out/console.txt")
		passed=$((passed + gp))
		failed=$((failed + gf))
		if [ "$rc" -ne 0 ] && [ "$gf" -eq 0 ]; then
			# The script passed its checks but the run failed (dmesg, timeout, boot).
			failed=$((failed + 1))
			failures+=("guest $t on $kver: run failed (exit $rc)")
		fi
		while read -r line; do failures+=("guest $t on $kver: ${line#FAIL: }"); done < <(grep '^FAIL: ' "$out/console.txt")
	done
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
	if [ -s "$B/host-failed-tests.txt" ]; then
		echo "Failed host tests (flavour: ctest number:name):"
		sed 's/^/    /' "$B/host-failed-tests.txt"
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
