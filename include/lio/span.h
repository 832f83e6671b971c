// SPDX-License-Identifier: GPL-2.0
/*
 * lio/span.h: Span<T>, a pointer and a length (std::span without the extent), and the byte
 * views Bytes and MutableBytes.
 *
 * A Span never owns. Indexing out of range is a bug and halts (LIO_VERIFY); cutting a
 * sub-span that does not fit is an expected condition and returns an error (EINVAL), since
 * offsets usually come from the wire. Span<T> converts to Span<const T>.
 *
 * Text: a char array's size counts its NUL, so Span<const char> has no array constructor;
 * use str_view("...") (lio/string.h) or Span<const char>(ptr, len).
 *
 * Bytes (read-only) and MutableBytes: byte views for wire formats (SCSI CDBs and data, iSCSI
 * PDUs), never read through structs or bitfields. Bounds-checked big-endian accessors:
 *
 *   u32 lba = TRY(cdb.get_be32(2));           // Result<u32>: EINVAL if [2, 6) is not inside
 *   TRY(out.set_be16(2, page_len));           // Result<void>: EINVAL if outside,
 *                                              // ERANGE if the value does not fit the width
 *
 * Every accessor checks offset and width against the length first (overflow-safe) and never
 * touches a byte outside [0, size). The Result form composes with TRY; a parser that has
 * already checked the length once may use MUST. Fields need no alignment.
 */
#ifndef LIO_SPAN_H
#define LIO_SPAN_H

#include "lio/assert.h"
#include "lio/result.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

template <typename T> class Span final {
  public:
	constexpr Span() = default;
	constexpr Span(T *data, usize size) : data_(data), size_(size) {}
	template <usize N, typename U = T, typename = enable_if_t<!is_same_v<remove_cv_t<U>, char>>>
	constexpr Span(T (&array)[N]) : data_(array), size_(N) {}
	// Span<U> -> Span<const U>.
	template <typename U, typename = enable_if_t<is_same_v<const U, T> && !is_same_v<U, T>>>
	constexpr Span(Span<U> o) : data_(o.data()), size_(o.size()) {}

	constexpr T *data() const { return data_; }
	constexpr usize size() const { return size_; }
	constexpr usize size_bytes() const { return size_ * sizeof(T); }
	constexpr bool is_empty() const { return size_ == 0; }

	T &operator[](usize i) const {
		LIO_VERIFY(i < size_);
		return data_[i];
	}

	constexpr T *begin() const { return data_; }
	constexpr T *end() const { return data_ + size_; }

	// True when [offset, offset + len) lies inside the span (overflow-safe).
	constexpr bool contains_range(usize offset, usize len) const {
		return offset <= size_ && len <= size_ - offset;
	}
	// The elements [offset, offset + len); EINVAL if they are not all inside.
	Result<Span> subspan(usize offset, usize len) const {
		if (!contains_range(offset, len))
			return Error::from_errno(KABI_EINVAL);
		return Span(data_ + offset, len);
	}
	// The elements from offset to the end; EINVAL if offset > size().
	Result<Span> subspan(usize offset) const {
		if (offset > size_)
			return Error::from_errno(KABI_EINVAL);
		return Span(data_ + offset, size_ - offset);
	}

  private:
	T *data_ = nullptr;
	usize size_ = 0;
};


namespace detail {

inline bool byte_range_ok(usize size, usize offset, usize width) {
	return offset <= size && width <= size - offset;
}

// Reads `width` (<= 8) bytes at p as a big-endian number.
inline u64 load_be(const u8 *p, usize width) {
	u64 v = 0;
	for (usize i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

inline void store_be(u8 *p, usize width, u64 v) {
	for (usize i = width; i > 0; i--) {
		p[i - 1] = static_cast<u8>(v);
		v >>= 8;
	}
}

template <typename U>
inline Result<U> get_be(const u8 *data, usize size, usize offset, usize width) {
	if (!byte_range_ok(size, offset, width))
		return Error::from_errno(KABI_EINVAL);
	return static_cast<U>(load_be(data + offset, width));
}

inline Result<void> set_be(u8 *data, usize size, usize offset, usize width, u64 v) {
	if (!byte_range_ok(size, offset, width))
		return Error::from_errno(KABI_EINVAL);
	if (width < 8 && (v >> (8 * width)) != 0)
		return Error::from_errno(KABI_ERANGE);
	store_be(data + offset, width, v);
	return {};
}

} // namespace detail

class Bytes final {
  public:
	constexpr Bytes() = default;
	constexpr Bytes(const u8 *data, usize size) : data_(data), size_(size) {}
	constexpr Bytes(Span<const u8> s) : data_(s.data()), size_(s.size()) {}
	template <usize N> constexpr Bytes(const u8 (&array)[N]) : data_(array), size_(N) {}
	// Any object representation (a char buffer, a header struct being written out).
	static Bytes of(const void *data, usize size) {
		return Bytes(static_cast<const u8 *>(data), size);
	}

	constexpr const u8 *data() const { return data_; }
	constexpr usize size() const { return size_; }
	constexpr bool is_empty() const { return size_ == 0; }
	constexpr Span<const u8> span() const { return Span<const u8>(data_, size_); }
	bool contains_range(usize offset, usize len) const {
		return detail::byte_range_ok(size_, offset, len);
	}
	Result<Bytes> subspan(usize offset, usize len) const {
		if (!contains_range(offset, len))
			return Error::from_errno(KABI_EINVAL);
		return Bytes(data_ + offset, len);
	}
	Result<Bytes> subspan(usize offset) const {
		if (offset > size_)
			return Error::from_errno(KABI_EINVAL);
		return Bytes(data_ + offset, size_ - offset);
	}

	Result<u8> get_u8(usize off) const { return detail::get_be<u8>(data_, size_, off, 1); }
	Result<u16> get_be16(usize off) const { return detail::get_be<u16>(data_, size_, off, 2); }
	Result<u32> get_be24(usize off) const { return detail::get_be<u32>(data_, size_, off, 3); }
	Result<u32> get_be32(usize off) const { return detail::get_be<u32>(data_, size_, off, 4); }
	Result<u64> get_be64(usize off) const { return detail::get_be<u64>(data_, size_, off, 8); }

  private:
	const u8 *data_ = nullptr;
	usize size_ = 0;
};

class MutableBytes final {
  public:
	constexpr MutableBytes() = default;
	constexpr MutableBytes(u8 *data, usize size) : data_(data), size_(size) {}
	constexpr MutableBytes(Span<u8> s) : data_(s.data()), size_(s.size()) {}
	template <usize N> constexpr MutableBytes(u8 (&array)[N]) : data_(array), size_(N) {}
	static MutableBytes of(void *data, usize size) {
		return MutableBytes(static_cast<u8 *>(data), size);
	}

	constexpr operator Bytes() const { return Bytes(data_, size_); }
	constexpr Bytes as_bytes() const { return Bytes(data_, size_); }

	constexpr u8 *data() const { return data_; }
	constexpr usize size() const { return size_; }
	constexpr bool is_empty() const { return size_ == 0; }
	constexpr Span<u8> span() const { return Span<u8>(data_, size_); }
	bool contains_range(usize offset, usize len) const {
		return detail::byte_range_ok(size_, offset, len);
	}
	Result<MutableBytes> subspan(usize offset, usize len) const {
		if (!contains_range(offset, len))
			return Error::from_errno(KABI_EINVAL);
		return MutableBytes(data_ + offset, len);
	}
	Result<MutableBytes> subspan(usize offset) const {
		if (offset > size_)
			return Error::from_errno(KABI_EINVAL);
		return MutableBytes(data_ + offset, size_ - offset);
	}

	Result<u8> get_u8(usize off) const { return as_bytes().get_u8(off); }
	Result<u16> get_be16(usize off) const { return as_bytes().get_be16(off); }
	Result<u32> get_be24(usize off) const { return as_bytes().get_be24(off); }
	Result<u32> get_be32(usize off) const { return as_bytes().get_be32(off); }
	Result<u64> get_be64(usize off) const { return as_bytes().get_be64(off); }

	Result<void> set_u8(usize off, u8 v) const { return detail::set_be(data_, size_, off, 1, v); }
	Result<void> set_be16(usize off, u16 v) const {
		return detail::set_be(data_, size_, off, 2, v);
	}
	Result<void> set_be24(usize off, u32 v) const {
		return detail::set_be(data_, size_, off, 3, v);
	}
	Result<void> set_be32(usize off, u32 v) const {
		return detail::set_be(data_, size_, off, 4, v);
	}
	Result<void> set_be64(usize off, u64 v) const {
		return detail::set_be(data_, size_, off, 8, v);
	}

	// Copies src to [off, off + src.size()); EINVAL if that is not inside.
	Result<void> copy_in(usize off, Bytes src) const {
		if (!contains_range(off, src.size()))
			return Error::from_errno(KABI_EINVAL);
		if (src.size())
			__builtin_memmove(data_ + off, src.data(), src.size());
		return {};
	}
	void fill(u8 v) const {
		if (size_)
			__builtin_memset(data_, v, size_);
	}

  private:
	u8 *data_ = nullptr;
	usize size_ = 0;
};

} // namespace lio

#endif // LIO_SPAN_H
