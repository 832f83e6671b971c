/* SPDX-License-Identifier: GPL-2.0 */
/* Host layout of kabi lock storage (see include/kabi/layout.h); checked in kabi_host_sync.cpp. */
#ifndef KABI_LAYOUT_HOST_H
#define KABI_LAYOUT_HOST_H

#define KABI_MUTEX_SIZE 48          /* >= sizeof(pthread_mutex_t) + owner flag */
#define KABI_SPINLOCK_SIZE 48       /* a pthread_mutex_t too: sanitizers see through it */
#define KABI_LOCK_CLASS_KEY_SIZE 0
#define KABI_COMPLETION_SIZE 112   /* pthread mutex + cond + count */

#endif
