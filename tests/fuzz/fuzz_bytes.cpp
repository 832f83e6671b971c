// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_bytes.cpp: libFuzzer target for the wire-facing helpers of include/lio:
 * Bytes/MutableBytes accessors (every offset and width, in and out of range, checked against
 * a byte-by-byte reference), sub-spans, and parse_u64/parse_u32/parse_bool (differential
 * against strtoull with the strict rules spelled out independently), plus FixedString.
 * Any mismatch aborts; ASan/UBSan catch reads outside the input. Later: the CDB parser.
 */
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lio/fixed_string.h"
#include "lio/span.h"
#include "lio/string.h"

using namespace lio;

namespace {

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_bytes: check failed: %s (line %d)\n", #cond,  \
				__LINE__);                                                 \
			abort();                                                           \
		}                                                                          \
	} while (0)

// Reference: most significant byte last, built the other way round from the accessor.
uint64_t ref_be(const uint8_t *p, size_t width) {
	uint64_t v = 0;
	for (size_t i = 0; i < width; i++)
		v |= static_cast<uint64_t>(p[width - 1 - i]) << (8 * i);
	return v;
}

template <typename U> Result<u64> widen(Result<U> r) {
	if (r.is_error())
		return r.error();
	return static_cast<u64>(r.value());
}

Result<u64> get(Bytes b, size_t off, size_t width) {
	switch (width) {
	case 1:
		return widen(b.get_u8(off));
	case 2:
		return widen(b.get_be16(off));
	case 3:
		return widen(b.get_be24(off));
	case 4:
		return widen(b.get_be32(off));
	default:
		return b.get_be64(off);
	}
}

Result<void> set(MutableBytes m, size_t off, size_t width, uint64_t v) {
	switch (width) {
	case 1:
		return m.set_u8(off, static_cast<u8>(v));
	case 2:
		return m.set_be16(off, static_cast<u16>(v));
	case 3:
		return m.set_be24(off, static_cast<u32>(v & 0xffffff));
	case 4:
		return m.set_be32(off, static_cast<u32>(v));
	default:
		return m.set_be64(off, v);
	}
}

const size_t kWidths[] = {1, 2, 3, 4, 8};

void fuzz_accessors(const uint8_t *data, size_t size) {
	Bytes b(data, size);
	for (size_t width : kWidths) {
		// Offsets near both ends and past the end (every one for short inputs), and
		// offsets near the top of usize.
		for (size_t off = 0; off <= size + 9; off++) {
			if (off == 24 && size > 64)
				off = size - 24; // skip the middle of long inputs: nothing new there
			Result<u64> r = get(b, off, width);
			bool fits = off + width <= size;
			CHECK(r.is_ok() == fits);
			if (fits)
				CHECK(r.value() == ref_be(data + off, width));
			else
				CHECK(r.error().errno_value() == KABI_EINVAL);
		}
		for (size_t back = 0; back < 10; back++)
			CHECK(get(b, SIZE_MAX - back, width).is_error());
	}
}

void fuzz_setters(const uint8_t *data, size_t size) {
	if (size < 2)
		return;
	std::vector<uint8_t> buf(data, data + size);
	std::vector<uint8_t> before = buf;
	MutableBytes m(buf.data(), buf.size());
	size_t width = kWidths[data[0] % 5];
	size_t off = data[1] % (size + 4);
	uint64_t v = ref_be(data, size < 8 ? size : 8);
	Result<void> r = set(m, off, width, v);
	bool fits = off + width <= size;
	CHECK(r.is_ok() == fits);
	for (size_t i = 0; i < size; i++) {
		bool inside = fits && i >= off && i < off + width;
		if (!inside)
			CHECK(buf[i] == before[i]); // nothing outside the field, nothing on failure
	}
	if (fits) {
		uint64_t mask = width == 8 ? ~0ull : ((1ull << (8 * width)) - 1);
		CHECK(ref_be(buf.data() + off, width) == (v & mask));
	}
	// A value wider than its field is refused (bounds first) and writes nothing.
	std::vector<uint8_t> snapshot = buf;
	Result<void> wide = m.set_be24(off, 0x1000000u | static_cast<u32>(v));
	CHECK(wide.is_error());
	CHECK(wide.error().errno_value() == (off + 3 <= size ? KABI_ERANGE : KABI_EINVAL));
	CHECK(buf == snapshot);
}

void fuzz_subspans(const uint8_t *data, size_t size) {
	if (size < 2)
		return;
	Bytes b(data, size);
	size_t off = data[0] % (size + 3);
	size_t len = data[1] % (size + 3);
	Result<Bytes> s = b.subspan(off, len);
	CHECK(s.is_ok() == (off + len <= size));
	if (s.is_ok()) {
		CHECK(s.value().data() == data + off);
		CHECK(s.value().size() == len);
		CHECK(s.value().get_u8(len).is_error());
	}
	CHECK(b.subspan(off).is_ok() == (off <= size));
	CHECK(b.subspan(1, SIZE_MAX).is_error());
}

// The parse rules, written independently of lio/string.h, over strtoull.
struct RefParse {
	int err; // 0, EINVAL or ERANGE
	uint64_t value;
};

bool is_digit_in(char c, int base) {
	if (c >= '0' && c <= '9')
		return base != 8 || c <= '7';
	if (base == 16)
		return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	return false;
}

RefParse ref_parse(std::string s, unsigned base) {
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	if (s.empty() || s.find('\0') != std::string::npos)
		return {EINVAL, 0};
	// strtoull would skip spaces and take a sign: the first byte must already be a digit.
	if (!is_digit_in(s[0], base == 16 ? 16 : 10))
		return {EINVAL, 0};
	errno = 0;
	char *end = nullptr;
	unsigned long long v = strtoull(s.c_str(), &end, static_cast<int>(base));
	if (end != s.c_str() + s.size())
		return {EINVAL, 0};
	if (errno == ERANGE)
		return {ERANGE, 0};
	return {0, v};
}

void fuzz_parse(const uint8_t *data, size_t size) {
	const char *text = reinterpret_cast<const char *>(data);
	StrView view(text, size);
	for (unsigned base : {0u, 10u, 16u}) {
		Result<u64> got = parse_u64(view, base);
		RefParse want = ref_parse(std::string(text, size), base);
		CHECK(got.is_ok() == (want.err == 0));
		if (got.is_ok())
			CHECK(got.value() == want.value);
		else
			CHECK(got.error().errno_value() == want.err);
		Result<u32> got32 = parse_u32(view, base);
		if (got.is_ok())
			CHECK(got32.is_ok() == (got.value() <= 0xffffffffu));
		else
			CHECK(got32.is_error());
	}
	Result<bool> b = parse_bool(view);
	if (b.is_ok()) {
		StrView s = strip_newline(view);
		CHECK(s.size() >= 1 && s.size() <= 3);
	}
}

void fuzz_fixed_string(const uint8_t *data, size_t size) {
	const char *text = reinterpret_cast<const char *>(data);
	FixedString<16> fs;
	std::string model;
	size_t half = size / 2;
	fs.append(StrView(text, half));
	fs.format("%.*s", static_cast<int>(size - half), text + half);
	model.append(text, half);
	// %.*s stops at a NUL in the input.
	model.append(text + half, strnlen(text + half, size - half));
	std::string expect = model.substr(0, 16);
	CHECK(fs.size() == expect.size());
	CHECK(memcmp(fs.c_str(), expect.data(), expect.size()) == 0);
	CHECK(fs.c_str()[fs.size()] == '\0');
	CHECK(fs.truncated() == (model.size() > 16));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	fuzz_accessors(data, size);
	fuzz_setters(data, size);
	fuzz_subspans(data, size);
	fuzz_parse(data, size);
	fuzz_fixed_string(data, size);
	return 0;
}
