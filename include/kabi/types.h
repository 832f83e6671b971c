/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types for the C ABI between the C++ engine and the kernel (or host) layer.
 *
 * Three compilation contexts include the kabi headers:
 *   - the kernel C layer (core/kabi/linux, configfs glue): types come from <linux/types.h>;
 *   - kernel C++ (freestanding, -nostdinc): types come from the compiler's predefined macros;
 *   - the host build (LIO_HOST): types come from <stdint.h>/<stddef.h>.
 */
#ifndef KABI_TYPES_H
#define KABI_TYPES_H

#if defined(LIO_HOST)
#include <stddef.h>
#include <stdint.h>
#if !defined(__cplusplus)
#include <stdbool.h>
#endif
#elif defined(__cplusplus)
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#else
#include <linux/types.h>
#endif

#if defined(__cplusplus)
#define KABI_BEGIN_DECLS extern "C" {
#define KABI_END_DECLS }
#else
#define KABI_BEGIN_DECLS
#define KABI_END_DECLS
#endif

#define KABI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Errno values are Linux's on both sides (the host build runs on Linux). Functions return
 * 0 or a negative errno unless documented otherwise. */
#define KABI_EPERM 1
#define KABI_ENOENT 2
#define KABI_EIO 5
#define KABI_ENXIO 6
#define KABI_E2BIG 7
#define KABI_EAGAIN 11
#define KABI_ENOMEM 12
#define KABI_EACCES 13
#define KABI_EFAULT 14
#define KABI_EBUSY 16
#define KABI_EEXIST 17
#define KABI_ENODEV 19
#define KABI_ENOTDIR 20
#define KABI_EISDIR 21
#define KABI_EINVAL 22
#define KABI_ENOSPC 28
#define KABI_EROFS 30
#define KABI_ERANGE 34
#define KABI_ENAMETOOLONG 36
#define KABI_ENOSYS 38
#define KABI_ENOTEMPTY 39
#define KABI_EBADE 52
#define KABI_ENODATA 61
#define KABI_ENOLINK 67
#define KABI_EILSEQ 84
#define KABI_EOPNOTSUPP 95
#define KABI_ETIMEDOUT 110
#define KABI_EREMOTEIO 121

#endif /* KABI_TYPES_H */
