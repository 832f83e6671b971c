/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory allocation across the boundary. Every allocation names its context (struct kabi_gfp):
 * there is deliberately no default. Live allocations are counted so that module unload can
 * prove nothing leaked (kabi_mem_live()).
 */
#ifndef KABI_MEM_H
#define KABI_MEM_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

/* Allocation context, mapped by the C layer to GFP_* (kernel) or ignored (host). */
enum kabi_gfp {
	KABI_GFP_KERNEL = 0, /* may sleep, may do I/O and FS reclaim: process context, no locks held */
	KABI_GFP_NOFS = 1,   /* may sleep, no FS reclaim: called under FS-related locks */
	KABI_GFP_NOIO = 2,   /* may sleep, no I/O reclaim: on the I/O path of a backstore */
	KABI_GFP_ATOMIC = 3, /* never sleeps, may use reserves: softirq / spinlock held */
	KABI_GFP_NOWAIT = 4, /* never sleeps, no reserves: opportunistic */
};

/* Returns memory aligned to at least 8 bytes (16 on the host), or NULL. */
void *kabi_alloc(uint64_t size, enum kabi_gfp gfp);
/* As kabi_alloc, zero-filled. */
void *kabi_zalloc(uint64_t size, enum kabi_gfp gfp);
/* NULL is accepted. */
void kabi_free(void *p);

/* Number of allocations made through kabi_alloc/kabi_zalloc and not yet freed. */
int64_t kabi_mem_live(void);

KABI_END_DECLS

#endif /* KABI_MEM_H */
