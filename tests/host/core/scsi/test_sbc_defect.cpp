// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sbc_defect.cpp: READ DEFECT DATA(10) and (12) of a device without
// defects (empty PLIST and GLIST).
#include <gtest/gtest.h>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

std::vector<u8> rdd10(u8 flags, u16 alloc) { return cdb10(0x37, 0, u32(flags) << 24, 0, alloc); }
std::vector<u8> rdd12(u8 flags, u32 index, u32 alloc) {
	std::vector<u8> c = cdb12(0xb7, flags, index, alloc);
	return c;
}

TEST(ReadDefectData10, HeaderOfEmptyLists) {
	FakeLu lu;
	// libiscsi's simple case: no list requested, format 0, 32 bytes allowed.
	Exec e(lu, rdd10(0x00, 32), 32);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.data(), (std::vector<u8>{0, 0, 0, 0}));
	EXPECT_EQ(e.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(e.cmd().residual_count(), 28u);
	// Each list and format requested: PLISTV/GLISTV echo the request, the format is kept,
	// DEFECT LIST LENGTH 0.
	for (u8 req : {0x00, 0x08, 0x10, 0x18}) {
		for (u8 fmt = 0; fmt < 7; fmt++) {
			Exec f(lu, rdd10(u8(req | fmt), 255), 255);
			ASSERT_TRUE(f.good()) << int(req) << " " << int(fmt);
			EXPECT_EQ(f.data(), (std::vector<u8>{0, u8(req | fmt), 0, 0}));
		}
	}
	// Short allocation length: the header is cut.
	Exec cut(lu, rdd10(0x18, 2), 2);
	ASSERT_TRUE(cut.good());
	EXPECT_EQ(cut.data(), (std::vector<u8>{0, 0x18}));
	Exec none(lu, rdd10(0x18, 0), 0);
	EXPECT_TRUE(none.good());
	EXPECT_EQ(none.cmd().data_in_length(), 0u);
}

TEST(ReadDefectData10, Errors) {
	FakeLu lu;
	Exec reserved_format(lu, rdd10(0x17, 32), 32);
	expect_invalid_field(reserved_format, 2, 2);
	Exec reserved_bit(lu, rdd10(0x20, 32), 32);
	expect_invalid_field(reserved_bit, 2, 5);
	std::vector<u8> c = rdd10(0, 32);
	c[1] = 0x01;
	Exec b1(lu, c, 32);
	expect_invalid_field(b1, 1, 0);
	c = rdd10(0, 32);
	c[5] = 0x80;
	Exec b5(lu, c, 32);
	expect_invalid_field(b5, 5, 7);
}

TEST(ReadDefectData12, HeaderOfEmptyLists) {
	FakeLu lu;
	Exec e(lu, rdd12(0x00, 0, 32), 32);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.data(), (std::vector<u8>(8, 0)));
	for (u8 req : {0x00, 0x08, 0x10, 0x18}) {
		for (u8 fmt = 0; fmt < 7; fmt++) {
			Exec f(lu, rdd12(u8(req | fmt), 5, 255), 255);
			ASSERT_TRUE(f.good());
			EXPECT_EQ(f.data(), (std::vector<u8>{0, u8(req | fmt), 0, 0, 0, 0, 0, 0}))
			    << "GENERATION CODE 0, DEFECT LIST LENGTH 0, any index";
		}
	}
	Exec cut(lu, rdd12(0x10, 0, 3), 3);
	ASSERT_TRUE(cut.good());
	EXPECT_EQ(cut.data(), (std::vector<u8>{0, 0x10, 0}));
}

TEST(ReadDefectData12, Errors) {
	FakeLu lu;
	Exec reserved_format(lu, rdd12(0x0f, 0, 32), 32);
	expect_invalid_field(reserved_format, 1, 2);
	Exec reserved_bit(lu, rdd12(0x80, 0, 32), 32);
	expect_invalid_field(reserved_bit, 1, 7);
	std::vector<u8> c = rdd12(0, 0, 32);
	c[10] = 0x01;
	Exec b10(lu, c, 32);
	expect_invalid_field(b10, 10, 0);
}

TEST(ReadDefectData, ReportedByRsoc) {
	FakeLu lu;
	Exec ten(lu, {0xa3, 0x0c, 0x01, 0x37, 0, 0, 0, 0, 0, 64, 0, 0}, 64);
	ASSERT_TRUE(ten.good());
	EXPECT_EQ(ten.at(1) & 0x07, 0x03);
	EXPECT_EQ(ten.be(2, 2), 10u);
	EXPECT_EQ(ten.at(4 + 2), 0x1f);
	Exec twelve(lu, {0xa3, 0x0c, 0x01, 0xb7, 0, 0, 0, 0, 0, 64, 0, 0}, 64);
	ASSERT_TRUE(twelve.good());
	EXPECT_EQ(twelve.at(1) & 0x07, 0x03);
	EXPECT_EQ(twelve.be(2, 2), 12u);
	EXPECT_EQ(twelve.at(4 + 1), 0x1f);
}

} // namespace
} // namespace lio::scsi::test
