// SPDX-License-Identifier: GPL-2.0
/*
 * lio/string.h: text helpers over Span<const char> (no NUL needed), and strict number
 * parsing for configfs attribute writes.
 *
 * Parsing rules (parse_u64 / parse_u32 / parse_bool): the whole input must be the value,
 * except for ONE optional trailing "\n" (what `echo` adds to a configfs write). Empty input,
 * signs, spaces, other trailing bytes and embedded NULs -> EINVAL; a number that does not fit
 * -> ERANGE (EINVAL wins when both apply). Bases as the kernel's kstrtoull:
 *   10: decimal digits;  16: hex digits, optional 0x/0X prefix;
 *    0: "0x..." hex, "0..." octal, otherwise decimal.
 * parse_bool takes 0/1, y/n, Y/N, on/off (any case).
 */
#ifndef LIO_STRING_H
#define LIO_STRING_H

#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"
#include "lio/utility.h"

namespace lio {

using StrView = Span<const char>;

inline usize str_len(const char *s) { return __builtin_strlen(s); }
// strnlen: at most max.
inline usize str_nlen(const char *s, usize max) {
	usize n = 0;
	while (n < max && s[n])
		n++;
	return n;
}
// A C string as a span (without its NUL).
inline StrView str_view(const char *s) { return StrView(s, str_len(s)); }

// Lexicographic by unsigned byte value, shorter first on a common prefix: <0, 0, >0.
inline int str_compare(StrView a, StrView b) {
	usize n = min(a.size(), b.size());
	for (usize i = 0; i < n; i++) {
		u8 x = static_cast<u8>(a.data()[i]), y = static_cast<u8>(b.data()[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}
inline bool str_equal(StrView a, StrView b) {
	return a.size() == b.size() && str_compare(a, b) == 0;
}
inline bool str_equal(StrView a, const char *b) { return str_equal(a, str_view(b)); }
inline bool starts_with(StrView s, StrView prefix) {
	return s.size() >= prefix.size() && str_equal(StrView(s.data(), prefix.size()), prefix);
}

// s without one trailing '\n' (if any).
inline StrView strip_newline(StrView s) {
	if (s.size() > 0 && s.data()[s.size() - 1] == '\n')
		return StrView(s.data(), s.size() - 1);
	return s;
}

// Copies src into dst and NUL-terminates it (strscpy). Returns the length copied, or E2BIG
// when src does not fit (dst then holds the truncated text; an empty dst is left alone).
inline Result<usize> str_copy(Span<char> dst, StrView src) {
	if (dst.is_empty())
		return Error::from_errno(KABI_E2BIG);
	usize n = min(src.size(), dst.size() - 1);
	if (n)
		__builtin_memcpy(dst.data(), src.data(), n);
	dst.data()[n] = '\0';
	if (n < src.size())
		return Error::from_errno(KABI_E2BIG);
	return n;
}

namespace detail {
inline int digit_value(char c) {
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}
inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
} // namespace detail

// Equal but for ASCII case (iSCSI names, RFC 3722; hex ISIDs).
inline bool str_equal_nocase(StrView a, StrView b) {
	if (a.size() != b.size())
		return false;
	for (usize i = 0; i < a.size(); i++)
		if (detail::ascii_lower(a.data()[i]) != detail::ascii_lower(b.data()[i]))
			return false;
	return true;
}

// The value of a hexadecimal digit (either case), or -1.
inline int hex_digit_value(char c) {
	int v = detail::digit_value(c);
	return v < 16 ? v : -1;
}

inline Result<u64> parse_u64(StrView text, unsigned base) {
	StrView s = strip_newline(text);
	const char *p = s.data();
	usize n = s.size();
	if (base != 0 && base != 10 && base != 16)
		return Error::from_errno(KABI_EINVAL);
	if (n == 0)
		return Error::from_errno(KABI_EINVAL);
	bool hex_prefix = n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	if (base == 0)
		base = hex_prefix ? 16 : (p[0] == '0' && n > 1 ? 8 : 10);
	if (base == 16 && hex_prefix) {
		p += 2;
		n -= 2;
		if (n == 0)
			return Error::from_errno(KABI_EINVAL); // "0x" alone
	}
	u64 value = 0;
	bool overflow = false;
	for (usize i = 0; i < n; i++) {
		int d = detail::digit_value(p[i]);
		if (d >= static_cast<int>(base))
			return Error::from_errno(KABI_EINVAL);
		if (value > (max_value<u64>() - static_cast<u64>(d)) / base)
			overflow = true; // keep scanning: garbage later is EINVAL
		value = value * base + static_cast<u64>(d);
	}
	if (overflow)
		return Error::from_errno(KABI_ERANGE);
	return value;
}

inline Result<u32> parse_u32(StrView text, unsigned base) {
	u64 v = TRY(parse_u64(text, base));
	if (v > max_value<u32>())
		return Error::from_errno(KABI_ERANGE);
	return static_cast<u32>(v);
}

inline Result<bool> parse_bool(StrView text) {
	StrView s = strip_newline(text);
	if (s.size() == 1) {
		switch (s.data()[0]) {
		case '1': case 'y': case 'Y':
			return true;
		case '0': case 'n': case 'N':
			return false;
		}
	} else if (s.size() == 2 || s.size() == 3) {
		char l[3] = {};
		for (usize i = 0; i < s.size(); i++)
			l[i] = detail::ascii_lower(s.data()[i]);
		if (s.size() == 2 && l[0] == 'o' && l[1] == 'n')
			return true;
		if (s.size() == 3 && l[0] == 'o' && l[1] == 'f' && l[2] == 'f')
			return false;
	}
	return Error::from_errno(KABI_EINVAL);
}

} // namespace lio

#endif // LIO_STRING_H
