// SPDX-License-Identifier: GPL-2.0
// tests/host/fabrics/iscsi/test_text.cpp: text keys (fabrics/iscsi/text.h).
#include <gtest/gtest.h>

#include <string>

#include "fabrics/iscsi/text.h"
#include "test_support.h"

using namespace lio;
using namespace lio::fabrics::iscsi;

namespace {

Bytes bytes(const std::string &s) { return Bytes(reinterpret_cast<const u8 *>(s.data()), s.size()); }
std::string str(StrView v) { return std::string(v.data(), v.size()); }

TEST(IscsiText, ReadsPairs) {
	std::string t("A=1\0Bee=two\0Empty=\0", 19);
	TextReader r(bytes(t));
	TextPair p;
	ASSERT_TRUE(r.next(p).value());
	EXPECT_EQ(str(p.key), "A");
	EXPECT_EQ(str(p.value), "1");
	ASSERT_TRUE(r.next(p).value());
	EXPECT_EQ(str(p.value), "two");
	ASSERT_TRUE(r.next(p).value());
	EXPECT_EQ(str(p.key), "Empty");
	EXPECT_EQ(str(p.value), "");
	EXPECT_FALSE(r.next(p).value());
	EXPECT_FALSE(r.next(p).value());
}

TEST(IscsiText, ToleratesMissingFinalNulAndPadding) {
	TextPair p;
	const std::string sa("A=1");
	TextReader a(bytes(sa)); // a reader views its buffer: it must outlive the reader
	ASSERT_TRUE(a.next(p).value());
	EXPECT_FALSE(a.next(p).value());
	const std::string sb("A=1\0\0\0\0", 7);
	TextReader b(bytes(sb));
	ASSERT_TRUE(b.next(p).value());
	EXPECT_FALSE(b.next(p).value());
	TextReader e(Bytes{});
	EXPECT_FALSE(e.next(p).value());
}

TEST(IscsiText, RejectsMalformed) {
	const char *bad[] = {"NoEquals", "=value", "Bad Key=1", "K\xff=1"};
	for (const char *b : bad) {
		const std::string sb(b);
		TextReader r(bytes(sb));
		TextPair p;
		EXPECT_TRUE(r.next(p).is_error()) << b;
	}
	const std::string sgap("A=1\0\0B=2", 8); // empty pair in the middle
	TextReader gap(bytes(sgap));
	TextPair p;
	ASSERT_TRUE(gap.next(p).value());
	EXPECT_TRUE(gap.next(p).is_error());
}

TEST(IscsiText, KeyAndValueBounds) {
	TextPair p;
	std::string k63(63, 'k'), k64(64, 'k');
	EXPECT_TRUE(TextReader(bytes(k63 + "=1")).next(p).is_ok());
	EXPECT_TRUE(TextReader(bytes(k64 + "=1")).next(p).is_error());
	EXPECT_TRUE(TextReader(bytes("A=" + std::string(255, 'v'))).next(p).is_ok());
	EXPECT_TRUE(TextReader(bytes("A=" + std::string(256, 'v'))).next(p).is_error());
	EXPECT_TRUE(TextReader(bytes("CHAP_C=" + std::string(1024, 'v'))).next(p).is_ok());
	EXPECT_TRUE(TextReader(bytes("CHAP_R=" + std::string(1025, 'v'))).next(p).is_error());
	EXPECT_TRUE(TextReader(bytes("X#ext.key=1")).next(p).is_ok());
	EXPECT_TRUE(TextReader(bytes("X.a#b=1")).next(p).is_error());
	EXPECT_TRUE(TextReader(bytes("a.b-c+d@e_f=1")).next(p).is_ok());
}

TEST(IscsiText, AccumulatorJoinsAndBounds) {
	LeakCheck leaks;
	{
		TextAccumulator acc(4096);
		std::string a(3000, 'a'), b(1096, 'b');
		ASSERT_TRUE(acc.append(bytes(a), Gfp::Kernel).is_ok());
		ASSERT_TRUE(acc.append(bytes(b), Gfp::Kernel).is_ok());
		EXPECT_EQ(acc.size(), 4096u);
		Result<void> r = acc.append(bytes("x"), Gfp::Kernel);
		ASSERT_TRUE(r.is_error());
		EXPECT_EQ(r.error().errno_value(), KABI_E2BIG);
		EXPECT_EQ(acc.size(), 4096u);
		EXPECT_EQ(acc.bytes().data()[2999], 'a');
		EXPECT_EQ(acc.bytes().data()[3000], 'b');
		acc.clear();
		EXPECT_EQ(acc.size(), 0u);
		ASSERT_TRUE(acc.append(bytes("K=v"), Gfp::Kernel).is_ok());
		EXPECT_EQ(acc.size(), 3u);
	}
	TextAccumulator def;
	std::string big(kMaxTextLength, 'z');
	EXPECT_TRUE(def.append(bytes(big), Gfp::Kernel).is_ok());
	EXPECT_TRUE(def.append(bytes("z"), Gfp::Kernel).is_error());
}

TEST(IscsiText, BuilderIsBounded) {
	u8 buf[16];
	TextBuilder b(MutableBytes(buf, sizeof(buf)));
	ASSERT_TRUE(b.add("Key", "Value").is_ok()); // 10 bytes
	EXPECT_EQ(b.size(), 10u);
	Result<void> r = b.add("Other", "x"); // 8 more: does not fit
	EXPECT_TRUE(r.is_error());
	EXPECT_EQ(b.size(), 10u);
	ASSERT_TRUE(b.add_u32(str_view("N"), 42).is_ok());
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(buf), b.size()),
		  std::string("Key=Value\0N=42\0", 15));
}

TEST(IscsiText, FormatsNumbers) {
	char d[11];
	EXPECT_EQ(str(format_u32(0, d)), "0");
	EXPECT_EQ(str(format_u32(4294967295u, d)), "4294967295");
}

} // namespace
