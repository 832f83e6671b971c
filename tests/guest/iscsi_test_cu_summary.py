#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-test-instance counts of an `iscsi-test-cu` run (libiscsi 1.19, verbose or normal mode).

Usage: iscsi_test_cu_summary.py OUTPUT.txt [--passed-names FILE] [--flaky NAME...] [--details]

Prints one line: "PASSED FAILED NOT_IMPLEMENTED SKIPPED EXERCISED FLAKY_PASSED", where
  PASSED           test instances CUnit counted as passed (a name runs in several families,
                   e.g. SCSI.Read10 and ALL.Read10: each run is one instance; 615 in all)
  FAILED           instances that failed
  NOT_IMPLEMENTED  passed instances that printed "[SKIPPED] ... not implemented" (also libiscsi's
                   "is not working/implemented" for task management functions): CUnit counts them
                   as passed although nothing was exercised
  SKIPPED          passed instances that printed any "[SKIPPED]" line (NOT_IMPLEMENTED included)
  EXERCISED        passed instances with no "[SKIPPED]" and no "[FAILED]" line (a "[FAILED]"
                   line can follow a "passed" when the test's clean-up fails)
  FLAKY_PASSED     passed instances of the names given with --flaky
--passed-names FILE: writes the sorted test names (Suite.Test) all of whose instances passed
while exercising their feature.
--details: the failed names with their instance counts and the not-implemented suites, as in
../shared/reference/lio-6.1/iscsi-test-cu.txt, on stderr.

On stock LIO 6.1 the reference run gives 539 76 168 265 272; the counting rules above were
checked against it (the per-suite not-implemented counts and failed names match).

The output format: "Suite: NAME" starts a suite, "  Test: NAME ..." starts an instance; what the
test prints follows on the same line and the next ones; CUnit ends it with "passed" or "FAILED"
(alone or at the end of a line, sometimes followed on that line by clean-up messages, which
are not counted for the test).
"""

import argparse
import collections
import re
import sys

SUITE_RE = re.compile(r"^Suite: (\S+)")
TEST_RE = re.compile(r"^  Test: (.*?) \.\.\.(.*)$")
RESULT_RE = re.compile(r"(?:^|\s)(passed|FAILED)(?=\s|$)")
NOT_IMPL_RE = re.compile(r"\[SKIPPED\][^\n]*not (?:working/)?implemented")


def parse(path):
    suite = None
    cur = None
    instances = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = SUITE_RE.match(line)
            if m:
                suite, cur = m.group(1), None
                continue
            m = TEST_RE.match(line)
            if m and suite:
                cur = {"suite": suite, "name": suite + "." + m.group(1), "text": [m.group(2)]}
                instances.append(cur)
                continue
            if line.startswith("Run Summary"):
                cur = None
                continue
            if cur is not None:
                cur["text"].append(line)
    for i in instances:
        text = "\n".join(i["text"])
        m = RESULT_RE.search(text)
        i["result"] = m.group(1) if m else None
        # What follows the result belongs to the suite's clean-up (libiscsi's suite_cleanup
        # clears persistent reservations and says "[SKIPPED] PERSISTENT RESERVE IN is not
        # implemented" when there are none), not to this test.
        if m:
            text = text[:m.start()]
        i["skipped"] = "[SKIPPED]" in text
        i["not_impl"] = bool(NOT_IMPL_RE.search(text))
        i["failed_line"] = "[FAILED]" in text
    return instances


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--passed-names")
    ap.add_argument("--flaky", nargs="*", default=[])
    ap.add_argument("--details", action="store_true")
    a = ap.parse_args()
    inst = parse(a.output)
    if not inst:
        print("no test instance found in " + a.output, file=sys.stderr)
        return 1
    passed = [i for i in inst if i["result"] == "passed"]
    failed = [i for i in inst if i["result"] != "passed"]
    not_impl = [i for i in passed if i["not_impl"]]
    skipped = [i for i in passed if i["skipped"]]
    exercised = [i for i in passed if not i["skipped"] and not i["failed_line"]]
    flaky = [i for i in passed if i["name"] in set(a.flaky)]
    print(len(passed), len(failed), len(not_impl), len(skipped), len(exercised), len(flaky))
    if a.passed_names:
        by_name = collections.defaultdict(list)
        for i in inst:
            by_name[i["name"]].append(i)
        good = sorted(n for n, l in by_name.items()
                      if all(i["result"] == "passed" and not i["skipped"] and not i["failed_line"]
                             for i in l))
        with open(a.passed_names, "w") as f:
            f.write("".join(n + "\n" for n in good))
    if a.details:
        print("# failed (instances x name):", file=sys.stderr)
        for n, c in sorted(collections.Counter(i["name"] for i in failed).items()):
            print("%7d %s" % (c, n), file=sys.stderr)
        print("# passed only as 'not implemented' skips (instances x suite):", file=sys.stderr)
        for n, c in collections.Counter(i["suite"] for i in not_impl).most_common():
            print("%7d %s" % (c, n), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
