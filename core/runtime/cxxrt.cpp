// SPDX-License-Identifier: GPL-2.0
/*
 * core/runtime/cxxrt.cpp: what the compiler calls implicitly, defined once per module.
 *
 * Deallocation: every `delete` ends in kabi_free, in both builds. Replacement deallocation
 * functions cannot be inline, hence this file. Only the plain and sized forms exist: the
 * aligned ones (std::align_val_t) are left out on purpose, because lio::make refuses
 * over-aligned types and a stray over-aligned `delete` must fail to link (modpost) rather
 * than free a pointer kabi_alloc never returned.
 *
 * Allocation: the kernel build defines no unqualified operator new, so `new T` fails to link;
 * lio/alloc.h has the Gfp-tagged ones (inline, over kabi_alloc).
 *
 * Host build: libstdc++ and GoogleTest also allocate with plain `new`, and their `delete`
 * lands here too. So the host replaces operator new(size_t) as well, with an uncounted
 * allocation in the host allocator's format (core/kabi/host/host_mem.h); kabi_free tells the
 * two kinds apart by their header and decrements the live count only for kabi_alloc's.
 * Plain new and delete are defined in this one object so that they are linked together.
 * (libstdc++ keeps its own aligned new/delete pair, aligned_alloc/free, which never meets
 * ours.)
 */
#include "kabi/mem.h"
#include "kabi/sync.h"

#if defined(LIO_HOST)
#include <cstdlib>
#include <new>

#include "host_mem.h"
#endif

void operator delete(void *p) noexcept { kabi_free(p); }
void operator delete[](void *p) noexcept { kabi_free(p); }
void operator delete(void *p, size_t) noexcept { kabi_free(p); }
void operator delete[](void *p, size_t) noexcept { kabi_free(p); }

extern "C" void __cxa_pure_virtual();
extern "C" void __cxa_pure_virtual() {
	kabi_assert_failed("pure virtual function called", __FILE__, __LINE__);
#if defined(LIO_HOST)
	abort();
#else
	for (;;)
		__builtin_trap();
#endif
}

#if defined(LIO_HOST)
// Host tests are built with exceptions, yet an exhausted host is not a case they handle:
// fail loudly instead of throwing std::bad_alloc.
static void *host_new_or_abort(size_t size) {
	void *p = kabi_host_alloc_uncounted(size);
	if (!p)
		abort();
	return p;
}

void *operator new(size_t size) { return host_new_or_abort(size); }
void *operator new[](size_t size) { return host_new_or_abort(size); }
void *operator new(size_t size, const std::nothrow_t &) noexcept {
	return kabi_host_alloc_uncounted(size);
}
void *operator new[](size_t size, const std::nothrow_t &) noexcept {
	return kabi_host_alloc_uncounted(size);
}
void operator delete(void *p, const std::nothrow_t &) noexcept { kabi_free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { kabi_free(p); }
#endif
