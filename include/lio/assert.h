// SPDX-License-Identifier: GPL-2.0
/*
 * lio/assert.h: run-time checks.
 *
 * LIO_ASSERT(expr): a debug check that reports through kabi_assert_failed (a WARN in the
 *   kernel, an abort or a recorded failure on the host) and then CONTINUES, as WARN_ON does.
 *   Use it where carrying on is still memory-safe.
 * LIO_VERIFY(expr): reports, then halts (BUG: an invalid-opcode oops in the kernel, SIGILL on
 *   the host). Only for invariants whose violation would otherwise corrupt memory, such as an
 *   index past the end of a span. Wire input is never checked with these: it gets a Result.
 */
#ifndef LIO_ASSERT_H
#define LIO_ASSERT_H

#include "kabi/sync.h" // kabi_assert_failed

namespace lio {

[[noreturn]] inline void halt() { __builtin_trap(); }

} // namespace lio

#define LIO_ASSERT(expr)                                                                   \
	do {                                                                               \
		if (__builtin_expect(!(expr), 0))                                          \
			kabi_assert_failed(#expr, __FILE__, __LINE__);                     \
	} while (0)

#define LIO_VERIFY(expr)                                                                   \
	do {                                                                               \
		if (__builtin_expect(!(expr), 0)) {                                        \
			kabi_assert_failed(#expr, __FILE__, __LINE__);                     \
			::lio::halt();                                                     \
		}                                                                          \
	} while (0)

#endif // LIO_ASSERT_H
