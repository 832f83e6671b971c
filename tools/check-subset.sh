#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Refuses kernel objects that contain what lio-cxx's C++ subset forbids:
#   - std:: symbols (no libstdc++ in the kernel),
#   - __cxa_* other than __cxa_pure_virtual (exceptions, guards, atexit, ...),
#   - _Unwind_* and __gxx_personality* (exception unwinding),
#   - typeinfo (_ZTI, _ZTS) and virtual-base tables (_ZTT): RTTI and virtual inheritance,
#   - the unqualified operator new/new[] (_Znwm, _Znam): every allocation names its context,
#   - static constructors/destructors: .init_array/.ctors/.fini_array/.dtors sections or
#     _GLOBAL__sub_I_ / _GLOBAL__sub_D_ functions (the module loader never runs them),
#   - exception tables (.gcc_except_table).
# Usage: check-subset.sh FILE.ko|FILE.o...   Exit 1 and one line per violation if any.
set -u
NM=${NM:-nm}
READELF=${READELF:-readelf}
status=0
[ $# -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "check-subset: $f: no such file" >&2
		status=1
		continue
	fi
	syms=$("$NM" -a "$f" 2>/dev/null | awk '{print $NF}') || { echo "check-subset: $f: nm failed" >&2; status=1; continue; }
	bad=$(printf '%s\n' "$syms" | grep -E \
		'^_ZN?K?St|^_ZS[absiod]|^__cxa_|^_Unwind_|^__gxx_personality|^_ZT[IST]|^_Zn[wa][mj]$|^_GLOBAL__sub_[ID]_' |
		grep -vx '__cxa_pure_virtual' | sort -u)
	if [ -n "$bad" ]; then
		while read -r s; do
			demangled=$(printf '%s\n' "$s" | c++filt)
			echo "check-subset: $f: forbidden symbol $s ($demangled)"
		done <<<"$bad"
		status=1
	fi
	secs=$("$READELF" -S -W "$f" 2>/dev/null | grep -oE '\.(init_array|ctors|fini_array|dtors|gcc_except_table)[.0-9A-Za-z_]*' | sort -u)
	if [ -n "$secs" ]; then
		for s in $secs; do echo "check-subset: $f: forbidden section $s"; done
		status=1
	fi
done
exit $status
