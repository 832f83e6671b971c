/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging and formatting across the boundary. Formats are plain printf ones (no %p extensions)
 * so the host implementation can hand them to vsnprintf unchanged.
 */
#ifndef KABI_LOG_H
#define KABI_LOG_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

enum kabi_log_level {
	KABI_LOG_ERR = 3,
	KABI_LOG_WARNING = 4,
	KABI_LOG_NOTICE = 5,
	KABI_LOG_INFO = 6,
	KABI_LOG_DEBUG = 7,
};

/* One log line. The C layer adds the module prefix; fmt should end with "\n". */
void kabi_log(enum kabi_log_level level, const char *fmt, ...) KABI_PRINTF(2, 3);

/* Formats into buf (size bytes, always NUL-terminated when size > 0). Returns the number of
 * characters written, excluding the NUL (scnprintf semantics: never more than size - 1). */
int32_t kabi_snprintf(char *buf, uint64_t size, const char *fmt, ...) KABI_PRINTF(3, 4);

KABI_END_DECLS

#endif /* KABI_LOG_H */
