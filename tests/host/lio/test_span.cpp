// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/span.h: Span, Bytes, MutableBytes.
#include "lio/span.h"

#include <gtest/gtest.h>

#include <cstring>

namespace lio {
namespace {

TEST(Span, BasicsAndConversion) {
	int array[4] = {1, 2, 3, 4};
	Span<int> s(array);
	EXPECT_EQ(s.size(), 4u);
	EXPECT_EQ(s.size_bytes(), 16u);
	s[1] = 20;
	Span<const int> c = s;
	EXPECT_EQ(c[1], 20);
	int sum = 0;
	for (int v : c)
		sum += v;
	EXPECT_EQ(sum, 28);
	EXPECT_TRUE(Span<int>().is_empty());
}

TEST(Span, SubspanChecksBounds) {
	int array[4] = {1, 2, 3, 4};
	Span<int> s(array);
	Span<int> mid = s.subspan(1, 2).value();
	EXPECT_EQ(mid.size(), 2u);
	EXPECT_EQ(mid[0], 2);
	EXPECT_EQ(s.subspan(4, 0).value().size(), 0u); // empty at the end is fine
	EXPECT_EQ(s.subspan(4).value().size(), 0u);
	EXPECT_EQ(s.subspan(2).value()[0], 3);
	EXPECT_EQ(s.subspan(3, 2).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(s.subspan(5).error().errno_value(), KABI_EINVAL);
	EXPECT_TRUE(s.subspan(1, ~usize(0)).is_error()); // offset + len overflows
	EXPECT_TRUE(s.subspan(~usize(0), 2).is_error());
	EXPECT_TRUE(s.contains_range(0, 4));
	EXPECT_FALSE(s.contains_range(1, 4));
}

TEST(SpanDeathTest, IndexOutOfRangeHalts) {
	int array[2] = {1, 2};
	Span<int> s(array);
	EXPECT_DEATH((void)s[2], "i < size_");
}

TEST(Bytes, BigEndianReads) {
	const u8 buf[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01};
	Bytes b(buf);
	EXPECT_EQ(b.get_u8(0).value(), 0x12);
	EXPECT_EQ(b.get_be16(0).value(), 0x1234);
	EXPECT_EQ(b.get_be24(1).value(), 0x345678u);
	EXPECT_EQ(b.get_be32(0).value(), 0x12345678u);
	EXPECT_EQ(b.get_be32(5).value(), 0xbcdef001u);
	EXPECT_EQ(b.get_be64(0).value(), 0x123456789abcdef0ull);
	EXPECT_EQ(b.get_be64(1).value(), 0x3456789abcdef001ull);
}

TEST(Bytes, ReadsNeverLeaveTheView) {
	const u8 buf[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	Bytes b(buf, 4); // the bytes past 4 exist but are not ours
	EXPECT_EQ(b.get_be32(0).value(), 0x01020304u);
	EXPECT_EQ(b.get_u8(4).error().errno_value(), KABI_EINVAL);
	EXPECT_TRUE(b.get_be16(3).is_error());
	EXPECT_TRUE(b.get_be24(2).is_error());
	EXPECT_TRUE(b.get_be32(1).is_error());
	EXPECT_TRUE(b.get_be64(0).is_error());
	EXPECT_TRUE(b.get_be16(~usize(0)).is_error()); // offset + width wraps
	EXPECT_TRUE(b.get_be64(~usize(0) - 3).is_error());
	EXPECT_TRUE(Bytes().get_u8(0).is_error());
	Bytes tail = b.subspan(2).value();
	EXPECT_EQ(tail.get_be16(0).value(), 0x0304);
	EXPECT_TRUE(tail.get_be16(1).is_error());
	EXPECT_TRUE(b.subspan(2, 3).is_error());
	EXPECT_TRUE(b.subspan(5).is_error());
}

TEST(MutableBytes, WritesAreCheckedAndRoundTrip) {
	u8 buf[16] = {};
	MutableBytes m(buf);
	EXPECT_TRUE(m.set_u8(0, 0xab).is_ok());
	EXPECT_TRUE(m.set_be16(1, 0x1234).is_ok());
	EXPECT_TRUE(m.set_be24(3, 0xabcdef).is_ok());
	EXPECT_TRUE(m.set_be32(6, 0xdeadbeef).is_ok());
	EXPECT_TRUE(m.set_be64(8, 0x0102030405060708ull).is_ok());
	const u8 expect[16] = {0xab, 0x12, 0x34, 0xab, 0xcd, 0xef, 0xde, 0xad,
			       0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	EXPECT_EQ(memcmp(buf, expect, 16), 0);
	EXPECT_EQ(m.get_be24(3).value(), 0xabcdefu);
	Bytes view = m;
	EXPECT_EQ(view.get_be64(8).value(), 0x0102030405060708ull);

	EXPECT_EQ(m.set_be24(0, 0x1000000).error().errno_value(), KABI_ERANGE);
	EXPECT_EQ(m.set_be16(15, 1).error().errno_value(), KABI_EINVAL);
	EXPECT_TRUE(m.set_be64(9, 1).is_error());
	EXPECT_TRUE(m.set_u8(16, 1).is_error());
	EXPECT_EQ(memcmp(buf, expect, 16), 0); // failed writes wrote nothing
}

TEST(MutableBytes, CopyInAndFill) {
	u8 buf[8] = {};
	MutableBytes m(buf);
	const u8 src[3] = {7, 8, 9};
	EXPECT_TRUE(m.copy_in(5, Bytes(src)).is_ok());
	EXPECT_EQ(buf[7], 9);
	EXPECT_TRUE(m.copy_in(6, Bytes(src)).is_error());
	EXPECT_TRUE(m.copy_in(8, Bytes()).is_ok());
	MutableBytes sub = m.subspan(2, 3).value();
	sub.fill(0xee);
	EXPECT_EQ(buf[1], 0);
	EXPECT_EQ(buf[2], 0xee);
	EXPECT_EQ(buf[4], 0xee);
	EXPECT_EQ(buf[5], 7);
	EXPECT_TRUE(m.subspan(7, 2).is_error());
}

} // namespace
} // namespace lio
