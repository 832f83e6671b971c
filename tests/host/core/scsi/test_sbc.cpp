// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sbc.cpp: READ/WRITE, READ CAPACITY, SYNCHRONIZE CACHE, GET LBA STATUS.
#include <gtest/gtest.h>

#include <cstring>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

std::vector<u8> blocks_of(const FakeLu &lu, u64 lba, u32 n) {
	return lu.contents(lba, n);
}

TEST(Read, AllSizesReadTheBlocks) {
	FakeLu lu;
	struct Case {
		std::vector<u8> cdb;
		u64 lba;
		u32 n;
	};
	const Case cases[] = {
		{{0x08, 0x00, 0x01, 0x02, 3, 0}, 0x102, 3},
		{cdb10(0x28, 0, 2000, 0, 8), 2000, 8},
		{cdb12(0xa8, 0, 7, 2), 7, 2},
		{cdb16(0x88, 0, 2047, 1), 2047, 1},
	};
	for (const Case &c : cases) {
		Exec e(lu, c.cdb, size_t(c.n) * 512);
		ASSERT_TRUE(e.good()) << int(c.cdb[0]);
		EXPECT_EQ(e.data(), blocks_of(lu, c.lba, c.n)) << int(c.cdb[0]);
		EXPECT_EQ(e.cmd().residual(), Residual::kNone);
	}
	EXPECT_EQ(lu.reads, 4);
}

TEST(Read, Read6LengthZeroMeans256) {
	FakeLu lu;
	Exec e(lu, {0x08, 0, 0, 10, 0, 0}, 256 * 512);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 256u * 512);
	EXPECT_EQ(e.data(), blocks_of(lu, 10, 256));
	// 21-bit LBA: byte 1 bits 4:0.
	FakeLu big(0x200000);
	Exec h(big, {0x08, 0x1f, 0xff, 0xff, 1, 0}, 512);
	ASSERT_TRUE(h.good());
	EXPECT_EQ(h.data(), big.contents(0x1fffff, 1));
}

TEST(Read, ZeroLengthIsGoodWithoutIo) {
	FakeLu lu;
	Exec e(lu, cdb10(0x28, 0, 2048, 0, 0), 0);
	EXPECT_TRUE(e.good());
	EXPECT_EQ(lu.reads, 0);
	Exec past(lu, cdb10(0x28, 0, 2049, 0, 0), 0);
	expect_sense(past, 0x05, 0x21, 0x00);
}

TEST(Read, LbaOutOfRange) {
	FakeLu lu;
	Exec a(lu, cdb10(0x28, 0, 2047, 0, 2), 1024);
	expect_sense(a, 0x05, 0x21, 0x00);
	expect_no_field_pointer(a);
	Exec b(lu, cdb16(0x88, 0, ~0ull, 1), 512); // LBA + length overflows u64
	expect_sense(b, 0x05, 0x21, 0x00);
	Exec c(lu, cdb16(0x88, 0, ~0ull - 1, 2), 1024);
	expect_sense(c, 0x05, 0x21, 0x00);
	Exec d(lu, {0x08, 0, 0x08, 0x00, 1, 0}, 512); // READ(6) LBA 2048
	expect_sense(d, 0x05, 0x21, 0x00);
	EXPECT_EQ(lu.reads, 0);
}

TEST(Read, TransferLengthOverMaxSectors) {
	FakeLu lu;
	lu.attrs.hw_max_sectors = 8;
	Exec a(lu, cdb10(0x28, 0, 0, 0, 9), 9 * 512);
	expect_invalid_field(a, 7, 7);
	Exec b(lu, cdb12(0xa8, 0, 0, 9), 9 * 512);
	expect_invalid_field(b, 6, 7);
	Exec c(lu, cdb16(0x88, 0, 0, 0xffffffffu), 512);
	expect_invalid_field(c, 10, 7);
	Exec d(lu, {0x08, 0, 0, 0, 0, 0}, 512); // 256 blocks
	expect_invalid_field(d, 4, 7);
	Exec ok(lu, cdb10(0x28, 0, 0, 0, 8), 8 * 512);
	EXPECT_TRUE(ok.good());
}

TEST(Read, DpoFuaPerAttributeAndProtect) {
	FakeLu lu;
	Exec f(lu, cdb10(0x28, 0x18, 0, 0, 1), 512);
	EXPECT_TRUE(f.good());
	lu.attrs.emulate_fua_write = false;
	Exec nf(lu, cdb10(0x28, 0x08, 0, 0, 1), 512);
	expect_invalid_field(nf, 1, 3);
	Exec nd(lu, cdb10(0x28, 0x10, 0, 0, 1), 512);
	expect_invalid_field(nd, 1, 4);
	Exec p(lu, cdb10(0x28, 0x20, 0, 0, 1), 512);
	expect_invalid_field(p, 1, 7);
	Exec rarc(lu, cdb10(0x28, 0x04, 0, 0, 1), 512);
	expect_invalid_field(rarc, 1, 2);
}

TEST(Read, ResidualsAgainstTheBuffer) {
	FakeLu lu;
	Exec under(lu, cdb10(0x28, 0, 4, 0, 2), 4096);
	ASSERT_TRUE(under.good());
	EXPECT_EQ(under.cmd().data_in_length(), 1024u);
	EXPECT_EQ(under.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(under.cmd().residual_count(), 3072u);
	Exec over(lu, cdb10(0x28, 0, 4, 0, 4), 1024 + 100);
	ASSERT_TRUE(over.good());
	EXPECT_EQ(over.cmd().data_in_length(), 1024u + 100);
	std::vector<u8> want = blocks_of(lu, 4, 3);
	want.resize(1024 + 100);
	EXPECT_EQ(over.data(), want);
	EXPECT_EQ(over.cmd().residual(), Residual::kOverflow);
	EXPECT_EQ(over.cmd().residual_count(), 4 * 512u - 1124);
}

TEST(Read, BackendErrors) {
	FakeLu lu;
	lu.fail = Error::from_errno(KABI_EIO);
	Exec e(lu, cdb10(0x28, 0, 0, 0, 1), 512);
	expect_sense(e, 0x03, 0x11, 0x00);
	lu.fail = sense_error(SenseReason::kNotReadyManualIntervention);
	Exec n(lu, cdb10(0x28, 0, 0, 0, 1), 512);
	expect_sense(n, 0x02, 0x04, 0x03);
}

TEST(Write, AllSizesWriteTheBlocks) {
	FakeLu lu;
	struct Case {
		std::vector<u8> cdb;
		u64 lba;
		u32 n;
	};
	const Case cases[] = {
		{{0x0a, 0x00, 0x00, 0x05, 1, 0}, 5, 1},
		{cdb10(0x2a, 0, 100, 0, 2), 100, 2},
		{cdb12(0xaa, 0, 200, 3), 200, 3},
		{cdb16(0x8a, 0, 2040, 8), 2040, 8},
	};
	u8 fill = 1;
	for (const Case &c : cases) {
		std::vector<u8> data(size_t(c.n) * 512, fill++);
		Exec e(lu, c.cdb, 0, data);
		ASSERT_TRUE(e.good()) << int(c.cdb[0]);
		EXPECT_EQ(blocks_of(lu, c.lba, c.n), data);
		EXPECT_FALSE(lu.last_fua);
	}
	std::vector<u8> data(512, 0x5a);
	Exec f(lu, cdb16(0x8a, 0x08, 9, 1), 0, data);
	ASSERT_TRUE(f.good());
	EXPECT_TRUE(lu.last_fua);
}

TEST(Write, Errors) {
	FakeLu lu;
	Exec range(lu, cdb10(0x2a, 0, 2048, 0, 1), 0, std::vector<u8>(512));
	expect_sense(range, 0x05, 0x21, 0x00);
	// Data-out ending inside a block (test_residuals.cpp has the other differences).
	Exec shortdata(lu, cdb10(0x2a, 0, 0, 0, 2), 0, std::vector<u8>(700));
	expect_sense(shortdata, 0x05, 0x0e, 0x03);
	lu.attrs.emulate_fua_write = false;
	Exec fua(lu, cdb10(0x2a, 0x08, 0, 0, 1), 0, std::vector<u8>(512));
	expect_invalid_field(fua, 1, 3);
	lu.attrs.emulate_fua_write = true;
	lu.fail = Error::from_errno(KABI_EIO);
	Exec io(lu, cdb10(0x2a, 0, 0, 0, 1), 0, std::vector<u8>(512));
	expect_sense(io, 0x03, 0x0c, 0x00);
	lu.fail = Error::from_errno(KABI_ENOMEM).with_sense(0); // errno only
	Exec w6(lu, {0x0a, 0x20, 0, 0, 1, 0}, 0, std::vector<u8>(512));
	expect_invalid_field(w6, 1, 5);
	EXPECT_EQ(lu.writes, 1);
}

TEST(ReadCapacity, Ten) {
	FakeLu lu;
	Exec e(lu, cdb10(0x25, 0, 0, 0, 0), 8);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.data(), (std::vector<u8>{0, 0, 0x07, 0xff, 0, 0, 0x02, 0x00}));
	FakeLu big(0x100000001ull, 4096);
	Exec b(big, cdb10(0x25, 0, 0, 0, 0), 8);
	EXPECT_EQ(b.data(), (std::vector<u8>{0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0x00}));
	Exec lba(lu, cdb10(0x25, 0, 5, 0, 0), 8);
	expect_invalid_field(lba, 2, 7);
	Exec pmi(lu, cdb10(0x25, 0, 5, 0, 0x0001), 8); // byte 8 = PMI
	EXPECT_TRUE(pmi.good());
}

TEST(ReadCapacity, Sixteen) {
	FakeLu lu;
	Exec e(lu, cdb16(0x9e, 0x10, 0, 32), 32);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.cmd().data_in_length(), 32u);
	EXPECT_EQ(e.be64(0), 2047u);
	EXPECT_EQ(e.be(8, 4), 512u);
	EXPECT_EQ(e.at(12), 0);
	EXPECT_EQ(e.at(14), 0);
	lu.attrs.emulate_tpws = true;
	lu.attrs.unmap_zeroes_data = true;
	Exec t(lu, cdb16(0x9e, 0x10, 0, 32), 32);
	EXPECT_EQ(t.at(14), 0xc0);
	Exec s(lu, cdb16(0x9e, 0x10, 0, 12), 32);
	EXPECT_EQ(s.cmd().data_in_length(), 12u);
	Exec z(lu, cdb16(0x9e, 0x10, 0, 0), 32);
	EXPECT_TRUE(z.good());
	EXPECT_EQ(z.cmd().data_in_length(), 0u);
	Exec lba(lu, cdb16(0x9e, 0x10, 1, 32), 32);
	expect_invalid_field(lba, 2, 7);
}

TEST(SynchronizeCache, RangeAndFlush) {
	FakeLu lu;
	Exec e(lu, cdb10(0x35, 0x02, 10, 0, 20), 0);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(lu.flushes, 1);
	EXPECT_EQ(lu.flush_lba, 10u);
	EXPECT_EQ(lu.flush_blocks, 20u);
	Exec all(lu, cdb16(0x91, 0, 0, 0), 0);
	ASSERT_TRUE(all.good());
	EXPECT_EQ(lu.flush_blocks, 0u);
	Exec r(lu, cdb16(0x91, 0, 2040, 9), 0);
	expect_sense(r, 0x05, 0x21, 0x00);
	Exec nv(lu, cdb10(0x35, 0x04, 0, 0, 0), 0);
	expect_invalid_field(nv, 1, 2);
	lu.fail = Error::from_errno(KABI_EIO);
	Exec f(lu, cdb10(0x35, 0, 0, 0, 0), 0);
	expect_sense(f, 0x04, 0x44, 0x00);
	EXPECT_EQ(lu.flushes, 3);
}

TEST(StartStopUnit, StartOnly) {
	FakeLu lu;
	Exec s(lu, {0x1b, 0x01, 0, 0, 0x01, 0}, 0);
	EXPECT_TRUE(s.good());
	Exec stop(lu, {0x1b, 0, 0, 0, 0x00, 0}, 0);
	expect_invalid_field(stop, 4, 0);
	Exec loej(lu, {0x1b, 0, 0, 0, 0x03, 0}, 0);
	expect_invalid_field(loej, 4, 1);
	Exec pc(lu, {0x1b, 0, 0, 0, 0x11, 0}, 0);
	expect_invalid_field(pc, 4, 4);
}

TEST(GetLbaStatus, OneMappedDescriptor) {
	FakeLu lu;
	Exec e(lu, cdb16(0x9e, 0x12, 100, 64), 64);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.cmd().data_in_length(), 24u);
	EXPECT_EQ(e.be(0, 4), 20u);
	EXPECT_EQ(e.be64(8), 100u);
	EXPECT_EQ(e.be(16, 4), 1948u);
	EXPECT_EQ(e.at(20), 0);
	Exec r(lu, cdb16(0x9e, 0x12, 2048, 64), 64);
	expect_sense(r, 0x05, 0x21, 0x00);
}

} // namespace
} // namespace lio::scsi::test
