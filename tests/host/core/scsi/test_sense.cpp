// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sense.h: reason table and sense formats.
#include "core/scsi/sense.h"

#include <gtest/gtest.h>

#include <vector>

namespace lio::scsi {
namespace {

struct Expect {
	SenseReason r;
	u8 key, asc, ascq;
};

TEST(Sense, TriplesOfTheNamedReasons) {
	const Expect cases[] = {
		{SenseReason::kNone, 0x0, 0x00, 0x00},
		{SenseReason::kInvalidOpcode, 0x5, 0x20, 0x00},
		{SenseReason::kInvalidFieldInCdb, 0x5, 0x24, 0x00},
		{SenseReason::kLbaOutOfRange, 0x5, 0x21, 0x00},
		{SenseReason::kParameterListLength, 0x5, 0x1a, 0x00},
		{SenseReason::kInvalidFieldInParamList, 0x5, 0x26, 0x00},
		{SenseReason::kSavingParamsUnsupported, 0x5, 0x39, 0x00},
		{SenseReason::kLunNotSupported, 0x5, 0x25, 0x00},
		{SenseReason::kWriteProtected, 0x7, 0x27, 0x00},
		{SenseReason::kMiscompareDuringVerify, 0xe, 0x1d, 0x00},
		{SenseReason::kUnrecoveredReadError, 0x3, 0x11, 0x00},
		{SenseReason::kWriteError, 0x3, 0x0c, 0x00},
		{SenseReason::kInternalTargetFailure, 0x4, 0x44, 0x00},
		{SenseReason::kNotReadyCauseNotReportable, 0x2, 0x04, 0x00},
		{SenseReason::kNotReadyManualIntervention, 0x2, 0x04, 0x03},
		{SenseReason::kNotReadyAluaTransition, 0x2, 0x04, 0x0a},
		{SenseReason::kPowerOnResetOccurred, 0x6, 0x29, 0x00},
		{SenseReason::kModeParametersChanged, 0x6, 0x2a, 0x01},
		{SenseReason::kCapacityDataChanged, 0x6, 0x2a, 0x09},
		{SenseReason::kReportedLunsDataChanged, 0x6, 0x3f, 0x0e},
		{SenseReason::kAbortedCommand, 0xb, 0x00, 0x00},
		{SenseReason::kInsufficientResources, 0x5, 0x55, 0x03},
	};
	for (const Expect &c : cases) {
		SenseTriple t = sense_triple(c.r);
		EXPECT_EQ(static_cast<u8>(t.key), c.key) << static_cast<int>(c.r);
		EXPECT_EQ(t.asc, c.asc) << static_cast<int>(c.r);
		EXPECT_EQ(t.ascq, c.ascq) << static_cast<int>(c.r);
	}
	// Out of range: INTERNAL TARGET FAILURE.
	SenseTriple bad = sense_triple(static_cast<SenseReason>(0xffff));
	EXPECT_EQ(static_cast<u8>(bad.key), 0x4);
	EXPECT_EQ(bad.asc, 0x44);
}

TEST(Sense, ErrorCarriesReason) {
	Error e = sense_error(SenseReason::kLbaOutOfRange);
	EXPECT_TRUE(e.has_sense());
	EXPECT_EQ(reason_of(e), SenseReason::kLbaOutOfRange);
	EXPECT_EQ(reason_of(Error::from_errno(KABI_EIO)), SenseReason::kNone);
}

TEST(Sense, FixedFormatWithFieldPointer) {
	u8 buf[32];
	usize n = SenseData::build(MutableBytes(buf), SenseReason::kInvalidFieldInCdb,
				   SenseDetail::cdb_field(0x0102, 5), false);
	ASSERT_EQ(n, 18u);
	const u8 want[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00, 0,
			     0xcd, 0x01, 0x02};
	EXPECT_EQ(std::vector<u8>(buf, buf + 18), std::vector<u8>(want, want + 18));
	// Parameter list: C/D = 0.
	SenseData::build(MutableBytes(buf), SenseReason::kInvalidFieldInParamList,
			 SenseDetail::param_field(7, 0), false);
	EXPECT_EQ(buf[15], 0x88);
	EXPECT_EQ(buf[17], 7);
	EXPECT_EQ(buf[12], 0x26);
}

TEST(Sense, FixedFormatInformation) {
	u8 buf[18];
	SenseDetail d;
	d.has_information = true;
	d.information = 0x1234;
	usize n = SenseData::build(MutableBytes(buf), SenseReason::kMiscompareDuringVerify, d,
				   false);
	ASSERT_EQ(n, 18u);
	EXPECT_EQ(buf[0], 0xf0); // VALID
	EXPECT_EQ(buf[2], 0x0e);
	EXPECT_EQ(buf[5], 0x12);
	EXPECT_EQ(buf[6], 0x34);
	EXPECT_EQ(buf[12], 0x1d);
	// Does not fit 4 bytes: VALID = 0, INFORMATION 0.
	d.information = 0x100000000ull;
	SenseData::build(MutableBytes(buf), SenseReason::kMiscompareDuringVerify, d, false);
	EXPECT_EQ(buf[0], 0x70);
	EXPECT_EQ(buf[3] | buf[4] | buf[5] | buf[6], 0);
}

TEST(Sense, DescriptorFormat) {
	u8 buf[40];
	SenseDetail d = SenseDetail::cdb_field(4, 7);
	d.has_information = true;
	d.information = 0x0102030405060708ull;
	usize n = SenseData::build(MutableBytes(buf), SenseReason::kInvalidFieldInCdb, d, true);
	ASSERT_EQ(n, 28u);
	const u8 want[28] = {0x72, 0x05, 0x24, 0x00, 0, 0, 0, 20,
			     0x00, 0x0a, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8,
			     0x02, 0x06, 0, 0, 0xcf, 0x00, 0x04, 0};
	EXPECT_EQ(std::vector<u8>(buf, buf + 28), std::vector<u8>(want, want + 28));
	// Without details: the 8-byte header alone.
	n = SenseData::build(MutableBytes(buf), SenseReason::kPowerOnResetOccurred, SenseDetail(),
			     true);
	ASSERT_EQ(n, 8u);
	EXPECT_EQ(buf[1], 0x06);
	EXPECT_EQ(buf[2], 0x29);
	EXPECT_EQ(buf[7], 0);
}

TEST(Sense, ClipsToBuffer) {
	u8 buf[20];
	for (u8 &b : buf)
		b = 0xaa;
	usize n = SenseData::build(MutableBytes(buf, 8), SenseReason::kInvalidFieldInCdb,
				   SenseDetail::cdb_field(1, 1), false);
	EXPECT_EQ(n, 18u);
	EXPECT_EQ(buf[0], 0x70);
	EXPECT_EQ(buf[7], 10);
	EXPECT_EQ(buf[8], 0xaa); // untouched past the buffer
}

} // namespace
} // namespace lio::scsi
