// SPDX-License-Identifier: GPL-2.0
// tests/host/fabrics/iscsi/test_chap.cpp: CHAP encodings and ChapServer
// (fabrics/iscsi/chap.h). Login-level CHAP flows are in test_login.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fabrics/iscsi/chap.h"
#include "fabrics/iscsi/iscsi_abi.h"
#include "test_support.h"

using namespace lio;
using namespace lio::fabrics::iscsi;

namespace {

StrView sv(const std::string &s) { return StrView(s.data(), s.size()); }

TEST(IscsiChap, DecodeHexAndBase64) {
	u8 out[8];
	MutableBytes o(out, sizeof(out));
	EXPECT_EQ(chap_decode(sv("0x0102ff"), o).value(), 3u);
	EXPECT_EQ(out[2], 0xff);
	EXPECT_EQ(chap_decode(sv("0X abc"), o).is_error(), true);
	EXPECT_EQ(chap_decode(sv("0xabc"), o).value(), 2u); // implied leading zero
	EXPECT_EQ(out[0], 0x0a);
	EXPECT_EQ(out[1], 0xbc);
	EXPECT_EQ(chap_decode(sv("0bAQID"), o).value(), 3u);
	EXPECT_EQ(out[2], 3);
	EXPECT_EQ(chap_decode(sv("0bAQI="), o).value(), 2u);
	EXPECT_EQ(chap_decode(sv("0bAQ=="), o).value(), 1u);
	EXPECT_TRUE(chap_decode(sv("0bAQ="), o).is_error());
	EXPECT_TRUE(chap_decode(sv("0bA=QI"), o).is_error());
	EXPECT_TRUE(chap_decode(sv("1234"), o).is_error());
	EXPECT_TRUE(chap_decode(sv("0x"), o).is_error());
	Result<usize> big = chap_decode(sv("0x" + std::string(18, 'a')), o);
	ASSERT_TRUE(big.is_error());
	EXPECT_EQ(big.error().errno_value(), KABI_E2BIG);
	EXPECT_TRUE(chap_decode(sv("0b" + std::string(16, 'A')), o).is_error());
}

TEST(IscsiChap, EncodeHex) {
	char buf[8];
	const u8 d[] = {0x00, 0xab, 0x1f};
	EXPECT_EQ(std::string(chap_encode_hex(Bytes(d, 3), Span<char>(buf, 8)).value().data(), 8),
		  "0x00ab1f");
	EXPECT_TRUE(chap_encode_hex(Bytes(d, 3), Span<char>(buf, 7)).is_error());
}

TEST(IscsiChap, Algorithms) {
	EXPECT_STREQ(chap_algorithm(5)->name, "md5");
	EXPECT_EQ(chap_algorithm(6)->digest_size, 20u);
	EXPECT_EQ(chap_algorithm(7)->digest_size, 32u);
	EXPECT_STREQ(chap_algorithm(8)->name, "sha3-256");
	EXPECT_EQ(chap_algorithm(4), nullptr);
}

// RFC 1321 test vector through the glue: MD5("abc").
TEST(IscsiChap, HashOrder) {
	u8 probe[64];
	iscsi_iovec iov = {"", 0};
	if (iscsi_glue_digest("md5", &iov, 1, probe, 64) != 16)
		GTEST_SKIP() << "no md5";
	// H(id || secret || challenge) with id 'a', secret "b", challenge "c" = MD5("abc").
	u8 out[32];
	const u8 c[] = {'c'};
	ASSERT_TRUE(chap_hash(*chap_algorithm(5), 'a', str_view("b"), Bytes(c, 1),
			      MutableBytes(out, sizeof(out)))
			    .is_ok());
	const u8 want[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
			     0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
	EXPECT_EQ(memcmp(out, want, 16), 0);
}

class ChapServerTest : public ::testing::Test {
  protected:
	void SetUp() override {
		u8 probe[64];
		iscsi_iovec iov = {"", 0};
		if (iscsi_glue_digest("md5", &iov, 1, probe, 64) != 16)
			GTEST_SKIP() << "no md5";
		strcpy(secrets.userid, "u");
		strcpy(secrets.password, "p12345678901");
	}
	ChapSecrets secrets;
	u8 buf[1024];
};

TEST_F(ChapServerTest, ResponseBeforeChallengeFails) {
	ChapServer s;
	TextBuilder out(MutableBytes(buf, sizeof(buf)));
	ChapAnswer a;
	a.has_n = a.has_r = true;
	a.n = str_view("u");
	a.r = str_view("0x00");
	EXPECT_EQ(s.finish(a, secrets, out), LoginStatus::kAuthFailed);
}

TEST_F(ChapServerTest, NoOneWaySecretsFails) {
	ChapServer s;
	TextBuilder out(MutableBytes(buf, sizeof(buf)));
	ASSERT_EQ(s.start(str_view("5"), out), LoginStatus::kSuccess);
	ChapSecrets none;
	ChapAnswer a;
	a.has_n = a.has_r = true;
	a.n = str_view("");
	a.r = str_view("0x00");
	EXPECT_EQ(s.finish(a, none, out), LoginStatus::kAuthFailed);
}

TEST_F(ChapServerTest, PicksFirstSupported) {
	ChapServer s;
	TextBuilder out(MutableBytes(buf, sizeof(buf)));
	ASSERT_EQ(s.start(str_view("x,99,5,6"), out), LoginStatus::kSuccess);
	std::string t(reinterpret_cast<const char *>(buf), out.size());
	EXPECT_EQ(t.substr(0, 9), std::string("CHAP_A=5\0", 9));
	EXPECT_EQ(s.start(str_view("5"), out), LoginStatus::kAuthFailed); // twice
}

TEST_F(ChapServerTest, MissingResponseFails) {
	ChapServer s;
	TextBuilder out(MutableBytes(buf, sizeof(buf)));
	ASSERT_EQ(s.start(str_view("5"), out), LoginStatus::kSuccess);
	ChapAnswer a;
	a.has_n = true;
	a.n = str_view("u");
	EXPECT_EQ(s.finish(a, secrets, out), LoginStatus::kAuthFailed);
}

} // namespace
