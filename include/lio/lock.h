// SPDX-License-Identifier: GPL-2.0
/*
 * lio/lock.h: locks embedded in C++ objects, their guards, and Protected<T, L>.
 *
 * LockClass: one per kind of lock, with static storage duration (lockdep keys must be
 *   static): `constinit LockClass lun_lock_class("lio_lun");` at namespace scope. It is
 *   constexpr-constructed, so no static constructor runs.
 * Mutex (sleeping; process context) and SpinLock (never sleeps; plain, _bh to exclude
 *   softirqs such as network receive, _irqsave to exclude interrupts) are initialised with a
 *   LockClass and live inside their owner; neither is copyable or movable.
 * LockGuard<L> takes L for a scope (`LockGuard guard(lock_);`); SpinLockBhGuard and
 *   SpinLockIrqGuard do the same with the _bh / _irqsave flavours.
 * Protected<T, L, Guard> keeps data reachable only under its lock:
 *     Protected<Stats, SpinLock, SpinLockBhGuard> stats_{stats_class};
 *     stats_.with([&](Stats &s) { s.reads++; });
 *     auto locked = stats_.lock(); locked->reads++;   // guard lives as long as `locked`
 *
 * Naming rule: a method that expects its caller to hold a lock ends in `_locked` (the
 * snake_case spelling of the `...Locked()` convention), e.g. `unlink_session_locked()`.
 * assert_held() checks that the caller holds the lock (lockdep in the kernel; owner on the host). Every lock appears in
 * the lock order of docs/design.md.
 */
#ifndef LIO_LOCK_H
#define LIO_LOCK_H

#include "kabi/sync.h"
#include "lio/assert.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

class LockClass final {
  public:
	constexpr explicit LockClass(const char *name) : raw_{name, {}} {}
	LockClass(const LockClass &) = delete;
	LockClass &operator=(const LockClass &) = delete;

	const char *name() const { return raw_.name; }
	kabi_lock_class *raw() { return &raw_; }

  private:
	kabi_lock_class raw_;
};

class Mutex final {
  public:
	explicit Mutex(LockClass &cls) { kabi_mutex_init(&raw_, cls.raw()); }
	~Mutex() { kabi_mutex_destroy(&raw_); }
	Mutex(const Mutex &) = delete;
	Mutex &operator=(const Mutex &) = delete;

	void lock() { kabi_mutex_lock(&raw_); }
	void unlock() { kabi_mutex_unlock(&raw_); }
	[[nodiscard]] bool try_lock() { return kabi_mutex_trylock(&raw_); }
	// True when SOME thread holds it (all the boundary can tell): for assertions only.
	bool is_locked() { return kabi_mutex_is_locked(&raw_); }
	// The calling thread holds it (lockdep in the kernel, owner check on the host).
	void assert_held() { kabi_mutex_assert_held(&raw_); }

  private:
	kabi_mutex raw_;
};

class SpinLock final {
  public:
	explicit SpinLock(LockClass &cls) { kabi_spin_init(&raw_, cls.raw()); }
	SpinLock(const SpinLock &) = delete;
	SpinLock &operator=(const SpinLock &) = delete;

	void lock() { kabi_spin_lock(&raw_); }
	void unlock() { kabi_spin_unlock(&raw_); }
	void lock_bh() { kabi_spin_lock_bh(&raw_); }
	void unlock_bh() { kabi_spin_unlock_bh(&raw_); }
	[[nodiscard]] u64 lock_irqsave() { return kabi_spin_lock_irqsave(&raw_); }
	void unlock_irqrestore(u64 flags) { kabi_spin_unlock_irqrestore(&raw_, flags); }
	// The boundary cannot tell whether a spinlock is held: nothing to check.
	void assert_held() { kabi_spin_assert_held(&raw_); }

  private:
	kabi_spinlock raw_;
};

// A one-shot event to sleep on (process context): wait() returns once complete() (one waiter)
// or complete_all() (every waiter until reinit()) has been called. complete*() work in any
// context.
class Completion final {
  public:
	explicit Completion(LockClass &cls) { kabi_completion_init(&raw_, cls.raw()); }
	~Completion() { kabi_completion_destroy(&raw_); }
	Completion(const Completion &) = delete;
	Completion &operator=(const Completion &) = delete;

	void wait() { kabi_completion_wait(&raw_); }
	[[nodiscard]] bool wait_for_ms(u32 ms) { return kabi_completion_wait_timeout(&raw_, ms); }
	void complete() { kabi_completion_complete(&raw_); }
	void complete_all() { kabi_completion_complete_all(&raw_); }
	void reinit() { kabi_completion_reinit(&raw_); }
	bool done() { return kabi_completion_done(&raw_); }

  private:
	kabi_completion raw_;
};

template <typename L> class [[nodiscard]] LockGuard final {
  public:
	explicit LockGuard(L &lock) : lock_(lock) { lock_.lock(); }
	~LockGuard() { lock_.unlock(); }
	LockGuard(const LockGuard &) = delete;
	LockGuard &operator=(const LockGuard &) = delete;

  private:
	L &lock_;
};

class [[nodiscard]] SpinLockBhGuard final {
  public:
	explicit SpinLockBhGuard(SpinLock &lock) : lock_(lock) { lock_.lock_bh(); }
	~SpinLockBhGuard() { lock_.unlock_bh(); }
	SpinLockBhGuard(const SpinLockBhGuard &) = delete;
	SpinLockBhGuard &operator=(const SpinLockBhGuard &) = delete;

  private:
	SpinLock &lock_;
};

class [[nodiscard]] SpinLockIrqGuard final {
  public:
	explicit SpinLockIrqGuard(SpinLock &lock) : lock_(lock), flags_(lock.lock_irqsave()) {}
	~SpinLockIrqGuard() { lock_.unlock_irqrestore(flags_); }
	SpinLockIrqGuard(const SpinLockIrqGuard &) = delete;
	SpinLockIrqGuard &operator=(const SpinLockIrqGuard &) = delete;

  private:
	SpinLock &lock_;
	u64 flags_;
};

template <typename T, typename L = Mutex, typename Guard = LockGuard<L>> class Protected final {
  public:
	// A guard-holding handle: the lock is held while it lives. Not copyable or movable;
	// returned by lock() through guaranteed copy elision.
	template <typename Data> class [[nodiscard]] Locked final {
	  public:
		Locked(const Locked &) = delete;
		Locked &operator=(const Locked &) = delete;
		Data *operator->() const { return &data_; }
		Data &operator*() const { return data_; }

	  private:
		friend class Protected;
		Locked(L &lock, Data &data) : guard_(lock), data_(data) {}
		Guard guard_;
		Data &data_;
	};

	template <typename... Args>
	explicit Protected(LockClass &cls, Args &&...args)
	    : lock_(cls), data_(lio::forward<Args>(args)...) {}
	Protected(const Protected &) = delete;
	Protected &operator=(const Protected &) = delete;

	// Runs fn(data) under the lock and returns what fn returns (by value: a reference
	// into the data must not outlive the lock).
	template <typename Fn> auto with(Fn &&fn) {
		Guard guard(lock_);
		return fn(data_);
	}
	template <typename Fn> auto with(Fn &&fn) const {
		Guard guard(lock_);
		return fn(static_cast<const T &>(data_));
	}

	Locked<T> lock() { return Locked<T>(lock_, data_); }
	Locked<const T> lock() const { return Locked<const T>(lock_, data_); }

	// For code already under the lock (a `_locked` method that took it through raw_lock()).
	T &get_locked() {
		lock_.assert_held();
		return data_;
	}
	// The lock itself: for assert_held() and for calling `_locked` helpers.
	L &raw_lock() const { return lock_; }

  private:
	mutable L lock_;
	T data_;
};

} // namespace lio

#endif // LIO_LOCK_H
