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

run cmake -S . -B "$B/host" -DCMAKE_BUILD_TYPE=Debug -DLIO_WERROR=ON >/dev/null
run cmake --build "$B/host" -j"$J"
run ctest --test-dir "$B/host" --output-on-failure -j"$J"

run cmake -S . -B "$B/host-asan" -DCMAKE_BUILD_TYPE=Debug -DLIO_SANITIZE=ON -DLIO_WERROR=ON >/dev/null
run cmake --build "$B/host-asan" -j"$J"
run ctest --test-dir "$B/host-asan" --output-on-failure -j"$J"

run env CC=clang CXX=clang++ cmake -S . -B "$B/fuzz" -DCMAKE_BUILD_TYPE=Debug -DLIO_FUZZ=ON >/dev/null
run cmake --build "$B/fuzz" -j"$J"
run ctest --test-dir "$B/fuzz" --output-on-failure -L fuzz

exit $status
