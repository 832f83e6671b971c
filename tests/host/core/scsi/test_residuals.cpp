// SPDX-License-Identifier: GPL-2.0
// Tests for the residuals of media commands whose data buffer (the transport's expected data
// transfer length) differs from the CDB's transfer length (sbc.cpp, sbc_compare.cpp,
// sbc_lbp.cpp, command.h transfer_length_mismatch()), as libiscsi's iSCSIResiduals suite
// and COMPARE AND WRITE tests probe them.
#include <gtest/gtest.h>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

void expect_residual(Exec &e, Residual r, u64 count) {
	EXPECT_EQ(e.cmd().residual(), r);
	EXPECT_EQ(e.cmd().residual_count(), count);
}

std::vector<u8> caw(u64 lba, u8 n) {
	std::vector<u8> c = cdb16(0x89, 0, lba, 0);
	c[13] = n;
	return c;
}

// ---- the Command layer ----

TEST(TransferLengthMismatch, KeepsTheResidualWithTheCheckCondition) {
	std::vector<u8> cdb = cdb10(0x2a, 0, 0, 0, 1);
	std::vector<u8> out(200);
	Command over(Bytes(cdb.data(), cdb.size()), MutableBytes(), Bytes(out.data(), out.size()));
	Error e = transfer_length_mismatch(over, 512);
	EXPECT_EQ(reason_of(e), SenseReason::kInvalidFieldInCommandIu);
	over.complete_check_condition(reason_of(e));
	EXPECT_EQ(over.status(), ScsiStatus::kCheckCondition);
	EXPECT_EQ(over.residual(), Residual::kOverflow);
	EXPECT_EQ(over.residual_count(), 312u);

	Command under(Bytes(cdb.data(), cdb.size()), MutableBytes(), Bytes(out.data(), out.size()));
	under.complete_check_condition(reason_of(transfer_length_mismatch(under, 0)));
	EXPECT_EQ(under.residual(), Residual::kUnderflow);
	EXPECT_EQ(under.residual_count(), 200u);

	// Any other CHECK CONDITION transfers nothing and reports no residual.
	Command other(Bytes(cdb.data(), cdb.size()), MutableBytes(), Bytes(out.data(), out.size()));
	other.set_residual(Residual::kOverflow, 5);
	other.complete_check_condition(SenseReason::kLbaOutOfRange);
	EXPECT_EQ(other.residual(), Residual::kNone);
	EXPECT_EQ(other.residual_count(), 0u);
}

// ---- READ ----

TEST(ReadResiduals, PartialLastBlockIsTransferred) {
	FakeLu lu;
	for (auto cdb : {cdb10(0x28, 0, 7, 0, 1), cdb12(0xa8, 0, 7, 1), cdb16(0x88, 0, 7, 1),
			 cdb6(0x08, 0, 0, 7, 1)}) {
		Exec e(lu, cdb, 200);
		ASSERT_TRUE(e.good()) << int(cdb[0]);
		std::vector<u8> want = lu.contents(7, 1);
		want.resize(200);
		EXPECT_EQ(e.data(), want) << int(cdb[0]);
		expect_residual(e, Residual::kOverflow, 512 - 200);
	}
	// Whole blocks, then part of the next one (scatter-gather, segments across blocks).
	Exec sg(lu, cdb10(0x28, 0, 100, 0, 4), 2 * 512 + 300, {}, nullptr, false, nullptr,
		{333, 100});
	ASSERT_TRUE(sg.good());
	std::vector<u8> want = lu.contents(100, 3);
	want.resize(2 * 512 + 300);
	EXPECT_EQ(sg.data(), want);
	expect_residual(sg, Residual::kOverflow, 4 * 512 - (2 * 512 + 300));
}

TEST(ReadResiduals, EmptyAndLargerBuffers) {
	FakeLu lu;
	Exec none(lu, cdb10(0x28, 0, 0, 0, 1), 0);
	ASSERT_TRUE(none.good());
	EXPECT_EQ(none.cmd().data_in_length(), 0u);
	expect_residual(none, Residual::kOverflow, 512);
	EXPECT_EQ(lu.reads, 0);
	Exec more(lu, cdb10(0x28, 0, 0, 0, 1), 10000);
	ASSERT_TRUE(more.good());
	EXPECT_EQ(more.data(), lu.contents(0, 1));
	expect_residual(more, Residual::kUnderflow, 10000 - 512);
	Exec one_of_two(lu, cdb10(0x28, 0, 0, 0, 2), 512);
	ASSERT_TRUE(one_of_two.good());
	EXPECT_EQ(one_of_two.data(), lu.contents(0, 1));
	expect_residual(one_of_two, Residual::kOverflow, 512);
}

TEST(ReadResiduals, PartialBlockReadError) {
	FakeLu lu;
	lu.fail = Error::from_errno(KABI_EIO);
	Exec e(lu, cdb10(0x28, 0, 0, 0, 1), 200);
	expect_sense(e, 0x03, 0x11, 0x00);
	EXPECT_EQ(e.cmd().residual(), Residual::kNone);
}

// ---- WRITE, WRITE AND VERIFY: whole blocks are written, a partial block is refused ----

struct WriteOp {
	std::vector<u8> (*cdb)(u64 lba, u32 blocks);
	const char *name;
};
const WriteOp kWriteOps[] = {
	{[](u64 lba, u32 n) { return cdb6(0x0a, 0, u8(lba >> 8), u8(lba), u8(n)); }, "WRITE(6)"},
	{[](u64 lba, u32 n) { return cdb10(0x2a, 0, u32(lba), 0, u16(n)); }, "WRITE(10)"},
	{[](u64 lba, u32 n) { return cdb12(0xaa, 0, u32(lba), n); }, "WRITE(12)"},
	{[](u64 lba, u32 n) { return cdb16(0x8a, 0, lba, n); }, "WRITE(16)"},
	{[](u64 lba, u32 n) { return cdb10(0x2e, 0, u32(lba), 0, u16(n)); }, "WRITE AND VERIFY(10)"},
	{[](u64 lba, u32 n) { return cdb10(0x2e, 0x02, u32(lba), 0, u16(n)); },
	 "WRITE AND VERIFY(10) BYTCHK"},
	{[](u64 lba, u32 n) { return cdb12(0xae, 0, u32(lba), n); }, "WRITE AND VERIFY(12)"},
	{[](u64 lba, u32 n) { return cdb16(0x8e, 0x02, lba, n); }, "WRITE AND VERIFY(16)"},
};

TEST(WriteResiduals, NoDataWritesNothing) {
	for (const WriteOp &op : kWriteOps) {
		FakeLu lu;
		Exec e(lu, op.cdb(3, 1), 0);
		ASSERT_TRUE(e.good()) << op.name;
		expect_residual(e, Residual::kOverflow, 512);
		EXPECT_EQ(lu.writes, 0) << op.name;
	}
}

TEST(WriteResiduals, MoreDataWritesTheCdbsBlocks) {
	for (const WriteOp &op : kWriteOps) {
		FakeLu lu;
		std::vector<u8> before = lu.contents(10, 20);
		std::vector<u8> data(10000, 'b');
		Exec e(lu, op.cdb(10, 1), 0, data);
		ASSERT_TRUE(e.good()) << op.name;
		expect_residual(e, Residual::kUnderflow, 10000 - 512);
		EXPECT_EQ(lu.contents(10, 1), std::vector<u8>(512, 'b')) << op.name;
		EXPECT_EQ(lu.contents(11, 19),
			  std::vector<u8>(before.begin() + 512, before.end())) << op.name;
		Exec two(lu, op.cdb(12, 1), 0, std::vector<u8>(1024, 'c'));
		ASSERT_TRUE(two.good()) << op.name;
		expect_residual(two, Residual::kUnderflow, 512);
		EXPECT_EQ(lu.contents(12, 1), std::vector<u8>(512, 'c'));
		EXPECT_EQ(lu.contents(13, 1), std::vector<u8>(before.begin() + 3 * 512,
							      before.begin() + 4 * 512));
	}
}

TEST(WriteResiduals, LessDataWritesTheWholeBlocksSent) {
	for (const WriteOp &op : kWriteOps) {
		FakeLu lu;
		std::vector<u8> second = lu.contents(21, 1);
		Exec e(lu, op.cdb(20, 2), 0, std::vector<u8>(512, 'b'), nullptr, false, nullptr,
		       {100, 412});
		ASSERT_TRUE(e.good()) << op.name;
		expect_residual(e, Residual::kOverflow, 512);
		EXPECT_EQ(lu.contents(20, 1), std::vector<u8>(512, 'b')) << op.name;
		EXPECT_EQ(lu.contents(21, 1), second) << op.name << ": beyond the data sent";
		EXPECT_EQ(lu.writes, 1);
	}
}

TEST(WriteResiduals, PartialBlockIsRefusedWithTheResidual) {
	for (const WriteOp &op : kWriteOps) {
		FakeLu lu;
		Exec e(lu, op.cdb(0, 1), 0, std::vector<u8>(200, 'b'));
		expect_sense(e, 0x05, 0x0e, 0x03);
		expect_residual(e, Residual::kOverflow, 512 - 200);
		Exec two(lu, op.cdb(0, 2), 0, std::vector<u8>(700, 'b'));
		expect_sense(two, 0x05, 0x0e, 0x03);
		expect_residual(two, Residual::kOverflow, 1024 - 700);
		EXPECT_EQ(lu.writes, 0) << op.name;
	}
}

TEST(WriteResiduals, CdbChecksComeFirst) {
	FakeLu lu;
	// The CDB is checked as sent: its whole range, whatever the buffer holds.
	Exec range(lu, cdb10(0x2a, 0, 2047, 0, 2), 0, std::vector<u8>(512));
	expect_sense(range, 0x05, 0x21, 0x00);
	EXPECT_EQ(range.cmd().residual(), Residual::kNone);
	EXPECT_EQ(lu.writes, 0);
	lu.ro = true;
	Exec wp(lu, cdb10(0x2a, 0, 0, 0, 2), 0, std::vector<u8>(512));
	expect_sense(wp, 0x07, 0x27, 0x00);
}

// ---- the commands that refuse any difference: 0E/03 with the residual ----

TEST(DataOutMismatch, VerifyOrwriteWriteSameCompareAndWrite) {
	FakeLu lu;
	lu.attrs.emulate_tpws = true;
	struct Case {
		std::vector<u8> cdb;
		size_t have;
		Residual r;
		u64 count;
		const char *name;
	};
	const Case cases[] = {
		{cdb10(0x2f, 0x02, 0, 0, 2), 512, Residual::kOverflow, 512, "VERIFY BYTCHK 01b"},
		{cdb16(0x8f, 0x02, 0, 1), 1000, Residual::kUnderflow, 488, "VERIFY(16) BYTCHK 01b"},
		{cdb10(0x2f, 0x06, 0, 0, 4), 1024, Residual::kUnderflow, 512, "VERIFY BYTCHK 11b"},
		{cdb12(0xaf, 0x00, 0, 1), 512, Residual::kUnderflow, 512, "VERIFY BYTCHK 00b"},
		{cdb16(0x8b, 0, 0, 2), 200, Residual::kOverflow, 824, "ORWRITE"},
		{cdb16(0x8b, 0, 0, 1), 1024, Residual::kUnderflow, 512, "ORWRITE"},
		{cdb10(0x41, 0, 0, 0, 8), 0, Residual::kOverflow, 512, "WRITE SAME(10)"},
		{cdb16(0x93, 0, 0, 8), 4096, Residual::kUnderflow, 3584, "WRITE SAME(16)"},
		{cdb16(0x93, 0x01, 0, 8), 512, Residual::kUnderflow, 512, "WRITE SAME(16) NDOB"},
		{caw(0, 1), 512, Residual::kOverflow, 512, "COMPARE AND WRITE"},
		{caw(0, 2), 3000, Residual::kUnderflow, 952, "COMPARE AND WRITE"},
	};
	for (const Case &c : cases) {
		Exec e(lu, c.cdb, 0, std::vector<u8>(c.have));
		expect_sense(e, 0x05, 0x0e, 0x03);
		expect_residual(e, c.r, c.count);
	}
	EXPECT_EQ(lu.writes, 0);
}

// ---- COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS and VPD 0xB0 ----

TEST(CompareAndWriteLength, ZeroBlocksWithDataIsAnInvalidCdb) {
	FakeLu lu;
	// libiscsi writes 256 blocks into the 8-bit field: 0, with 2 * 256 blocks of data-out.
	Exec e(lu, caw(0, 0), 0, std::vector<u8>(2 * 256 * 512));
	expect_invalid_field(e, 13, 7);
	expect_residual(e, Residual::kUnderflow, 2 * 256 * 512);
	Exec one(lu, caw(0, 0), 0, std::vector<u8>(1));
	expect_invalid_field(one, 13, 7);
	Exec none(lu, caw(0, 0), 0);
	EXPECT_TRUE(none.good()) << "no blocks, no data: nothing to do";
	EXPECT_EQ(lu.writes, 0);
	EXPECT_EQ(lu.reads, 0);
}

TEST(CompareAndWriteLength, AgreesWithVpdBlockLimits) {
	for (u32 max_sectors : {0u, 1u, 16u, 127u, 128u, 200u, 1024u}) {
		FakeLu lu;
		lu.attrs.hw_max_sectors = max_sectors;
		Exec vpd(lu, {0x12, 0x01, 0xb0, 0x00, 0xff, 0x00}, 255);
		ASSERT_TRUE(vpd.good());
		u8 m = vpd.at(5);
		ASSERT_GT(m, 0) << max_sectors;
		std::vector<u8> data = lu.contents(0, m);
		data.resize(2 * size_t(m) * 512, 'B');
		Exec at(lu, caw(0, m), 0, data);
		EXPECT_TRUE(at.good()) << max_sectors;
		EXPECT_EQ(lu.contents(0, m), std::vector<u8>(size_t(m) * 512, 'B'));
		for (u32 n = m + 1u; n <= 255; n += 63) {
			Exec over(lu, caw(0, u8(n)), 0, std::vector<u8>(2 * size_t(n) * 512));
			expect_invalid_field(over, 13, 7);
		}
	}
}

} // namespace
} // namespace lio::scsi::test
