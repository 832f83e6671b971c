// SPDX-License-Identifier: GPL-2.0
/*
 * lio/fixed_string.h: FixedString<N>, text of at most N characters in place (no heap), for
 * names (IQNs, WWNs) and for building configfs show() output.
 *
 *   FixedString<64> s;
 *   s.append(str_view("iqn."));
 *   s.format("%u-%02u", year, month);     // printf-checked, appends
 *   if (s.truncated()) ...                // text beyond N characters was cut off
 *
 * The text is always NUL-terminated (c_str()). Appends that do not fit keep what fits and set
 * truncated() (sticky until clear()). Truncation is detected exactly: the storage has one
 * spare byte past the capacity, so an over-long format shows up as crossing it (kabi_snprintf
 * reports only what it wrote). Keep large FixedStrings off the stack (16 KiB kernel stacks).
 */
#ifndef LIO_FIXED_STRING_H
#define LIO_FIXED_STRING_H

#include "kabi/log.h"
#include "lio/printf.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

template <usize N> class FixedString final {
	static_assert(N > 0, "FixedString<0>");

  public:
	constexpr FixedString() : buf_{} {}

	static constexpr usize capacity() { return N; }
	usize size() const { return len_; }
	bool is_empty() const { return len_ == 0; }
	bool truncated() const { return truncated_; }
	const char *c_str() const { return buf_; }
	StrView view() const { return StrView(buf_, len_); }

	void clear() {
		len_ = 0;
		truncated_ = false;
		buf_[0] = '\0';
	}

	FixedString &append(StrView s) {
		usize n = min(s.size(), N - len_);
		if (n)
			__builtin_memcpy(buf_ + len_, s.data(), n);
		len_ += n;
		buf_[len_] = '\0';
		if (n < s.size())
			truncated_ = true;
		return *this;
	}
	FixedString &append(const char *s) { return append(str_view(s)); }
	FixedString &append(char c) { return append(StrView(&c, 1)); }

#if LIO_HAVE_VA_ARG_PACK
	LIO_PRINTF_WRAPPER(2, 3) void format(const char *fmt, ...) {
		usize room = sizeof(buf_) - len_; // the rest of the capacity, NUL, spare byte
		commit(kabi_snprintf(buf_ + len_, room, fmt, __builtin_va_arg_pack()));
	}
#else
	template <typename... Args> void format(const char *fmt, Args... args) {
		usize room = sizeof(buf_) - len_;
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-security"
#pragma clang diagnostic ignored "-Wformat-nonliteral"
		commit(kabi_snprintf(buf_ + len_, room, fmt, args...));
#pragma clang diagnostic pop
	}
#endif

  private:
	void commit(s32 written) {
		usize n = written > 0 ? static_cast<usize>(written) : 0;
		if (len_ + n > N) { // reached the spare byte: the text did not fit
			truncated_ = true;
			len_ = N;
		} else {
			len_ += n;
		}
		buf_[len_] = '\0';
	}

	char buf_[N + 2]; // N characters, the NUL, one spare byte for truncation detection
	usize len_ = 0;
	bool truncated_ = false;
};

} // namespace lio

#endif // LIO_FIXED_STRING_H
