#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump a configfs tree in the reference format and compare it with a reference.

  cfs_tree.py dump [ROOT]                  print "d path mode" / "f path mode = first line"
                                           / "l path -> target" for ROOT (default
                                           /sys/kernel/config/target)
  cfs_tree.py write PATH VALUE             write VALUE (one write(2) call, like echo) and
                                           print "OK" or the errno's name (EINVAL, ...);
                                           exit 0 either way, 2 on usage errors
  cfs_tree.py compare REF PREFIX... [--map LIVE=REF]... [--values PATH...]
                                           compare the live tree with REF for the paths under
                                           each PREFIX: names and modes always, values only
                                           for the listed PATHs; prints one PASS/FAIL line per
                                           PREFIX with what is missing, extra or different.
                                           --map: live paths under LIVE are compared as if they
                                           were under REF (e.g. core/rd_mcp_0/rd0=core/rd_mcp_1/rd0
                                           when the HBA index differs); PREFIX and PATH name the
                                           reference's paths.
"""
import errno
import os
import stat
import sys

ROOT = "/sys/kernel/config/target"


def first_line(path):
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
    except OSError as e:
        return "<unreadable: %s>" % e.strerror
    return data.decode("utf-8", "replace").split("\n", 1)[0]


def walk(root):
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            path = name if rel == "." else os.path.join(rel, name)
            st = os.lstat(full)
            mode = "%o" % stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                entries[path] = ("l", mode, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                entries[path] = ("d", mode, None)
            else:
                value = first_line(full) if st.st_mode & 0o444 else None
                entries[path] = ("f", mode, value)
    return entries


def parse_reference(ref):
    entries = {}
    with open(ref) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0] not in "dfl" or line[1] != " ":
                continue
            kind, rest = line[0], line[2:]
            if kind == "f":
                head, _, value = rest.partition(" = ")
                path, mode = head.rsplit(" ", 1)
                entries[path] = ("f", mode, value)
            elif kind == "l":
                head, _, target = rest.partition(" -> ")
                path, mode = head.rsplit(" ", 1) if " " in head else (head, "777")
                entries[path] = ("l", mode, target)
            else:
                path, mode = rest.rsplit(" ", 1)
                entries[path] = ("d", mode, None)
    return entries


def under(path, prefix):
    return path == prefix or path.startswith(prefix + "/")


def apply_map(live, maps):
    if not maps:
        return live
    mapped = {}
    for path, entry in live.items():
        for frm, to in maps:
            if under(path, frm):
                path = to + path[len(frm):]
                break
        mapped[path] = entry
    return mapped


def compare(ref_file, prefixes, value_paths, maps=()):
    ref = parse_reference(ref_file)
    live = apply_map(walk(ROOT), maps)
    failed = 0
    for prefix in prefixes:
        problems = []
        rp = {p: v for p, v in ref.items() if under(p, prefix)}
        lp = {p: v for p, v in live.items() if under(p, prefix)}
        for p in sorted(set(rp) - set(lp)):
            problems.append("missing %s %s" % (rp[p][0], p))
        for p in sorted(set(lp) - set(rp)):
            problems.append("extra %s %s" % (lp[p][0], p))
        for p in sorted(set(rp) & set(lp)):
            if rp[p][0] != lp[p][0]:
                problems.append("%s: type %s, reference %s" % (p, lp[p][0], rp[p][0]))
            elif rp[p][1] != lp[p][1]:
                problems.append("%s: mode %s, reference %s" % (p, lp[p][1], rp[p][1]))
            elif p in value_paths and rp[p][2] != lp[p][2]:
                problems.append("%s: value %r, reference %r" % (p, lp[p][2], rp[p][2]))
        if not rp:
            problems.append("reference has nothing under %s" % prefix)
        if problems:
            failed += 1
            print("FAIL: configfs %s matches the reference" % prefix)
            for line in problems:
                print("    " + line)
        else:
            print("PASS: configfs %s matches the reference (%d entries)" % (prefix, len(rp)))
    return failed


def main(argv):
    if len(argv) >= 2 and argv[1] == "dump":
        root = argv[2] if len(argv) > 2 else ROOT
        for path, (kind, mode, value) in sorted(walk(root).items()):
            if kind == "f":
                print("f %s %s = %s" % (path, mode, value if value is not None else ""))
            elif kind == "l":
                print("l %s -> %s" % (path, value))
            else:
                print("d %s %s" % (path, mode))
        return 0
    if len(argv) == 4 and argv[1] == "write":
        try:
            fd = os.open(argv[2], os.O_WRONLY)
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)))
            return 0
        try:
            os.write(fd, os.fsencode(argv[3]))
            print("OK")
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)))
        finally:
            os.close(fd)
        return 0
    if len(argv) >= 4 and argv[1] == "compare":
        args = argv[3:]
        values = []
        if "--values" in args:
            i = args.index("--values")
            values = args[i + 1:]
            args = args[:i]
        maps = []
        while "--map" in args:
            i = args.index("--map")
            if i + 1 >= len(args) or "=" not in args[i + 1]:
                print(__doc__, file=sys.stderr)
                return 2
            frm, _, to = args[i + 1].partition("=")
            maps.append((frm.rstrip("/"), to.rstrip("/")))
            del args[i:i + 2]
        return 1 if compare(argv[2], args, set(values), maps) else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
