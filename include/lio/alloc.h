// SPDX-License-Identifier: GPL-2.0
/*
 * lio/alloc.h: allocation, always with a context.
 *
 * Every allocation names its context (lio::Gfp, mapped to GFP_* by the C layer):
 *   Kernel: may sleep; process context, no spinlock held.
 *   NoFs / NoIo: may sleep, but reclaim must not recurse into file systems / block I/O
 *     (backstore I/O paths use NoIo).
 *   Atomic: never sleeps, may dip into reserves (softirq, spinlock held).
 *   NoWait: never sleeps, no reserves (opportunistic).
 *
 *   OwnPtr<Lun> lun = lio::make<Lun>(Gfp::Kernel, args...);   // null on failure
 *   Lun *raw = new (Gfp::Kernel) Lun(args...);                 // null on failure
 *   OwnPtr<Lun> lun = TRY(lio::try_make<Lun>(Gfp::Kernel));    // ENOMEM on failure
 *
 * The unqualified `new T` does not exist in kernel builds (nobody defines operator
 * new(size_t)); modpost reports _Znwm undefined. Deletion is plain `delete p` (the global
 * operator delete, core/runtime/cxxrt.cpp, calls kabi_free).
 *
 * Alignment: kabi_alloc guarantees 8 bytes in the kernel (kmalloc's minimum on x86-64), so
 * types allocated here may need at most alignof 8; make/try_make refuse others at compile
 * time, on the host too so host tests catch it. (Over-aligned `new (gfp) T` would get only 8:
 * don't; embed such objects in a suitably aligned owner instead.)
 */
#ifndef LIO_ALLOC_H
#define LIO_ALLOC_H

#include "kabi/mem.h"
#include "lio/own_ptr.h"
#include "lio/placement_new.h"
#include "lio/result.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

enum class Gfp : u8 {
	Kernel = KABI_GFP_KERNEL,
	NoFs = KABI_GFP_NOFS,
	NoIo = KABI_GFP_NOIO,
	Atomic = KABI_GFP_ATOMIC,
	NoWait = KABI_GFP_NOWAIT,
};

constexpr kabi_gfp to_kabi(Gfp gfp) { return static_cast<kabi_gfp>(gfp); }

// What kabi_alloc guarantees in every build.
inline constexpr usize kAllocAlign = 8;

// Raw memory (buffers); free with free_raw. Null on failure.
inline void *alloc_raw(usize size, Gfp gfp) { return kabi_alloc(size, to_kabi(gfp)); }
inline void *zalloc_raw(usize size, Gfp gfp) { return kabi_zalloc(size, to_kabi(gfp)); }
inline void free_raw(void *p) { kabi_free(p); }

} // namespace lio

// Gfp-tagged allocation functions. noexcept: a failed allocation makes the new-expression
// yield null without running the constructor. The matching placement deletes only run if a
// constructor throws (host tests); kernel code has no exceptions.
inline void *operator new(size_t size, lio::Gfp gfp) noexcept { return lio::alloc_raw(size, gfp); }
inline void *operator new[](size_t size, lio::Gfp gfp) noexcept {
	return lio::alloc_raw(size, gfp);
}
inline void operator delete(void *p, lio::Gfp) noexcept { lio::free_raw(p); }
inline void operator delete[](void *p, lio::Gfp) noexcept { lio::free_raw(p); }

namespace lio {

// Allocates and constructs a T; null on allocation failure.
template <typename T, typename... Args> OwnPtr<T> make(Gfp gfp, Args &&...args) {
	static_assert(alignof(T) <= kAllocAlign, "lio::make: type over-aligned for kabi_alloc");
	return OwnPtr<T>::adopt(new (gfp) T(lio::forward<Args>(args)...));
}

// As make, with ENOMEM instead of null.
template <typename T, typename... Args> Result<OwnPtr<T>> try_make(Gfp gfp, Args &&...args) {
	OwnPtr<T> p = make<T>(gfp, lio::forward<Args>(args)...);
	if (!p)
		return Error::from_errno(KABI_ENOMEM);
	return p;
}

} // namespace lio

#endif // LIO_ALLOC_H
