// SPDX-License-Identifier: GPL-2.0
/*
 * lio/refcount.h: intrusive atomic reference counts.
 *
 * class Lun final : public RefCounted<Lun> { ... };
 * RefPtr<Lun> lun = make_ref<Lun>(Gfp::Kernel, ...);   // count 1, owned by `lun`
 *
 * An object starts with one reference, which make_ref (or RefPtr::adopt) takes over. The
 * count behaves like the kernel's refcount_t: taking a reference on a count of 0 (the object
 * is being destroyed: use after free), overflowing, or dropping below 0 reports through
 * kabi_assert_failed and pins the count at a saturation value, so the object leaks instead
 * of being freed twice or used after free.
 *
 * Destruction: when the count reaches 0, unref() calls on_last_unref() on the most derived
 * class T. The default deletes the object (`delete static_cast<T *>(this)`; a T with a
 * private destructor befriends RefCounted<T>). A class kept in a lookup structure hides
 * on_last_unref with its own (public, or RefCounted<T> a friend) to unlink itself first:
 *
 *   void Device::on_last_unref() {       // count is 0 here: no new reference can be made
 *       registry_.unlink(*this);          // takes the registry lock, removes us
 *       delete this;
 *   }
 *   RefPtr<Device> Registry::find(...) { // under the registry lock
 *       for (Device &d : list_)
 *           if (match(d) && d.try_ref())  // skips a device whose count already hit 0
 *               return RefPtr<Device>::adopt(&d);
 *   }
 *
 * A lookup under the registry's lock may find an object whose last reference was just
 * dropped (its on_last_unref is waiting for the lock): lookups must use try_ref(), never
 * ref(). RefPtr<T> works with any T that has ref() and unref().
 */
#ifndef LIO_REFCOUNT_H
#define LIO_REFCOUNT_H

#include "lio/alloc.h"
#include "lio/assert.h"
#include "lio/atomic.h"
#include "lio/result.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

template <typename T> class RefCounted {
  public:
	RefCounted(const RefCounted &) = delete;
	RefCounted &operator=(const RefCounted &) = delete;

	// Takes a reference. The caller must already hold one (or the lock that keeps the
	// object alive and a count known to be non-zero).
	void ref() const {
		s32 old = count_.fetch_add(1, MemoryOrder::Relaxed);
		if (__builtin_expect(old <= 0 || old == kMax, 0))
			saturate(old == 0 ? "refcount: ref() on 0 (use after free)"
					  : "refcount: ref() overflow or on a saturated count");
	}

	// Takes a reference unless the count is 0 (the object is on its way out).
	[[nodiscard]] bool try_ref() const {
		s32 c = count_.load(MemoryOrder::Relaxed);
		do {
			if (c == 0)
				return false;
			if (c < 0 || c == kMax) {
				saturate("refcount: try_ref() overflow or on a saturated count");
				return true;
			}
		} while (!count_.compare_exchange(c, c + 1, MemoryOrder::Relaxed));
		return true;
	}

	// Drops a reference; the last one destroys the object (on_last_unref).
	void unref() const {
		s32 old = count_.fetch_sub(1, MemoryOrder::Release);
		if (old == 1) {
			atomic_fence(MemoryOrder::Acquire); // see every write of the other owners
			static_cast<T *>(const_cast<RefCounted *>(this))->on_last_unref();
			return;
		}
		if (__builtin_expect(old <= 0, 0))
			saturate("refcount: unref() underflow (use after free)");
	}

	// The current count: for tests and assertions only (it changes under you).
	s32 ref_count() const { return count_.load(MemoryOrder::Relaxed); }

	// Where a misused count is pinned.
	static constexpr s32 kSaturated = -0x40000000;

  protected:
	constexpr RefCounted() : count_(1) {}
	~RefCounted() = default;

	// Default end of life; see the header comment to customise.
	void on_last_unref() { delete static_cast<T *>(this); }

  private:
	static constexpr s32 kMax = 0x7fffffff;

	void saturate(const char *what) const {
		count_.store(kSaturated, MemoryOrder::Relaxed);
		kabi_assert_failed(what, __FILE__, __LINE__);
	}

	mutable Atomic<s32> count_;
};

template <typename T> class RefPtr final {
  public:
	constexpr RefPtr() = default;
	constexpr RefPtr(nullptr_t) {}

	// Takes over a reference the caller owns (a fresh object's initial one, try_ref()'s).
	static RefPtr adopt(T *p) { return RefPtr(p); }
	// Takes a new reference on p (may be null).
	static RefPtr retain(T *p) {
		if (p)
			p->ref();
		return RefPtr(p);
	}

	RefPtr(const RefPtr &o) : ptr_(o.ptr_) {
		if (ptr_)
			ptr_->ref();
	}
	RefPtr(RefPtr &&o) : ptr_(o.leak_ref()) {}
	template <typename U, typename = enable_if_t<is_convertible_v<U *, T *>>>
	RefPtr(const RefPtr<U> &o) : ptr_(o.get()) {
		if (ptr_)
			ptr_->ref();
	}
	template <typename U, typename = enable_if_t<is_convertible_v<U *, T *>>>
	RefPtr(RefPtr<U> &&o) : ptr_(o.leak_ref()) {}

	RefPtr &operator=(const RefPtr &o) {
		RefPtr tmp(o); // ref first: o may be the last owner of *this's object
		swap(tmp);
		return *this;
	}
	RefPtr &operator=(RefPtr &&o) {
		RefPtr tmp(lio::move(o));
		swap(tmp);
		return *this;
	}
	RefPtr &operator=(nullptr_t) {
		reset();
		return *this;
	}
	~RefPtr() { reset(); }

	T *get() const { return ptr_; }
	T *operator->() const { return ptr_; }
	T &operator*() const { return *ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

	void reset() {
		if (T *p = lio::exchange(ptr_, nullptr))
			p->unref();
	}
	// Gives the reference to the caller (who must unref it or adopt it again).
	[[nodiscard]] T *leak_ref() { return lio::exchange(ptr_, nullptr); }
	void swap(RefPtr &o) { lio::swap(ptr_, o.ptr_); }

	bool operator==(const RefPtr &o) const { return ptr_ == o.ptr_; }
	bool operator!=(const RefPtr &o) const { return ptr_ != o.ptr_; }

  private:
	explicit RefPtr(T *p) : ptr_(p) {}
	T *ptr_ = nullptr;
};

// Allocates a refcounted T; the RefPtr owns its first reference. Null on failure.
template <typename T, typename... Args> RefPtr<T> make_ref(Gfp gfp, Args &&...args) {
	return RefPtr<T>::adopt(make<T>(gfp, lio::forward<Args>(args)...).release());
}

template <typename T, typename... Args> Result<RefPtr<T>> try_make_ref(Gfp gfp, Args &&...args) {
	RefPtr<T> p = make_ref<T>(gfp, lio::forward<Args>(args)...);
	if (!p)
		return Error::from_errno(KABI_ENOMEM);
	return p;
}

} // namespace lio

#endif // LIO_REFCOUNT_H
