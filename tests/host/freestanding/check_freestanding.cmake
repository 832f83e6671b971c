# SPDX-License-Identifier: GPL-2.0
#
# ctest freestanding_headers: include/lio must build as kernel C++ (no libstdc++, no libc).
#   1. every include/lio/*.h alone, as gnu++17 and as gnu++20: g++ -fsyntax-only with
#      -nostdinc and not even the compiler's own headers (stricter than the kernel build,
#      which could use <stddef.h>);
#   2. all_headers.cpp (every header, templates instantiated) and core/runtime/cxxrt.cpp:
#      compiled to objects with the kernel module's C++ flags (tools/kbuild/cxx.mk's subset
#      and warning flags, gnu++20 as there, x86-64 kernel ABI, retpolines);
#   3. their symbols: nothing the subset forbids (std::, __cxa_* but __cxa_pure_virtual,
#      unwinding, typeinfo, plain operator new, static constructors, exception tables), and
#      no undefined symbol outside what a module may import.
# Usage: cmake -DCXX=g++ -DNM=nm -DREADELF=readelf -DSRC=<repo> -DOUT=<dir> -P this-file
cmake_minimum_required(VERSION 3.25)

foreach(v CXX NM READELF SRC OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_freestanding: -D${v}=... missing")
  endif()
endforeach()
file(MAKE_DIRECTORY "${OUT}")

execute_process(COMMAND "${CXX}" -print-file-name=include
                OUTPUT_VARIABLE gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)

# As tools/kbuild/cxx.mk (lio-cxx-only), minus -std, which is set per step.
set(subset_flags -ffreestanding -fno-exceptions -fno-rtti
    -fno-threadsafe-statics -fno-use-cxa-atexit -nostdinc -nostdinc++
    -fno-asynchronous-unwind-tables -fno-unwind-tables -funsigned-char
    -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wnon-virtual-dtor
    -Woverloaded-virtual -Wimplicit-fallthrough=5 -Wvla -Wframe-larger-than=2048 -Werror
    -I${SRC}/include -I${SRC}/core/kabi/host)
set(kernel_abi_flags -O2 -mcmodel=kernel -mno-red-zone -fno-PIE -fno-pic
    -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -mno-80387 -mno-fp-ret-in-387
    -mindirect-branch=thunk-extern -mindirect-branch-register -mfunction-return=thunk-extern
    -fstack-protector-strong -fno-strict-aliasing -fno-common)

set(failures 0)

# 1. each header on its own
file(GLOB headers "${SRC}/include/lio/*.h")
list(LENGTH headers nheaders)
if(nheaders EQUAL 0)
  message(FATAL_ERROR "no headers under ${SRC}/include/lio")
endif()
foreach(std gnu++17 gnu++20)
  foreach(h ${headers})
    execute_process(COMMAND "${CXX}" -std=${std} ${subset_flags} -x c++ -fsyntax-only "${h}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "not freestanding (${std}): ${h}\n${out}")
      math(EXPR failures "${failures} + 1")
    endif()
  endforeach()
endforeach()

# 2. objects with the kernel's flags (and the compiler's freestanding headers allowed)
set(objects)
foreach(src "${SRC}/tests/host/freestanding/all_headers.cpp" "${SRC}/core/runtime/cxxrt.cpp")
  get_filename_component(name "${src}" NAME_WE)
  set(obj "${OUT}/${name}.o")
  execute_process(COMMAND "${CXX}" -std=gnu++20 ${subset_flags} -isystem "${gcc_include}"
                          ${kernel_abi_flags}
                          -c "${src}" -o "${obj}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "kernel-flags compile failed: ${src}\n${out}")
    math(EXPR failures "${failures} + 1")
  else()
    list(APPEND objects "${obj}")
  endif()
endforeach()

# 3. symbols and sections
set(forbidden "^(_ZN?K?St|_ZS[absiod]|__cxa_|_Unwind_|__gxx_personality|_ZT[IST]|_Zn[wa]m$|_GLOBAL__sub_[ID]_|__dso_handle)")
# What a lio module may import: the boundary, the deletes and Gfp news of lio/alloc.h,
# __cxa_pure_virtual (cxxrt.cpp), and what GCC emits calls to in kernel code.
set(allowed_undefined "^(kabi_.*|_Zd[la]Pv(m)?|_Zn[wa]mN3lio3GfpE|__cxa_pure_virtual|mem(cpy|set|move|cmp)|strlen|__stack_chk_fail|__x86_indirect_thunk_.*|__x86_return_thunk)$")
foreach(obj ${objects})
  execute_process(COMMAND "${NM}" "${obj}" OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "nm failed on ${obj}")
    math(EXPR failures "${failures} + 1")
    continue()
  endif()
  string(REPLACE "\n" ";" lines "${syms}")
  foreach(line ${lines})
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    endif()
    string(REGEX MATCH "[^ ]+$" sym "${line}")
    if(sym MATCHES "${forbidden}" AND NOT sym STREQUAL "__cxa_pure_virtual")
      message(SEND_ERROR "${obj}: forbidden symbol ${sym}")
      math(EXPR failures "${failures} + 1")
    endif()
    if(line MATCHES "^U " AND NOT sym MATCHES "${allowed_undefined}")
      message(SEND_ERROR "${obj}: unexpected undefined symbol ${sym}")
      math(EXPR failures "${failures} + 1")
    endif()
  endforeach()
  execute_process(COMMAND "${READELF}" -S -W "${obj}" OUTPUT_VARIABLE sections)
  if(sections MATCHES "\\.(init_array|ctors|fini_array|dtors|gcc_except_table)")
    message(SEND_ERROR "${obj}: static constructors or exception tables (${CMAKE_MATCH_0})")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "freestanding check: ${failures} problem(s)")
endif()
list(LENGTH objects nobjects)
message(STATUS "freestanding check: ${nheaders} headers and ${nobjects} objects clean")
