#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The subset checker (tools/check-subset.sh) must refuse each forbidden construct and accept
# a clean object. Each case is compiled as C++ with the flags that would let it through the
# compiler (e.g. -fexceptions for a throw): the checker is the last line of defence.
set -u
cd "$(dirname "$0")/../.."
CHECK=$PWD/tools/check-subset.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

expect() { # verdict name flags... -- source
	local verdict=$1 name=$2
	shift 2
	local flags=()
	while [ "$1" != "--" ]; do flags+=("$1"); shift; done
	shift
	printf '%s\n' "$1" >"$T/$name.cpp"
	if ! g++ -std=gnu++17 -O1 -c "${flags[@]}" -o "$T/$name.o" "$T/$name.cpp" 2>"$T/$name.err"; then
		echo "FAIL: $name (did not compile)"; cat "$T/$name.err"; failed=$((failed + 1)); return
	fi
	if "$CHECK" "$T/$name.o" >"$T/$name.out" 2>&1; then got=accept; else got=refuse; fi
	if [ "$got" = "$verdict" ]; then
		echo "PASS: checker ${verdict}s $name"; passed=$((passed + 1))
	else
		echo "FAIL: checker should $verdict $name"; cat "$T/$name.out"; failed=$((failed + 1))
	fi
}

NOEXC="-fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -fno-asynchronous-unwind-tables"
expect accept clean $NOEXC -- 'struct B { virtual int f() = 0; virtual ~B(); }; struct D final : B { int f() override { return 1; } }; B::~B() {} int g(B& b) { return b.f(); } void* operator new(unsigned long, int) noexcept; D* mk() { return new (0) D; }'
expect refuse throw -fexceptions -- 'int f(int x) { if (x) throw 1; return 0; }'
expect refuse try_catch -fexceptions -- 'void g(); int f() { try { g(); } catch (...) { return 1; } return 0; }'
expect refuse typeinfo -frtti -- 'struct B { virtual ~B(); }; B::~B() {}'
expect refuse static_ctor $NOEXC -- 'int h(); struct S { int v; S() : v(h()) {} }; S s;'
expect refuse guarded_static -fno-exceptions -fno-rtti -fthreadsafe-statics -- 'int h(); int f() { static int v = h(); return v; }'
expect refuse std_symbol $NOEXC -- 'namespace std { int hidden(int x) { return x + 1; } }'
expect refuse plain_new $NOEXC -- 'struct S { int a; }; S* f() { return new S; }'
expect refuse atexit_dtor -fno-exceptions -fno-rtti -fuse-cxa-atexit -- 'struct S { ~S(); }; S s;'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
