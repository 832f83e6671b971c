/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locks embedded in C++ objects. Storage is opaque, sized by kabi/layout.h, 8-byte aligned.
 * Each lock is initialised with a lock class (a static object, one per kind of lock) so a
 * kernel with lockdep tells the kinds apart and reports them by name.
 */
#ifndef KABI_SYNC_H
#define KABI_SYNC_H

#include "kabi/types.h"
#include "kabi/layout.h"

KABI_BEGIN_DECLS

/* Must have static storage duration (lockdep requires static keys). Zero-initialised key. */
struct kabi_lock_class {
	const char *name;
	uint64_t key[KABI_WORDS(KABI_LOCK_CLASS_KEY_SIZE)];
};

struct kabi_mutex {
	uint64_t opaque[KABI_WORDS(KABI_MUTEX_SIZE)];
};

struct kabi_spinlock {
	uint64_t opaque[KABI_WORDS(KABI_SPINLOCK_SIZE)];
};

/* A one-shot event to sleep on (struct completion): complete() wakes one waiter (or lets the
 * next wait() through), complete_all() every present and future waiter until reinit(). */
struct kabi_completion {
	uint64_t opaque[KABI_WORDS(KABI_COMPLETION_SIZE)];
};

void kabi_mutex_init(struct kabi_mutex *m, struct kabi_lock_class *cls);
void kabi_mutex_destroy(struct kabi_mutex *m);
void kabi_mutex_lock(struct kabi_mutex *m);
void kabi_mutex_unlock(struct kabi_mutex *m);
/* Returns true when the lock was taken. */
bool kabi_mutex_trylock(struct kabi_mutex *m);
/* For assertions only: true when some thread holds it. */
bool kabi_mutex_is_locked(struct kabi_mutex *m);
/* Reports (never returns early) unless the CALLING thread holds the lock: lockdep where the
 * kernel has it, plus a cheap "is it locked at all" check; an owner check on the host. */
void kabi_mutex_assert_held(struct kabi_mutex *m);
void kabi_spin_assert_held(struct kabi_spinlock *s);

void kabi_spin_init(struct kabi_spinlock *s, struct kabi_lock_class *cls);
void kabi_spin_lock(struct kabi_spinlock *s);
void kabi_spin_unlock(struct kabi_spinlock *s);
/* Disables bottom halves (softirq) while held: for data shared with network receive paths. */
void kabi_spin_lock_bh(struct kabi_spinlock *s);
void kabi_spin_unlock_bh(struct kabi_spinlock *s);
/* Disables interrupts while held; returns the flags to pass to kabi_spin_unlock_irqrestore. */
uint64_t kabi_spin_lock_irqsave(struct kabi_spinlock *s);
void kabi_spin_unlock_irqrestore(struct kabi_spinlock *s, uint64_t flags);

void kabi_completion_init(struct kabi_completion *c, struct kabi_lock_class *cls);
void kabi_completion_destroy(struct kabi_completion *c);
void kabi_completion_reinit(struct kabi_completion *c);
/* Sleeps (process context, uninterruptible) until completed. */
void kabi_completion_wait(struct kabi_completion *c);
/* As wait, but gives up after timeout_ms; returns true when completed. */
bool kabi_completion_wait_timeout(struct kabi_completion *c, uint32_t timeout_ms);
/* Any context (also atomic). */
void kabi_completion_complete(struct kabi_completion *c);
void kabi_completion_complete_all(struct kabi_completion *c);
bool kabi_completion_done(struct kabi_completion *c);

/* Debug assertion failed: logs and (kernel) WARNs once per call site; never returns early. */
void kabi_assert_failed(const char *expr, const char *file, int32_t line);

KABI_END_DECLS

#endif /* KABI_SYNC_H */
