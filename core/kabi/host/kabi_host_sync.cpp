// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/kabi_host_sync.cpp: kabi/sync.h over POSIX, and kabi_assert_failed.
 *
 * Mutexes and spinlocks are both error-checking pthread mutexes (the sanitizers and helgrind
 * understand them), so relocking and unlocking a lock one does not hold are reported. A
 * per-thread count of held spinlocks stands in for the kernel's atomic context: taking a
 * mutex or allocating with a sleeping Gfp while it is non-zero is reported, as might_sleep()
 * would in the kernel. Lock classes are accepted and otherwise ignored (no lockdep here).
 */
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <new>
#include <pthread.h>
#include <string>
#include <vector>

#include "host_mem.h"
#include "host_test_api.h"
#include "kabi/sync.h"

namespace {

// owner: the holding thread (pthread_self(), never 0 with glibc), 0 when free. It makes
// assert_held check the caller, not just "someone".
struct HostLock {
	pthread_mutex_t mutex;
	std::atomic<unsigned long> owner;
};
static_assert(sizeof(HostLock) <= sizeof(kabi_mutex), "raise KABI_MUTEX_SIZE (kabi_layout.h)");
static_assert(sizeof(HostLock) <= sizeof(kabi_spinlock),
	      "raise KABI_SPINLOCK_SIZE (kabi_layout.h)");
static_assert(alignof(HostLock) <= alignof(kabi_mutex), "kabi lock storage is 8-aligned");

thread_local int t_spinlocks_held = 0;

HostLock *host_lock(void *storage) { return static_cast<HostLock *>(storage); }

void init_lock(void *storage, kabi_lock_class *cls) {
	if (!cls || !cls->name)
		kabi_assert_failed("lock initialised without a named lock class", __FILE__, __LINE__);
	HostLock *l = new (storage) HostLock;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&l->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	l->owner.store(0);
}

void lock(HostLock *l) {
	int rc = pthread_mutex_lock(&l->mutex);
	if (rc == EDEADLK)
		kabi_assert_failed("lock taken twice by the same thread (deadlock)", __FILE__, __LINE__);
	else if (rc != 0)
		kabi_assert_failed("pthread_mutex_lock failed", __FILE__, __LINE__);
	l->owner.store(pthread_self());
}

void unlock(HostLock *l) {
	l->owner.store(0);
	if (pthread_mutex_unlock(&l->mutex) != 0)
		kabi_assert_failed("unlock of a lock this thread does not hold", __FILE__, __LINE__);
}

void might_sleep(const char *what) {
	if (t_spinlocks_held > 0)
		kabi_assert_failed(what, __FILE__, __LINE__);
}

} // namespace

bool kabi_host_in_atomic_context() { return t_spinlocks_held > 0; }

void kabi_mutex_init(struct kabi_mutex *m, struct kabi_lock_class *cls) {
	init_lock(m->opaque, cls);
}

void kabi_mutex_destroy(struct kabi_mutex *m) {
	HostLock *l = host_lock(m->opaque);
	if (l->owner.load() != 0)
		kabi_assert_failed("mutex destroyed while held", __FILE__, __LINE__);
	pthread_mutex_destroy(&l->mutex);
	l->~HostLock();
}

void kabi_mutex_lock(struct kabi_mutex *m) {
	might_sleep("mutex taken while holding a spinlock");
	lock(host_lock(m->opaque));
}

void kabi_mutex_unlock(struct kabi_mutex *m) { unlock(host_lock(m->opaque)); }

bool kabi_mutex_trylock(struct kabi_mutex *m) {
	HostLock *l = host_lock(m->opaque);
	if (pthread_mutex_trylock(&l->mutex) != 0)
		return false;
	l->owner.store(pthread_self());
	return true;
}

bool kabi_mutex_is_locked(struct kabi_mutex *m) { return host_lock(m->opaque)->owner.load() != 0; }

void kabi_mutex_assert_held(struct kabi_mutex *m) {
	if (host_lock(m->opaque)->owner.load() != pthread_self())
		kabi_assert_failed("mutex not held by the caller", __FILE__, __LINE__);
}

void kabi_spin_assert_held(struct kabi_spinlock *s) {
	if (host_lock(s->opaque)->owner.load() != pthread_self())
		kabi_assert_failed("spinlock not held by the caller", __FILE__, __LINE__);
}

void kabi_spin_init(struct kabi_spinlock *s, struct kabi_lock_class *cls) {
	init_lock(s->opaque, cls);
}

void kabi_spin_lock(struct kabi_spinlock *s) {
	lock(host_lock(s->opaque));
	t_spinlocks_held++;
}

void kabi_spin_unlock(struct kabi_spinlock *s) {
	t_spinlocks_held--;
	unlock(host_lock(s->opaque));
}

void kabi_spin_lock_bh(struct kabi_spinlock *s) { kabi_spin_lock(s); }
void kabi_spin_unlock_bh(struct kabi_spinlock *s) { kabi_spin_unlock(s); }

uint64_t kabi_spin_lock_irqsave(struct kabi_spinlock *s) {
	kabi_spin_lock(s);
	return 0x200; // a plausible EFLAGS.IF; callers must pass it back unchanged
}

void kabi_spin_unlock_irqrestore(struct kabi_spinlock *s, uint64_t flags) {
	if (flags != 0x200)
		kabi_assert_failed("irqrestore with flags not from irqsave", __FILE__, __LINE__);
	kabi_spin_unlock(s);
}

// ---- completions ----

namespace {

struct HostCompletion {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	unsigned done; // UINT_MAX after complete_all
};
static_assert(sizeof(HostCompletion) <= sizeof(kabi_completion),
	      "raise KABI_COMPLETION_SIZE (kabi_layout.h)");

constexpr unsigned kCompleteAll = ~0u;

HostCompletion *host_completion(kabi_completion *c) {
	return reinterpret_cast<HostCompletion *>(c->opaque);
}

} // namespace

void kabi_completion_init(struct kabi_completion *c, struct kabi_lock_class *cls) {
	if (!cls || !cls->name)
		kabi_assert_failed("completion initialised without a named class", __FILE__, __LINE__);
	HostCompletion *h = new (c->opaque) HostCompletion;
	pthread_mutex_init(&h->mutex, nullptr);
	pthread_cond_init(&h->cond, nullptr);
	h->done = 0;
}

void kabi_completion_destroy(struct kabi_completion *c) {
	HostCompletion *h = host_completion(c);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->mutex);
	h->~HostCompletion();
}

void kabi_completion_reinit(struct kabi_completion *c) {
	HostCompletion *h = host_completion(c);
	pthread_mutex_lock(&h->mutex);
	h->done = 0;
	pthread_mutex_unlock(&h->mutex);
}

bool kabi_completion_wait_timeout(struct kabi_completion *c, uint32_t timeout_ms) {
	might_sleep("completion waited on while holding a spinlock");
	HostCompletion *h = host_completion(c);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += static_cast<long>(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->mutex);
	int rc = 0;
	while (h->done == 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&h->cond, &h->mutex, &deadline);
	bool ok = h->done != 0;
	if (ok && h->done != kCompleteAll)
		h->done--;
	pthread_mutex_unlock(&h->mutex);
	return ok;
}

void kabi_completion_wait(struct kabi_completion *c) {
	might_sleep("completion waited on while holding a spinlock");
	HostCompletion *h = host_completion(c);
	pthread_mutex_lock(&h->mutex);
	while (h->done == 0)
		pthread_cond_wait(&h->cond, &h->mutex);
	if (h->done != kCompleteAll)
		h->done--;
	pthread_mutex_unlock(&h->mutex);
}

void kabi_completion_complete(struct kabi_completion *c) {
	HostCompletion *h = host_completion(c);
	pthread_mutex_lock(&h->mutex);
	if (h->done != kCompleteAll)
		h->done++;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mutex);
}

void kabi_completion_complete_all(struct kabi_completion *c) {
	HostCompletion *h = host_completion(c);
	pthread_mutex_lock(&h->mutex);
	h->done = kCompleteAll;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->mutex);
}

bool kabi_completion_done(struct kabi_completion *c) {
	HostCompletion *h = host_completion(c);
	pthread_mutex_lock(&h->mutex);
	bool done = h->done != 0;
	pthread_mutex_unlock(&h->mutex);
	return done;
}

// ---- assertions ----

namespace {

struct AssertState {
	std::mutex lock;
	std::vector<std::string> recorded;
	std::atomic<HostAssertMode> mode{HostAssertMode::Abort};
};

AssertState &assert_state() {
	static AssertState s;
	return s;
}

} // namespace

void kabi_assert_failed(const char *expr, const char *file, int32_t line) {
	AssertState &s = assert_state();
	std::string what = std::string(expr) + " (" + file + ":" + std::to_string(line) + ")";
	if (s.mode.load() == HostAssertMode::Record) {
		std::lock_guard<std::mutex> guard(s.lock);
		s.recorded.push_back(std::move(what));
		return;
	}
	fprintf(stderr, "lio-cxx: assertion failed: %s\n", what.c_str());
	abort();
}

void kabi_host_assert_set_mode(HostAssertMode mode) { assert_state().mode.store(mode); }

HostAssertMode kabi_host_assert_mode() { return assert_state().mode.load(); }

std::vector<std::string> kabi_host_assert_take() {
	AssertState &s = assert_state();
	std::lock_guard<std::mutex> guard(s.lock);
	std::vector<std::string> out;
	out.swap(s.recorded);
	return out;
}
