#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Negative self-test of the harness: the script passes, but the kernel log gets a WARNING line,
# so tools/vm-run must fail the run with exit 90. tools/check.sh expects exactly that.
. "${LIO_SRC:?run me through tools/vm-run}/tests/guest/lib.sh"
check "write a fake WARNING into the kernel log" sh -c "echo '<4>WARNING: lio-cxx harness self-test' > /dev/kmsg"
finish
