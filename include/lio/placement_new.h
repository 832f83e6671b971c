// SPDX-License-Identifier: GPL-2.0
/*
 * lio/placement_new.h: `new (ptr) T(...)`, constructing an object in storage that is already
 * there (Result's payload, a union member).
 *
 * The host build takes placement new from <new> (declaring it again would clash); the kernel
 * build has no <new>, so it is declared here. Nothing else from <new> is provided: allocation
 * goes through lio/alloc.h.
 */
#ifndef LIO_PLACEMENT_NEW_H
#define LIO_PLACEMENT_NEW_H

#include "kabi/types.h"

#if defined(LIO_HOST)
#include <new>
#else
inline void *operator new(size_t, void *where) noexcept { return where; }
inline void *operator new[](size_t, void *where) noexcept { return where; }
inline void operator delete(void *, void *) noexcept {}
inline void operator delete[](void *, void *) noexcept {}
#endif

#endif // LIO_PLACEMENT_NEW_H
