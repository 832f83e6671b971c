// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/text.cpp: text key parsing and building (see text.h).
 */
#include "fabrics/iscsi/text.h"

namespace lio::fabrics::iscsi {

bool text_key_char_ok(char c) {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
}

usize text_value_limit(StrView key) {
	if (str_equal(key, "CHAP_C") || str_equal(key, "CHAP_R"))
		return kMaxBinaryValueLength;
	return kMaxValueLength;
}

Result<bool> TextReader::next(TextPair &out) {
	const u8 *p = buf_.data();
	usize n = buf_.size();
	// Only NULs left (or nothing): the end.
	usize rest = pos_;
	while (rest < n && p[rest] == 0)
		rest++;
	if (rest == n) {
		pos_ = n;
		return false;
	}
	if (rest != pos_)
		return Error::from_errno(KABI_EINVAL); // an empty pair between two pairs

	usize start = pos_;
	usize end = start;
	while (end < n && p[end] != 0)
		end++;
	// [start, end) is one "key=value".
	usize eq = start;
	while (eq < end && p[eq] != '=')
		eq++;
	if (eq == end)
		return Error::from_errno(KABI_EINVAL);
	usize key_len = eq - start;
	if (key_len == 0 || key_len > kMaxKeyLength)
		return Error::from_errno(KABI_EINVAL);
	const char *key = reinterpret_cast<const char *>(p + start);
	// "X#..." names IANA-registered extension keys (RFC 7143 13.5.1).
	usize first = key_len >= 2 && key[0] == 'X' && key[1] == '#' ? 2 : 0;
	for (usize i = first; i < key_len; i++)
		if (!text_key_char_ok(key[i]))
			return Error::from_errno(KABI_EINVAL);
	StrView k(key, key_len);
	usize value_len = end - eq - 1;
	if (value_len > text_value_limit(k))
		return Error::from_errno(KABI_EINVAL);
	out.key = k;
	out.value = StrView(reinterpret_cast<const char *>(p + eq + 1), value_len);
	pos_ = end < n ? end + 1 : n;
	return true;
}

TextAccumulator::~TextAccumulator() { free_raw(buf_); }

Result<void> TextAccumulator::append(Bytes chunk, Gfp gfp) {
	if (chunk.size() > limit_ - size_)
		return Error::from_errno(KABI_E2BIG);
	usize need = size_ + chunk.size();
	if (need > capacity_) {
		usize cap = capacity_ ? capacity_ : 1024;
		while (cap < need)
			cap *= 2;
		if (cap > limit_)
			cap = limit_;
		u8 *nb = static_cast<u8 *>(alloc_raw(cap, gfp));
		if (!nb)
			return Error::from_errno(KABI_ENOMEM);
		if (size_)
			__builtin_memcpy(nb, buf_, size_);
		free_raw(buf_);
		buf_ = nb;
		capacity_ = cap;
	}
	if (chunk.size())
		__builtin_memcpy(buf_ + size_, chunk.data(), chunk.size());
	size_ = need;
	return {};
}

Result<void> TextBuilder::add(StrView key, StrView value) {
	usize need = key.size() + 1 + value.size() + 1;
	if (need > buf_.size() - size_)
		return Error::from_errno(KABI_E2BIG);
	u8 *p = buf_.data() + size_;
	if (key.size())
		__builtin_memcpy(p, key.data(), key.size());
	p[key.size()] = '=';
	if (value.size())
		__builtin_memcpy(p + key.size() + 1, value.data(), value.size());
	p[need - 1] = 0;
	size_ += need;
	return {};
}

Result<void> TextBuilder::add_u32(StrView key, u32 value) {
	char digits[11];
	return add(key, format_u32(value, digits));
}

StrView format_u32(u32 v, char (&buf)[11]) {
	char tmp[10];
	usize n = 0;
	do {
		tmp[n++] = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v);
	for (usize i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return StrView(buf, n);
}

} // namespace lio::fabrics::iscsi
