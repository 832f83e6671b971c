// SPDX-License-Identifier: GPL-2.0
/* kabi/mem.h over the slab allocator, with a live-allocation count for leak checks at unload. */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kabi/mem.h"

static atomic64_t kabi_live_allocs = ATOMIC64_INIT(0);

static gfp_t kabi_gfp_flags(enum kabi_gfp gfp)
{
	switch (gfp) {
	case KABI_GFP_KERNEL:
		return GFP_KERNEL;
	case KABI_GFP_NOFS:
		return GFP_NOFS;
	case KABI_GFP_NOIO:
		return GFP_NOIO;
	case KABI_GFP_ATOMIC:
		return GFP_ATOMIC;
	case KABI_GFP_NOWAIT:
		return GFP_NOWAIT;
	}
	WARN_ONCE(1, "kabi: unknown allocation context %d\n", (int)gfp);
	return GFP_NOWAIT;
}

static void *kabi_do_alloc(uint64_t size, gfp_t flags)
{
	void *p;

	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	p = kmalloc(size, flags | __GFP_NOWARN);
	if (p)
		atomic64_inc(&kabi_live_allocs);
	return p;
}

void *kabi_alloc(uint64_t size, enum kabi_gfp gfp)
{
	return kabi_do_alloc(size, kabi_gfp_flags(gfp));
}
EXPORT_SYMBOL_GPL(kabi_alloc);

void *kabi_zalloc(uint64_t size, enum kabi_gfp gfp)
{
	return kabi_do_alloc(size, kabi_gfp_flags(gfp) | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(kabi_zalloc);

void kabi_free(void *p)
{
	if (!p)
		return;
	atomic64_dec(&kabi_live_allocs);
	kfree(p);
}
EXPORT_SYMBOL_GPL(kabi_free);

int64_t kabi_mem_live(void)
{
	return atomic64_read(&kabi_live_allocs);
}
EXPORT_SYMBOL_GPL(kabi_mem_live);
