// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/kabi_host_mem.cpp: kabi/mem.h over malloc, with the live count.
 *
 * Block layout: [Header (16 bytes)][payload], payload 16-byte aligned. The header's tag says
 * whether kabi_alloc (counted) or plain new (uncounted, host_mem.h) made it; kabi_free checks
 * and poisons it. Fresh kabi_alloc memory is filled with 0xa5 so reads of uninitialised
 * fields show up in tests, where the kernel would hand out stale data.
 */
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "host_mem.h"
#include "host_test_api.h"
#include "kabi/mem.h"
#include "kabi/sync.h"

namespace {

enum : uint64_t {
	kTagCounted = 0x6b6162692d6c6976ULL,   // "kabi-liv"
	kTagUncounted = 0x6b6162692d6e6577ULL, // "kabi-new"
	kTagFreed = 0x6b6162692d667265ULL,     // "kabi-fre"
};

struct alignas(16) Header {
	uint64_t tag;
	uint64_t size;
};
static_assert(sizeof(Header) == 16);

std::atomic<int64_t> g_live{0};
std::atomic<uint64_t> g_fail_countdown{0};

void *alloc_block(uint64_t size, uint64_t tag, bool zero) {
	if (size > UINT64_MAX / 2)
		return nullptr;
	void *raw = zero ? calloc(1, sizeof(Header) + size) : malloc(sizeof(Header) + size);
	if (!raw)
		return nullptr;
	Header *h = static_cast<Header *>(raw);
	h->tag = tag;
	h->size = size;
	return h + 1;
}

bool injected_failure() {
	uint64_t c = g_fail_countdown.load();
	while (c != 0) {
		if (g_fail_countdown.compare_exchange_weak(c, c - 1))
			return c == 1;
	}
	return false;
}

void *kabi_alloc_common(uint64_t size, enum kabi_gfp gfp, bool zero) {
	if (gfp < KABI_GFP_KERNEL || gfp > KABI_GFP_NOWAIT)
		kabi_assert_failed("kabi_alloc: unknown allocation context", __FILE__, __LINE__);
	if (gfp <= KABI_GFP_NOIO && kabi_host_in_atomic_context())
		kabi_assert_failed("kabi_alloc: sleeping allocation while holding a spinlock",
				   __FILE__, __LINE__);
	if (injected_failure())
		return nullptr;
	void *p = alloc_block(size, kTagCounted, zero);
	if (!p)
		return nullptr;
	if (!zero)
		memset(p, 0xa5, size);
	g_live.fetch_add(1);
	return p;
}

} // namespace

void *kabi_alloc(uint64_t size, enum kabi_gfp gfp) { return kabi_alloc_common(size, gfp, false); }

void *kabi_zalloc(uint64_t size, enum kabi_gfp gfp) { return kabi_alloc_common(size, gfp, true); }

void *kabi_host_alloc_uncounted(uint64_t size) { return alloc_block(size, kTagUncounted, false); }

void kabi_free(void *p) {
	if (!p)
		return;
	Header *h = static_cast<Header *>(p) - 1;
	switch (h->tag) {
	case kTagCounted:
		g_live.fetch_sub(1);
		break;
	case kTagUncounted:
		break;
	default:
		// Freed twice, or never ours: leak it rather than corrupt the heap.
		kabi_assert_failed("kabi_free: double free or not a kabi/new allocation", __FILE__,
				   __LINE__);
		return;
	}
	h->tag = kTagFreed;
	free(h);
}

int64_t kabi_mem_live(void) { return g_live.load(); }

void kabi_host_mem_fail_nth(uint64_t n) { g_fail_countdown.store(n); }
