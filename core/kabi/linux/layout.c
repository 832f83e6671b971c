// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled to assembly only: Kbuild turns the DEFINE() lines below into
 * generated/kabi_layout.h, the sizes of kernel objects that C++ objects embed (kabi/layout.h).
 */
#include <linux/completion.h>
#include <linux/kbuild.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

void kabi_layout(void);
void kabi_layout(void)
{
	DEFINE(KABI_MUTEX_SIZE, sizeof(struct mutex));
	DEFINE(KABI_SPINLOCK_SIZE, sizeof(spinlock_t));
	DEFINE(KABI_LOCK_CLASS_KEY_SIZE, sizeof(struct lock_class_key));
	DEFINE(KABI_MUTEX_ALIGN, __alignof__(struct mutex));
	DEFINE(KABI_SPINLOCK_ALIGN, __alignof__(spinlock_t));
	DEFINE(KABI_COMPLETION_SIZE, sizeof(struct completion));
	DEFINE(KABI_COMPLETION_ALIGN, __alignof__(struct completion));
	DEFINE(KABI_LOCK_CLASS_KEY_ALIGN, __alignof__(struct lock_class_key));
}
