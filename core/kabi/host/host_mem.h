// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/host_mem.h: the host allocator's second entry point, for the host's plain
 * operator new (core/runtime/cxxrt.cpp).
 *
 * Every host block carries a 16-byte header saying who allocated it: kabi_alloc/kabi_zalloc
 * (counted in kabi_mem_live) or plain new (not counted). kabi_free reads it, so one operator
 * delete serves both, and a pointer that is neither (double free, foreign memory) is reported.
 */
#ifndef KABI_HOST_MEM_H
#define KABI_HOST_MEM_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

/* Like kabi_alloc, without counting it as live (libstdc++'s and the tests' own objects). */
void *kabi_host_alloc_uncounted(uint64_t size);

KABI_END_DECLS

#if defined(__cplusplus)
// True while the calling thread holds a kabi spinlock (kabi_host_sync.cpp): the host's
// stand-in for the kernel's atomic context, where sleeping allocations are bugs.
bool kabi_host_in_atomic_context();
#endif

#endif /* KABI_HOST_MEM_H */
