// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sbc_atomic.cpp: WRITE ATOMIC(16), its VPD 0xB0 fields and RSOC entry.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/scsi/handlers.h"
#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// WRITE ATOMIC(16): LBA in 2..9, ATOMIC BOUNDARY in 10..11, TRANSFER LENGTH in 12..13.
std::vector<u8> wa16(u64 lba, u16 len, u8 b1 = 0, u16 boundary = 0, u8 b14 = 0) {
	std::vector<u8> c = cdb16(0x9c, b1, lba, 0, b14);
	c[10] = u8(boundary >> 8);
	c[11] = u8(boundary);
	c[12] = u8(len >> 8);
	c[13] = u8(len);
	return c;
}

std::vector<u8> pattern(size_t n, u8 seed) {
	std::vector<u8> v(n);
	for (size_t i = 0; i < n; i++)
		v[i] = u8(seed + i * 3);
	return v;
}

std::vector<u8> block_limits(FakeLu &lu) {
	Exec e(lu, {0x12, 1, 0xb0, 0, 255, 0}, 255);
	EXPECT_TRUE(e.good());
	return e.data();
}

u32 be32_at(const std::vector<u8> &v, size_t off) {
	return (u32(v.at(off)) << 24) | (u32(v.at(off + 1)) << 16) | (u32(v.at(off + 2)) << 8) |
	       v.at(off + 3);
}

TEST(WriteAtomic16, WritesTheBlocks) {
	FakeLu lu;
	std::vector<u8> d = pattern(3 * 512, 7);
	Exec e(lu, wa16(100, 3), 0, d);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(lu.contents(100, 3), d);
	EXPECT_EQ(lu.writes, 1) << "one backstore write: nothing in between";
	EXPECT_FALSE(lu.last_fua);
	// FUA reaches the backstore; DPO and GROUP NUMBER are accepted.
	Exec fua(lu, wa16(0, 1, 0x18, 0, 0x1f), 0, pattern(512, 1));
	ASSERT_TRUE(fua.good());
	EXPECT_TRUE(lu.last_fua);
	// Scatter-gather data-out.
	std::vector<u8> d2 = pattern(4 * 512, 99);
	Exec sg(lu, wa16(2044, 4), 0, d2, nullptr, false, nullptr, {100, 7, 900});
	ASSERT_TRUE(sg.good());
	EXPECT_EQ(lu.contents(2044, 4), d2) << "the last blocks of the LU";
}

TEST(WriteAtomic16, ZeroBlocks) {
	FakeLu lu;
	Exec e(lu, wa16(0, 0), 0);
	EXPECT_TRUE(e.good());
	Exec end(lu, wa16(2048, 0), 0);
	EXPECT_TRUE(end.good()) << "0 blocks at the end of the medium is not out of range";
	EXPECT_EQ(lu.writes, 0);
	// libiscsi's 0-block cases past the end.
	for (u64 lba : {u64(2049), u64(1) << 63, ~u64(0)}) {
		Exec oob(lu, wa16(lba, 0), 0);
		expect_sense(oob, 0x05, 0x21, 0x00);
	}
}

TEST(WriteAtomic16, RangeIsCheckedBeforeTheAtomicLimits) {
	FakeLu lu; // max atomic = hw_max_sectors = 1024
	Exec over(lu, wa16(2047, 2), 0, pattern(1024, 0));
	expect_sense(over, 0x05, 0x21, 0x00);
	Exec big(lu, wa16(2000, 1100), 0, pattern(1100 * 512, 0));
	expect_sense(big, 0x05, 0x21, 0x00); // out of range, whatever the length
	Exec high(lu, wa16(u64(1) << 63, 1), 0, pattern(512, 0));
	expect_sense(high, 0x05, 0x21, 0x00);
	EXPECT_EQ(lu.writes, 0);
}

TEST(WriteAtomic16, LengthAlignmentGranularity) {
	FakeLu lu;
	Exec big(lu, wa16(0, 1025), 0, pattern(1025 * 512, 0));
	expect_invalid_field(big, 12, 7);
	Exec max(lu, wa16(0, 1024), 0, pattern(1024 * 512, 0));
	EXPECT_TRUE(max.good());
	lu.attrs.atomic_alignment = 8;
	lu.attrs.atomic_granularity = 4;
	Exec misaligned(lu, wa16(4, 4), 0, pattern(4 * 512, 0));
	expect_invalid_field(misaligned, 2, 7);
	Exec partial(lu, wa16(8, 6), 0, pattern(6 * 512, 0));
	expect_invalid_field(partial, 12, 7);
	Exec ok(lu, wa16(16, 8), 0, pattern(8 * 512, 5));
	EXPECT_TRUE(ok.good());
	EXPECT_EQ(lu.contents(16, 8), pattern(8 * 512, 5));
	EXPECT_EQ(lu.writes, 2);
}

TEST(WriteAtomic16, MalformedCdbs) {
	FakeLu lu;
	std::vector<u8> d = pattern(512, 0);
	for (u8 wrprotect = 1; wrprotect < 8; wrprotect++) {
		Exec e(lu, wa16(0, 1, u8(wrprotect << 5)), 0, d);
		expect_invalid_field(e, 1, 7);
	}
	Exec boundary(lu, wa16(0, 1, 0, 1), 0, d);
	expect_invalid_field(boundary, 11, 0); // ATOMIC BOUNDARY is not supported
	Exec boundary_hi(lu, wa16(0, 1, 0, 0x8000), 0, d);
	expect_invalid_field(boundary_hi, 10, 7);
	Exec reserved(lu, wa16(0, 1, 0x04), 0, d);
	expect_invalid_field(reserved, 1, 2);
	Exec group(lu, wa16(0, 1, 0, 0, 0x20), 0, d);
	expect_invalid_field(group, 14, 5);
	lu.attrs.emulate_fua_write = false;
	Exec dpo(lu, wa16(0, 1, 0x10), 0, d);
	expect_invalid_field(dpo, 1, 4);
	Exec fua(lu, wa16(0, 1, 0x08), 0, d);
	expect_invalid_field(fua, 1, 3);
	EXPECT_EQ(lu.writes, 0);
}

TEST(WriteAtomic16, AllOrNothingData) {
	FakeLu lu;
	std::vector<u8> before = lu.contents(10, 4);
	// Less data-out than the CDB asks for: WRITE would write the whole blocks sent, an
	// atomic write refuses.
	Exec shorter(lu, wa16(10, 4), 0, pattern(3 * 512, 1));
	expect_sense(shorter, 0x05, 0x0e, 0x03);
	EXPECT_EQ(shorter.cmd().residual(), Residual::kOverflow);
	EXPECT_EQ(shorter.cmd().residual_count(), 512u);
	Exec longer(lu, wa16(10, 4), 0, pattern(5 * 512, 1));
	expect_sense(longer, 0x05, 0x0e, 0x03);
	EXPECT_EQ(longer.cmd().residual(), Residual::kUnderflow);
	Exec zero_with_data(lu, wa16(10, 0), 0, pattern(512, 1));
	expect_sense(zero_with_data, 0x05, 0x0e, 0x03);
	EXPECT_EQ(lu.writes, 0);
	EXPECT_EQ(lu.contents(10, 4), before);
	// A backstore failure is a WRITE ERROR.
	lu.write_fail = Error::from_errno(KABI_EIO);
	Exec failed(lu, wa16(10, 4), 0, pattern(4 * 512, 1));
	expect_sense(failed, 0x03, 0x0c, 0x00);
}

TEST(WriteAtomic16, ReadOnlyLu) {
	FakeLu lu;
	lu.ro = true;
	Exec e(lu, wa16(0, 1), 0, pattern(512, 0));
	expect_sense(e, 0x07, 0x27, 0x00);
	EXPECT_EQ(lu.writes, 0);
}

// The write waits for plain writes in flight, as COMPARE AND WRITE does: nothing else
// writes the LU while it runs.
TEST(WriteAtomic16, WaitsForWritesInFlight) {
	FakeLu lu;
	std::atomic<bool> done{false};
	std::thread t;
	{
		LuState::SharedWrite w(lu.state());
		t = std::thread([&] {
			Exec e(lu, wa16(0, 2), 0, pattern(1024, 3));
			EXPECT_TRUE(e.good());
			done = true;
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		EXPECT_FALSE(done.load());
		EXPECT_EQ(lu.writes, 0);
	}
	t.join();
	EXPECT_TRUE(done.load());
	EXPECT_EQ(lu.writes, 1);
}

TEST(WriteAtomic16, BlockLimitsVpd) {
	FakeLu lu;
	lu.attrs.atomic_alignment = 8;
	lu.attrs.atomic_granularity = 2;
	std::vector<u8> v = block_limits(lu);
	ASSERT_EQ(v.size(), 64u);
	EXPECT_EQ(be32_at(v, 44), 1024u) << "MAXIMUM ATOMIC TRANSFER LENGTH: hw_max_sectors";
	EXPECT_EQ(be32_at(v, 48), 8u) << "ATOMIC ALIGNMENT";
	EXPECT_EQ(be32_at(v, 52), 2u) << "ATOMIC TRANSFER LENGTH GRANULARITY";
	EXPECT_EQ(be32_at(v, 56), 0u) << "no atomic boundary";
	EXPECT_EQ(be32_at(v, 60), 0u) << "no atomic boundary";
	// 1 MiB of blocks when the transfer limit is larger; never above the 16-bit field.
	lu.attrs.hw_max_sectors = 0xffffffffu;
	EXPECT_EQ(be32_at(block_limits(lu), 44), 2048u);
	FakeLu big(64, 4096);
	big.attrs.hw_max_sectors = 0;
	EXPECT_EQ(be32_at(block_limits(big), 44), 256u);
	FakeLu tiny(64, 512);
	tiny.attrs.hw_max_sectors = 16;
	std::vector<u8> t = block_limits(tiny);
	EXPECT_EQ(be32_at(t, 44), 16u);
	EXPECT_LE(be32_at(t, 44), be32_at(t, 8)) << "within MAXIMUM TRANSFER LENGTH";
	Exec over(tiny, wa16(0, 17), 0, pattern(17 * 512, 0));
	expect_invalid_field(over, 12, 7);
}

TEST(WriteAtomic16, ReportedByRsoc) {
	FakeLu lu;
	Exec e(lu, {0xa3, 0x0c, 0x01, 0x9c, 0, 0, 0, 0, 0, 64, 0, 0}, 64);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.at(1) & 0x07, 0x03) << "supported";
	EXPECT_EQ(e.be(2, 2), 16u);
	const u8 usage[] = {0x9c, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			    0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0x1f, 0x00};
	for (size_t i = 0; i < sizeof(usage); i++)
		EXPECT_EQ(e.at(4 + i), usage[i]) << i;
}

} // namespace
} // namespace lio::scsi::test
