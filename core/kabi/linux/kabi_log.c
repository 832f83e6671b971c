// SPDX-License-Identifier: GPL-2.0
/* kabi/log.h over printk and vscnprintf. */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "kabi/log.h"

void kabi_log(enum kabi_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case KABI_LOG_ERR:
		pr_err("%pV", &vaf);
		break;
	case KABI_LOG_WARNING:
		pr_warn("%pV", &vaf);
		break;
	case KABI_LOG_NOTICE:
		pr_notice("%pV", &vaf);
		break;
	case KABI_LOG_INFO:
		pr_info("%pV", &vaf);
		break;
	default:
		pr_debug("%pV", &vaf);
		break;
	}
	va_end(args);
}
EXPORT_SYMBOL_GPL(kabi_log);

int32_t kabi_snprintf(char *buf, uint64_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	if (size > INT_MAX)
		size = INT_MAX;
	va_start(args, fmt);
	n = vscnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}
EXPORT_SYMBOL_GPL(kabi_snprintf);
