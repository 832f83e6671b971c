// SPDX-License-Identifier: GPL-2.0
/* kabi/sync.h: kernel mutexes and spinlocks living in storage the C++ objects own. */
#include <linux/bug.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/build_bug.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "kabi/sync.h"

/* The generated sizes are exact, alignment 8 is what the opaque storage guarantees. */
static_assert(sizeof(struct kabi_mutex) >= sizeof(struct mutex));
static_assert(__alignof__(struct mutex) <= 8);
static_assert(sizeof(struct kabi_spinlock) >= sizeof(spinlock_t));
static_assert(__alignof__(spinlock_t) <= 8);
static_assert(sizeof(((struct kabi_lock_class *)0)->key) >= sizeof(struct lock_class_key));
static_assert(__alignof__(struct lock_class_key) <= 8);

static_assert(sizeof(struct kabi_completion) >= sizeof(struct completion));
static_assert(__alignof__(struct completion) <= 8);

#define KMUTEX(m) ((struct mutex *)(m)->opaque)
#define KSPIN(s) ((spinlock_t *)(s)->opaque)
#define KKEY(c) ((struct lock_class_key *)(c)->key)

void kabi_mutex_init(struct kabi_mutex *m, struct kabi_lock_class *cls)
{
	__mutex_init(KMUTEX(m), cls->name, KKEY(cls));
}
EXPORT_SYMBOL_GPL(kabi_mutex_init);

void kabi_mutex_destroy(struct kabi_mutex *m)
{
	mutex_destroy(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_destroy);

void kabi_mutex_lock(struct kabi_mutex *m)
{
	mutex_lock(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_lock);

void kabi_mutex_unlock(struct kabi_mutex *m)
{
	mutex_unlock(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_unlock);

bool kabi_mutex_trylock(struct kabi_mutex *m)
{
	return mutex_trylock(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_trylock);

bool kabi_mutex_is_locked(struct kabi_mutex *m)
{
	return mutex_is_locked(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_is_locked);

void kabi_mutex_assert_held(struct kabi_mutex *m)
{
	WARN_ON_ONCE(!mutex_is_locked(KMUTEX(m)));
	lockdep_assert_held(KMUTEX(m));
}
EXPORT_SYMBOL_GPL(kabi_mutex_assert_held);

void kabi_spin_assert_held(struct kabi_spinlock *s)
{
	/* spin_is_locked() is always false on uniprocessor builds without spinlock debugging. */
	if (IS_ENABLED(CONFIG_SMP) || IS_ENABLED(CONFIG_DEBUG_SPINLOCK))
		WARN_ON_ONCE(!spin_is_locked(KSPIN(s)));
	lockdep_assert_held(KSPIN(s));
}
EXPORT_SYMBOL_GPL(kabi_spin_assert_held);

void kabi_spin_init(struct kabi_spinlock *s, struct kabi_lock_class *cls)
{
	spin_lock_init(KSPIN(s));
	lockdep_set_class_and_name(KSPIN(s), KKEY(cls), cls->name);
}
EXPORT_SYMBOL_GPL(kabi_spin_init);

void kabi_spin_lock(struct kabi_spinlock *s)
{
	spin_lock(KSPIN(s));
}
EXPORT_SYMBOL_GPL(kabi_spin_lock);

void kabi_spin_unlock(struct kabi_spinlock *s)
{
	spin_unlock(KSPIN(s));
}
EXPORT_SYMBOL_GPL(kabi_spin_unlock);

void kabi_spin_lock_bh(struct kabi_spinlock *s)
{
	spin_lock_bh(KSPIN(s));
}
EXPORT_SYMBOL_GPL(kabi_spin_lock_bh);

void kabi_spin_unlock_bh(struct kabi_spinlock *s)
{
	spin_unlock_bh(KSPIN(s));
}
EXPORT_SYMBOL_GPL(kabi_spin_unlock_bh);

uint64_t kabi_spin_lock_irqsave(struct kabi_spinlock *s)
{
	unsigned long flags;

	spin_lock_irqsave(KSPIN(s), flags);
	return flags;
}
EXPORT_SYMBOL_GPL(kabi_spin_lock_irqsave);

void kabi_spin_unlock_irqrestore(struct kabi_spinlock *s, uint64_t flags)
{
	spin_unlock_irqrestore(KSPIN(s), (unsigned long)flags);
}
EXPORT_SYMBOL_GPL(kabi_spin_unlock_irqrestore);

void kabi_assert_failed(const char *expr, const char *file, int32_t line)
{
	WARN(1, "lio-cxx: assertion failed: %s at %s:%d\n", expr, file, line);
}
EXPORT_SYMBOL_GPL(kabi_assert_failed);

#define KCOMP(c) ((struct completion *)(c)->opaque)

/* The class names the waiters in log lines only: a completion's internal lock is never held
 * around other locks, so one lockdep class for all of them is exact. */
void kabi_completion_init(struct kabi_completion *c, struct kabi_lock_class *cls)
{
	(void)cls;
	init_completion(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_init);

void kabi_completion_destroy(struct kabi_completion *c)
{
	(void)c;
}
EXPORT_SYMBOL_GPL(kabi_completion_destroy);

void kabi_completion_reinit(struct kabi_completion *c)
{
	reinit_completion(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_reinit);

void kabi_completion_wait(struct kabi_completion *c)
{
	wait_for_completion(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_wait);

bool kabi_completion_wait_timeout(struct kabi_completion *c, uint32_t timeout_ms)
{
	return wait_for_completion_timeout(KCOMP(c), msecs_to_jiffies(timeout_ms)) != 0;
}
EXPORT_SYMBOL_GPL(kabi_completion_wait_timeout);

void kabi_completion_complete(struct kabi_completion *c)
{
	complete(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_complete);

void kabi_completion_complete_all(struct kabi_completion *c)
{
	complete_all(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_complete_all);

bool kabi_completion_done(struct kabi_completion *c)
{
	return completion_done(KCOMP(c));
}
EXPORT_SYMBOL_GPL(kabi_completion_done);
