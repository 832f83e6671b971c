// SPDX-License-Identifier: GPL-2.0
/*
 * lio/printf.h: how lio's printf-style wrappers forward their arguments.
 *
 * The boundary has only variadic functions (kabi_log, kabi_snprintf), no va_list forms, so a
 * wrapper cannot pass its "..." on through a va_list. With GCC (kernel and host builds) the
 * wrappers are always-inline gnu_inline functions that forward with __builtin_va_arg_pack()
 * and carry format(printf) checking at every call site. clang (the host fuzz build) lacks
 * __builtin_va_arg_pack: there they are variadic templates without format checking, which
 * the GCC builds still provide. Never take a wrapper's address (it has no body to point at).
 */
#ifndef LIO_PRINTF_H
#define LIO_PRINTF_H

#if defined(__clang__)
#define LIO_HAVE_VA_ARG_PACK 0
#else
#define LIO_HAVE_VA_ARG_PACK 1
// fmt_index/first_arg as for __attribute__((format)); count `this` in member functions.
#define LIO_PRINTF_WRAPPER(fmt_index, first_arg)                                            \
	__attribute__((always_inline, gnu_inline, format(printf, fmt_index, first_arg))) inline
#endif

#endif // LIO_PRINTF_H
