// SPDX-License-Identifier: GPL-2.0
/*
 * lio/own_ptr.h: OwnPtr<T>, the single owner of a heap object (unique_ptr without deleters).
 *
 * Rules: move-only; destruction deletes through `delete`, so the object must come from a
 * Gfp-tagged new (lio::make / try_make / new (gfp) T) and a class deleted through a base
 * pointer needs a virtual destructor. A null OwnPtr is normal (allocation failure): test it.
 * release() hands the raw pointer to a new owner (the configfs layer, a RefPtr, ...).
 */
#ifndef LIO_OWN_PTR_H
#define LIO_OWN_PTR_H

#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

template <typename T> class OwnPtr final {
  public:
	constexpr OwnPtr() = default;
	constexpr OwnPtr(nullptr_t) {}
	OwnPtr(const OwnPtr &) = delete;
	OwnPtr &operator=(const OwnPtr &) = delete;
	OwnPtr(OwnPtr &&o) : ptr_(o.release()) {}
	template <typename U, typename = enable_if_t<is_convertible_v<U *, T *>>>
	OwnPtr(OwnPtr<U> &&o) : ptr_(o.release()) {}
	OwnPtr &operator=(OwnPtr &&o) {
		reset(o.release());
		return *this;
	}
	template <typename U, typename = enable_if_t<is_convertible_v<U *, T *>>>
	OwnPtr &operator=(OwnPtr<U> &&o) {
		reset(o.release());
		return *this;
	}
	OwnPtr &operator=(nullptr_t) {
		reset();
		return *this;
	}
	~OwnPtr() { reset(); }

	// Takes ownership of p (from a Gfp-tagged new).
	static OwnPtr adopt(T *p) { return OwnPtr(p); }

	T *get() const { return ptr_; }
	T *operator->() const { return ptr_; }
	T &operator*() const { return *ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

	// Gives up ownership without deleting.
	T *release() { return lio::exchange(ptr_, nullptr); }
	void reset(T *p = nullptr) {
		static_assert(sizeof(T) > 0, "OwnPtr<T>: T must be complete where it is deleted");
		T *old = lio::exchange(ptr_, p);
		delete old;
	}

  private:
	explicit OwnPtr(T *p) : ptr_(p) {}
	T *ptr_ = nullptr;
};

template <typename T> OwnPtr<T> adopt_own(T *p) { return OwnPtr<T>::adopt(p); }

} // namespace lio

#endif // LIO_OWN_PTR_H
