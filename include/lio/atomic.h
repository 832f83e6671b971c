// SPDX-License-Identifier: GPL-2.0
/*
 * lio/atomic.h: Atomic<T> for integers and pointers, over the GCC __atomic builtins (which
 * compile to plain lock-prefixed instructions on x86-64; no library calls).
 *
 * Rules: every operation names its memory order (default SeqCst). T is an integer or pointer
 * of at most 8 bytes; arithmetic (fetch_add ...) on integers only. constexpr-constructible,
 * so a static Atomic needs no constructor call.
 */
#ifndef LIO_ATOMIC_H
#define LIO_ATOMIC_H

#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

enum class MemoryOrder : int {
	Relaxed = __ATOMIC_RELAXED,
	Acquire = __ATOMIC_ACQUIRE,
	Release = __ATOMIC_RELEASE,
	AcqRel = __ATOMIC_ACQ_REL,
	SeqCst = __ATOMIC_SEQ_CST,
};

namespace detail {
// The failure order of a compare-exchange may not include a release.
constexpr int load_order(MemoryOrder o) {
	return o == MemoryOrder::AcqRel    ? __ATOMIC_ACQUIRE
	       : o == MemoryOrder::Release ? __ATOMIC_RELAXED
					   : static_cast<int>(o);
}
} // namespace detail

inline void atomic_fence(MemoryOrder order) { __atomic_thread_fence(static_cast<int>(order)); }

template <typename T> class Atomic final {
	static_assert(is_integral_v<T> || is_pointer_v<T>, "Atomic<T>: integers and pointers");
	static_assert(sizeof(T) <= 8, "Atomic<T>: at most 8 bytes");

  public:
	constexpr Atomic() : value_() {}
	constexpr explicit Atomic(T v) : value_(v) {}
	Atomic(const Atomic &) = delete;
	Atomic &operator=(const Atomic &) = delete;

	T load(MemoryOrder o = MemoryOrder::SeqCst) const {
		return __atomic_load_n(&value_, static_cast<int>(o));
	}
	void store(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		__atomic_store_n(&value_, v, static_cast<int>(o));
	}
	T exchange(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		return __atomic_exchange_n(&value_, v, static_cast<int>(o));
	}
	// On failure, expected receives the current value.
	bool compare_exchange(T &expected, T desired, MemoryOrder o = MemoryOrder::SeqCst) {
		return __atomic_compare_exchange_n(&value_, &expected, desired, false,
						   static_cast<int>(o), detail::load_order(o));
	}
	T fetch_add(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		static_assert(is_integral_v<T>, "fetch_add: integers only");
		return __atomic_fetch_add(&value_, v, static_cast<int>(o));
	}
	T fetch_sub(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		static_assert(is_integral_v<T>, "fetch_sub: integers only");
		return __atomic_fetch_sub(&value_, v, static_cast<int>(o));
	}
	T fetch_and(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		static_assert(is_integral_v<T>, "fetch_and: integers only");
		return __atomic_fetch_and(&value_, v, static_cast<int>(o));
	}
	T fetch_or(T v, MemoryOrder o = MemoryOrder::SeqCst) {
		static_assert(is_integral_v<T>, "fetch_or: integers only");
		return __atomic_fetch_or(&value_, v, static_cast<int>(o));
	}

  private:
	T value_;
};

} // namespace lio

#endif // LIO_ATOMIC_H
