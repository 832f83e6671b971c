// SPDX-License-Identifier: GPL-2.0
/*
 * lio/types.h: the engine's integer names.
 *
 * Fixed-width aliases over the kabi types (which come from the compiler's predefined macros
 * in the kernel and from <stdint.h> on the host), so engine code never includes a libc
 * header. usize is the type of sizes and indices (size_t), isize its signed twin.
 */
#ifndef LIO_TYPES_H
#define LIO_TYPES_H

#include "kabi/types.h"

namespace lio {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using s8 = int8_t;
using s16 = int16_t;
using s32 = int32_t;
using s64 = int64_t;
using usize = size_t;
using isize = ptrdiff_t;
using uptr = uintptr_t;
using nullptr_t = decltype(nullptr);

static_assert(sizeof(usize) == 8 && sizeof(u64) == 8, "lio-cxx targets 64-bit machines");

} // namespace lio

#endif // LIO_TYPES_H
