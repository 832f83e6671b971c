// SPDX-License-Identifier: GPL-2.0
/*
 * lio/log.h: log lines, printf-style with format checking (see lio/printf.h).
 *
 *   log_err("iscsi: login from %s refused: %d\n", name, err);
 *
 * Formats are plain printf ones (no kernel %p extensions) and should end with "\n"; the C
 * layer adds the module prefix. err: operation failed; warn: something odd but handled;
 * notice/info: configuration events; debug: compiled in, enabled by dynamic debug.
 * Never log per I/O on a hot path without rate limiting.
 */
#ifndef LIO_LOG_H
#define LIO_LOG_H

#include "kabi/log.h"
#include "lio/printf.h"

namespace lio {

#if LIO_HAVE_VA_ARG_PACK
#define LIO_DEFINE_LOG(name, level)                                                         \
	LIO_PRINTF_WRAPPER(1, 2) void name(const char *fmt, ...) {                         \
		kabi_log(level, fmt, __builtin_va_arg_pack());                              \
	}
#else
#define LIO_DEFINE_LOG(name, level)                                                         \
	template <typename... Args> inline void name(const char *fmt, Args... args) {       \
		_Pragma("clang diagnostic push")                                           \
		_Pragma("clang diagnostic ignored \"-Wformat-security\"")                  \
		_Pragma("clang diagnostic ignored \"-Wformat-nonliteral\"")                \
		kabi_log(level, fmt, args...);                                              \
		_Pragma("clang diagnostic pop")                                            \
	}
#endif

LIO_DEFINE_LOG(log_err, KABI_LOG_ERR)
LIO_DEFINE_LOG(log_warn, KABI_LOG_WARNING)
LIO_DEFINE_LOG(log_notice, KABI_LOG_NOTICE)
LIO_DEFINE_LOG(log_info, KABI_LOG_INFO)
LIO_DEFINE_LOG(log_debug, KABI_LOG_DEBUG)

#undef LIO_DEFINE_LOG

} // namespace lio

#endif // LIO_LOG_H
