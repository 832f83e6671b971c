// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/string.h and include/lio/fixed_string.h.
#include "lio/string.h"

#include <gtest/gtest.h>

#include <string>

#include "lio/fixed_string.h"

namespace lio {
namespace {

StrView sv(const std::string &s) { return StrView(s.data(), s.size()); }

u64 parse_ok(const std::string &s, unsigned base) {
	Result<u64> r = parse_u64(sv(s), base);
	EXPECT_TRUE(r.is_ok()) << "\"" << s << "\" base " << base;
	return r.is_ok() ? r.value() : 0;
}

int parse_err(const std::string &s, unsigned base) {
	Result<u64> r = parse_u64(sv(s), base);
	EXPECT_TRUE(r.is_error()) << "\"" << s << "\" base " << base;
	return r.is_error() ? r.error().errno_value() : 0;
}

TEST(ParseU64, Decimal) {
	EXPECT_EQ(parse_ok("0", 10), 0u);
	EXPECT_EQ(parse_ok("42", 10), 42u);
	EXPECT_EQ(parse_ok("42\n", 10), 42u); // echo's newline
	EXPECT_EQ(parse_ok("007", 10), 7u);
	EXPECT_EQ(parse_ok("18446744073709551615", 10), 18446744073709551615ull);
	EXPECT_EQ(parse_err("18446744073709551616", 10), KABI_ERANGE);
	EXPECT_EQ(parse_err("99999999999999999999999", 10), KABI_ERANGE);
	EXPECT_EQ(parse_err("99999999999999999999999x", 10), KABI_EINVAL); // garbage wins
	EXPECT_EQ(parse_err("0x10", 10), KABI_EINVAL);
	EXPECT_EQ(parse_err("1a", 10), KABI_EINVAL);
}

TEST(ParseU64, RejectsMalformedInput) {
	for (unsigned base : {0u, 10u, 16u}) {
		EXPECT_EQ(parse_err("", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("\n", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("1\n\n", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("-1", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("+1", base), KABI_EINVAL);
		EXPECT_EQ(parse_err(" 1", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("1 ", base), KABI_EINVAL);
		EXPECT_EQ(parse_err("1\r\n", base), KABI_EINVAL);
		EXPECT_EQ(parse_err(std::string("1\0", 2), base), KABI_EINVAL);
		EXPECT_EQ(parse_err("\n1", base), KABI_EINVAL);
	}
	EXPECT_EQ(parse_err("12", 8), KABI_EINVAL); // unsupported base
	EXPECT_EQ(parse_err("12", 2), KABI_EINVAL);
}

TEST(ParseU64, HexAndAutoBase) {
	EXPECT_EQ(parse_ok("ff", 16), 255u);
	EXPECT_EQ(parse_ok("0xFF", 16), 255u);
	EXPECT_EQ(parse_ok("0X1f\n", 16), 31u);
	EXPECT_EQ(parse_ok("ffffffffffffffff", 16), ~0ull);
	EXPECT_EQ(parse_err("10000000000000000", 16), KABI_ERANGE);
	EXPECT_EQ(parse_err("0x", 16), KABI_EINVAL);
	EXPECT_EQ(parse_err("0x", 0), KABI_EINVAL);
	EXPECT_EQ(parse_err("0xg", 16), KABI_EINVAL);
	EXPECT_EQ(parse_err("0x0x1", 16), KABI_EINVAL);
	EXPECT_EQ(parse_ok("0x10", 0), 16u);
	EXPECT_EQ(parse_ok("010", 0), 8u); // octal, as kstrtoull
	EXPECT_EQ(parse_ok("0", 0), 0u);
	EXPECT_EQ(parse_ok("0\n", 0), 0u);
	EXPECT_EQ(parse_ok("10", 0), 10u);
	EXPECT_EQ(parse_err("08", 0), KABI_EINVAL);
	EXPECT_EQ(parse_ok("01777777777777777777777", 0), ~0ull);
	EXPECT_EQ(parse_err("02000000000000000000000", 0), KABI_ERANGE);
}

TEST(ParseU32, Range) {
	EXPECT_EQ(parse_u32(str_view("4294967295"), 10).value(), 4294967295u);
	EXPECT_EQ(parse_u32(str_view("4294967296"), 10).error().errno_value(), KABI_ERANGE);
	EXPECT_EQ(parse_u32(str_view("x"), 10).error().errno_value(), KABI_EINVAL);
}

TEST(ParseBool, AcceptedSpellings) {
	for (const char *t : {"1", "y", "Y", "on", "ON", "On", "1\n", "on\n"})
		EXPECT_TRUE(parse_bool(str_view(t)).value()) << t;
	for (const char *f : {"0", "n", "N", "off", "OFF", "0\n"})
		EXPECT_FALSE(parse_bool(str_view(f)).value()) << f;
	for (const char *bad : {"", "\n", "2", "yes", "no", "true", "o", "onn", "of", " 1", "1 "})
		EXPECT_EQ(parse_bool(str_view(bad)).error().errno_value(), KABI_EINVAL) << bad;
}

TEST(StringHelpers, CompareAndEqual) {
	EXPECT_EQ(str_len("abc"), 3u);
	EXPECT_EQ(str_nlen("abcdef", 4), 4u);
	EXPECT_EQ(str_nlen("ab", 4), 2u);
	EXPECT_TRUE(str_equal(str_view("abc"), "abc"));
	EXPECT_FALSE(str_equal(str_view("abc"), "abcd"));
	EXPECT_FALSE(str_equal(str_view("abd"), "abc"));
	EXPECT_LT(str_compare(str_view("ab"), str_view("abc")), 0);
	EXPECT_GT(str_compare(str_view("b"), str_view("abc")), 0);
	EXPECT_GT(str_compare(str_view("\xff"), str_view("a")), 0); // unsigned bytes
	EXPECT_EQ(str_compare(StrView(), StrView()), 0);
	EXPECT_TRUE(starts_with(str_view("iqn.2003"), str_view("iqn.")));
	EXPECT_FALSE(starts_with(str_view("iq"), str_view("iqn.")));
	EXPECT_TRUE(str_equal(strip_newline(str_view("x\n")), "x"));
	EXPECT_TRUE(str_equal(strip_newline(str_view("x\n\n")), "x\n"));
	EXPECT_TRUE(strip_newline(StrView()).is_empty());
}

TEST(StringHelpers, CopyTruncatesWithE2big) {
	char buf[4];
	EXPECT_EQ(str_copy(Span<char>(buf, sizeof(buf)), str_view("abc")).value(), 3u);
	EXPECT_STREQ(buf, "abc");
	Result<usize> r = str_copy(Span<char>(buf, sizeof(buf)), str_view("abcd"));
	EXPECT_EQ(r.error().errno_value(), KABI_E2BIG);
	EXPECT_STREQ(buf, "abc");
	EXPECT_TRUE(str_copy(Span<char>(buf, 0), str_view("")).is_error());
	EXPECT_EQ(str_copy(Span<char>(buf, 1), str_view("")).value(), 0u);
	EXPECT_STREQ(buf, "");
}

TEST(FixedString, AppendAndFormat) {
	FixedString<32> s;
	EXPECT_TRUE(s.is_empty());
	EXPECT_STREQ(s.c_str(), "");
	s.append("iqn.").append(str_view("2003-01")).append(':');
	s.format("tpgt_%u/%s", 1u, "lun");
	EXPECT_STREQ(s.c_str(), "iqn.2003-01:tpgt_1/lun");
	EXPECT_EQ(s.size(), 22u);
	EXPECT_FALSE(s.truncated());
	EXPECT_TRUE(str_equal(s.view(), "iqn.2003-01:tpgt_1/lun"));
	s.clear();
	EXPECT_EQ(s.size(), 0u);
	EXPECT_STREQ(s.c_str(), "");
}

TEST(FixedString, TruncationIsExact) {
	FixedString<8> s;
	s.format("%s", "12345678"); // exactly the capacity: not truncated
	EXPECT_STREQ(s.c_str(), "12345678");
	EXPECT_FALSE(s.truncated());
	s.format("%d", 9); // one more
	EXPECT_STREQ(s.c_str(), "12345678");
	EXPECT_TRUE(s.truncated());
	EXPECT_EQ(s.size(), 8u);

	FixedString<8> t;
	t.append("1234");
	t.format("%s", "56789"); // 9 > 8
	EXPECT_STREQ(t.c_str(), "12345678");
	EXPECT_TRUE(t.truncated());

	FixedString<8> u;
	u.append("123456789");
	EXPECT_STREQ(u.c_str(), "12345678");
	EXPECT_TRUE(u.truncated());
	u.clear();
	EXPECT_FALSE(u.truncated());
	u.append("1234").format("%04d", 5678);
	EXPECT_STREQ(u.c_str(), "12345678");
	EXPECT_FALSE(u.truncated());
}

} // namespace
} // namespace lio
