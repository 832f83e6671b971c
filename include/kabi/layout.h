/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sizes of kernel objects that C++ objects embed (locks). Kernel lock types change size with
 * the kernel's configuration (lockdep, debug options), so the kernel build generates these
 * numbers from the real types (core/kabi/linux/layout.c, asm-offsets style) into
 * generated/kabi_layout.h; the host build uses core/kabi/host/kabi_layout.h, checked there
 * with static assertions against the POSIX types it wraps.
 */
#ifndef KABI_LAYOUT_H
#define KABI_LAYOUT_H

#include "kabi_layout.h" /* generated (kernel) or core/kabi/host/ (host) */

#define KABI_WORDS(bytes) (((bytes) + 7) / 8 > 0 ? ((bytes) + 7) / 8 : 1)

#endif /* KABI_LAYOUT_H */
