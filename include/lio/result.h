// SPDX-License-Identifier: GPL-2.0
/*
 * lio/result.h: errors as values.
 *
 * lio::Error carries a positive Linux errno (KABI_E*) and room for a SCSI sense reason
 * (sense(), 0 = none) that the SCSI layer maps to sense data. It is 8 bytes and trivially
 * copyable; there is no "no error" Error.
 *
 * lio::Result<T> holds either a T or an Error; Result<void> holds nothing or an Error.
 * Both are [[nodiscard]]. No exceptions and no heap: the value lives inside the Result.
 * Reading the value of an error (or the error of a value) is a bug and halts (LIO_VERIFY).
 *
 *   Result<u32> parse(...);            return value;  /  return Error::from_errno(KABI_EINVAL);
 *   Result<void> f() { ...; return {}; }               // success
 *   u32 v = TRY(parse(...));           // on error, returns the Error from the enclosing
 *                                      // function (which must return a Result or Error)
 *   auto obj = MUST(make_thing());     // error = bug: kabi_assert_failed, then halt
 *
 * TRY and MUST are GNU statement expressions (GCC and clang); their operand must be a
 * prvalue or something movable, since the Result is moved into a temporary.
 */
#ifndef LIO_RESULT_H
#define LIO_RESULT_H

#include "lio/assert.h"
#include "lio/placement_new.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

template <typename T> class Result;

class Error final {
  public:
	static constexpr s32 kMaxErrno = 4095; // as the kernel's MAX_ERRNO

	// errno: a positive KABI_E* value. Anything else is a bug, reported and mapped to EIO.
	static constexpr Error from_errno(s32 errno_value) {
		if (errno_value <= 0 || errno_value > kMaxErrno) {
			kabi_assert_failed("Error::from_errno: not a positive errno", __FILE__,
					   __LINE__);
			errno_value = KABI_EIO;
		}
		return Error(errno_value, 0);
	}
	// ret: a kernel-style return value, -errno.
	static constexpr Error from_kernel(s64 ret) {
		if (ret >= 0 || ret < -kMaxErrno) {
			kabi_assert_failed("Error::from_kernel: not a negative errno", __FILE__,
					   __LINE__);
			ret = -KABI_EIO;
		}
		return Error(static_cast<s32>(-ret), 0);
	}

	constexpr s32 errno_value() const { return errno_; }
	// The kernel's convention: -errno.
	constexpr s32 to_kernel() const { return -errno_; }

	// SCSI sense reason (a later layer defines the values); 0 = none.
	constexpr u16 sense() const { return sense_; }
	constexpr bool has_sense() const { return sense_ != 0; }
	constexpr Error with_sense(u16 sense) const { return Error(errno_, sense); }

	constexpr bool operator==(const Error &o) const {
		return errno_ == o.errno_ && sense_ == o.sense_;
	}
	constexpr bool operator!=(const Error &o) const { return !(*this == o); }

  private:
	friend class Result<void>;
	constexpr Error(s32 errno_value, u16 sense) : errno_(errno_value), sense_(sense) {}

	s32 errno_;
	u16 sense_;
};

namespace detail {

// Payload storage. For trivially copyable T the Result is trivially copyable too, so small
// results (Result<u32>) travel in registers; otherwise copies and destruction are explicit.
template <typename T, bool Trivial = is_trivially_copyable_v<T>> class ResultStorage {
  protected:
	constexpr ResultStorage(const T &v) : ok_(true), value_(v) {}
	constexpr ResultStorage(T &&v) : ok_(true), value_(lio::move(v)) {}
	constexpr ResultStorage(Error e) : ok_(false), error_(e) {}

	bool ok_;
	union {
		T value_;
		Error error_;
	};
};

template <typename T> class ResultStorage<T, false> {
  protected:
	ResultStorage(const T &v) : ok_(true) { new (&value_) T(v); }
	ResultStorage(T &&v) : ok_(true) { new (&value_) T(lio::move(v)); }
	ResultStorage(Error e) : ok_(false), error_(e) {}

	ResultStorage(const ResultStorage &o) : ok_(o.ok_) { construct_from(o); }
	ResultStorage(ResultStorage &&o) : ok_(o.ok_) { construct_from(lio::move(o)); }
	ResultStorage &operator=(const ResultStorage &o) {
		if (this != &o) {
			destroy();
			ok_ = o.ok_;
			construct_from(o);
		}
		return *this;
	}
	ResultStorage &operator=(ResultStorage &&o) {
		if (this != &o) {
			destroy();
			ok_ = o.ok_;
			construct_from(lio::move(o));
		}
		return *this;
	}
	~ResultStorage() { destroy(); }

	bool ok_;
	union {
		T value_;
		Error error_;
	};

  private:
	void construct_from(const ResultStorage &o) {
		if (ok_)
			new (&value_) T(o.value_);
		else
			new (&error_) Error(o.error_);
	}
	void construct_from(ResultStorage &&o) {
		if (ok_)
			new (&value_) T(lio::move(o.value_));
		else
			new (&error_) Error(o.error_);
	}
	void destroy() {
		if (ok_)
			value_.~T();
	}
};

} // namespace detail

template <typename T> class [[nodiscard]] Result final : private detail::ResultStorage<T> {
	static_assert(!is_reference_v<T>, "Result<T&>: hold a pointer instead");
	static_assert(!is_same_v<remove_cv_t<T>, Error>, "Result<Error> is ambiguous");
	using Storage = detail::ResultStorage<T>;

  public:
	using ValueType = T;

	Result(const T &v) : Storage(v) {}
	Result(T &&v) : Storage(lio::move(v)) {}
	// Anything that converts to T (OwnPtr<Derived> into Result<OwnPtr<Base>>, ...).
	template <typename U,
		  typename = enable_if_t<is_convertible_v<U &&, T> &&
					 !is_same_v<remove_cvref_t<U>, T> &&
					 !is_same_v<remove_cvref_t<U>, Error> &&
					 !is_same_v<remove_cvref_t<U>, Result>>>
	Result(U &&v) : Storage(T(lio::forward<U>(v))) {}
	Result(Error e) : Storage(e) {}

	bool is_ok() const { return this->ok_; }
	bool is_error() const { return !this->ok_; }

	T &value() & {
		LIO_VERIFY(this->ok_);
		return this->value_;
	}
	const T &value() const & {
		LIO_VERIFY(this->ok_);
		return this->value_;
	}
	T value() && { return release_value(); }
	// Moves the value out (the Result keeps a moved-from T).
	T release_value() {
		LIO_VERIFY(this->ok_);
		return lio::move(this->value_);
	}
	T value_or(T fallback) const & {
		return this->ok_ ? this->value_ : lio::move(fallback);
	}

	const Error &error() const {
		LIO_VERIFY(!this->ok_);
		return this->error_;
	}
	Error release_error() const { return error(); }
};

template <> class [[nodiscard]] Result<void> final {
  public:
	using ValueType = void;

	constexpr Result() : error_(0, 0) {} // success
	constexpr Result(Error e) : error_(e) {}

	constexpr bool is_ok() const { return error_.errno_ == 0; }
	constexpr bool is_error() const { return error_.errno_ != 0; }

	void value() const { LIO_VERIFY(is_ok()); }
	void release_value() const { LIO_VERIFY(is_ok()); }

	const Error &error() const {
		LIO_VERIFY(is_error());
		return error_;
	}
	Error release_error() const { return error(); }

  private:
	Error error_; // errno 0: success (no public Error can hold 0)
};

// A kernel-style return value (0 or more = success, -errno = failure) as a Result.
inline Result<void> result_from_kernel(s64 ret) {
	if (ret < 0)
		return Error::from_kernel(ret);
	return {};
}

} // namespace lio

#define TRY(expr)                                                                          \
	({                                                                                 \
		auto _lio_try_result = (expr);                                             \
		if (_lio_try_result.is_error())                                            \
			return _lio_try_result.release_error();                            \
		_lio_try_result.release_value();                                           \
	})

#define MUST(expr)                                                                         \
	({                                                                                 \
		auto _lio_must_result = (expr);                                            \
		if (__builtin_expect(_lio_must_result.is_error(), 0)) {                    \
			kabi_assert_failed("MUST(" #expr ")", __FILE__, __LINE__);         \
			::lio::halt();                                                     \
		}                                                                          \
		_lio_must_result.release_value();                                          \
	})

#endif // LIO_RESULT_H
