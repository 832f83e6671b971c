#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host unit tests over the host build of the engine: plain, then ASan+UBSan, then a bounded
# libFuzzer run. Prints ctest's own summaries; exits non-zero if any flavour fails.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_ROOT:-$PWD/build}
J=$(nproc)
status=0
run() { echo "+ $*"; "$@" || status=1; }
# The names of failed tests, per flavour, for check.sh's closing summary.
FAILED_LIST=$B/host-failed-tests.txt
: >"$FAILED_LIST"
tests() { # flavour build-dir ctest-args...
	local flavour=$1 dir=$2
	shift 2
	local f=$dir/Testing/Temporary/LastTestsFailed.log
	rm -f "$f"
	run ctest --test-dir "$dir" --output-on-failure "$@"
	if [ -s "$f" ]; then sed "s/^/$flavour: /" "$f" >>"$FAILED_LIST"; fi
}

run cmake -S . -B "$B/host" -DCMAKE_BUILD_TYPE=Debug -DLIO_WERROR=ON >/dev/null
run cmake --build "$B/host" -j"$J"
tests plain "$B/host" -j"$J"

run cmake -S . -B "$B/host-asan" -DCMAKE_BUILD_TYPE=Debug -DLIO_SANITIZE=ON -DLIO_WERROR=ON >/dev/null
run cmake --build "$B/host-asan" -j"$J"
tests asan "$B/host-asan" -j"$J"

run env CC=clang CXX=clang++ cmake -S . -B "$B/fuzz" -DCMAKE_BUILD_TYPE=Debug -DLIO_FUZZ=ON >/dev/null
run cmake --build "$B/fuzz" -j"$J"
tests fuzz "$B/fuzz" -L fuzz

exit $status
