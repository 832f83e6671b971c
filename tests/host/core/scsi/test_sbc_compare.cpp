// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sbc_compare.cpp and the small SBC additions: VERIFY with BYTCHK, WRITE
// AND VERIFY, COMPARE AND WRITE, ORWRITE, PRE-FETCH, PREVENT ALLOW MEDIUM REMOVAL.
#include <gtest/gtest.h>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// MISCOMPARE DURING VERIFY OPERATION with INFORMATION (fixed format, VALID).
void expect_miscompare(Exec &e, u32 offset) {
	expect_sense(e, 0x0e, 0x1d, 0x00);
	std::vector<u8> s = e.sense();
	EXPECT_EQ(s[0], 0xf0) << "VALID";
	EXPECT_EQ((u32(s[3]) << 24) | (s[4] << 16) | (s[5] << 8) | s[6], offset);
}

std::vector<u8> cat(std::vector<u8> a, const std::vector<u8> &b) {
	a.insert(a.end(), b.begin(), b.end());
	return a;
}

std::vector<u8> caw(u64 lba, u8 n, u8 b1 = 0) {
	std::vector<u8> c = cdb16(0x89, b1, lba, 0);
	c[13] = n;
	return c;
}

// ---- VERIFY ----

TEST(VerifyBytchk, OneComparesDataOut) {
	FakeLu lu;
	for (auto cdb : {cdb10(0x2f, 0x02, 100, 0, 3), cdb12(0xaf, 0x02, 100, 3),
			 cdb16(0x8f, 0x02, 100, 3)}) {
		Exec e(lu, cdb, 0, lu.contents(100, 3));
		EXPECT_TRUE(e.good()) << int(cdb[0]);
	}
	std::vector<u8> bad = lu.contents(100, 3);
	bad[700] ^= 1;
	bad[1000] ^= 1;
	Exec m(lu, cdb10(0x2f, 0x02, 100, 0, 3), 0, bad);
	expect_miscompare(m, 700);
	// Scatter-gather data-out, the difference in a later segment.
	Exec sg(lu, cdb16(0x8f, 0x02, 100, 3), 0, bad, nullptr, false, nullptr, {100, 7, 1000});
	expect_miscompare(sg, 700);
	EXPECT_EQ(lu.writes, 0);
}

TEST(VerifyBytchk, ThreeComparesOneBlockWithEach) {
	FakeLu lu;
	std::vector<u8> blk(512, 0x5a);
	std::vector<u8> three = cat(cat(blk, blk), blk);
	ASSERT_TRUE(Exec(lu, cdb10(0x2a, 0, 10, 0, 3), 0, three).good());
	Exec e(lu, cdb10(0x2f, 0x06, 10, 0, 3), 0, blk);
	EXPECT_TRUE(e.good());
	// Block 13 holds the pattern: the offset names block 3 of the range and the byte.
	Exec m(lu, cdb10(0x2f, 0x06, 10, 0, 4), 0, blk);
	std::vector<u8> b13 = lu.contents(13, 1);
	u32 first = 0;
	while (b13[first] == 0x5a)
		first++;
	expect_miscompare(m, 3 * 512 + first);
	// The data-out is one block, whatever the verification length.
	Exec wrong(lu, cdb10(0x2f, 0x06, 10, 0, 3), 0, three);
	expect_sense(wrong, 0x05, 0x0e, 0x03);
}

TEST(VerifyBytchk, MalformedCdbs) {
	FakeLu lu;
	Exec reserved(lu, cdb10(0x2f, 0x04, 0, 0, 1), 0, std::vector<u8>(512));
	expect_invalid_field(reserved, 1, 2);
	Exec vrprotect(lu, cdb10(0x2f, 0x20, 0, 0, 1), 0);
	expect_invalid_field(vrprotect, 1, 7);
	lu.attrs.emulate_fua_write = false;
	Exec dpo(lu, cdb12(0xaf, 0x10, 0, 1), 0);
	expect_invalid_field(dpo, 1, 4);
	lu.attrs.emulate_fua_write = true;
	// Data-out length must match BYTCHK and the length.
	Exec shortdata(lu, cdb10(0x2f, 0x02, 0, 0, 2), 0, std::vector<u8>(512));
	expect_sense(shortdata, 0x05, 0x0e, 0x03);
	Exec stray(lu, cdb10(0x2f, 0x00, 0, 0, 1), 0, std::vector<u8>(512));
	expect_sense(stray, 0x05, 0x0e, 0x03);
	Exec zero(lu, cdb10(0x2f, 0x02, 5, 0, 0), 0);
	EXPECT_TRUE(zero.good());
	Exec range(lu, cdb16(0x8f, 0x02, 2047, 2), 0, std::vector<u8>(1024));
	expect_sense(range, 0x05, 0x21, 0x00);
	Exec overflow(lu, cdb16(0x8f, 0x02, ~0ull, 1), 0, std::vector<u8>(512));
	expect_sense(overflow, 0x05, 0x21, 0x00);
	lu.attrs.hw_max_sectors = 4;
	Exec big(lu, cdb10(0x2f, 0x02, 0, 0, 5), 0, std::vector<u8>(5 * 512));
	expect_invalid_field(big, 7, 7);
	Exec bignocmp(lu, cdb10(0x2f, 0x00, 0, 0, 5), 0);
	EXPECT_TRUE(bignocmp.good()) << "no data transfer, no transfer limit";
	EXPECT_EQ(lu.reads, 0);
}

TEST(VerifyBytchk, ReadErrorIsMediumError) {
	FakeLu lu;
	lu.fail = Error::from_errno(KABI_EIO);
	Exec e(lu, cdb10(0x2f, 0x02, 0, 0, 1), 0, std::vector<u8>(512));
	expect_sense(e, 0x03, 0x11, 0x00);
}

TEST(VerifyBytchk, LongerThanTheScratchBuffer) {
	FakeLu lu(4096, 512);
	std::vector<u8> data = lu.contents(0, 300); // 150 KiB: three scratch chunks
	Exec e(lu, cdb10(0x2f, 0x02, 0, 0, 300), 0, data, nullptr, false, nullptr, {4096, 333});
	EXPECT_TRUE(e.good());
	data[200 * 512 + 17] ^= 0x80;
	Exec m(lu, cdb10(0x2f, 0x02, 0, 0, 300), 0, data);
	expect_miscompare(m, 200 * 512 + 17);
}

// ---- WRITE AND VERIFY ----

TEST(WriteAndVerify, WritesDurablyAndCompares) {
	FakeLu lu;
	std::vector<u8> data(1024, 0x11);
	for (auto cdb : {cdb10(0x2e, 0x00, 7, 0, 2), cdb12(0xae, 0x02, 7, 2),
			 cdb16(0x8e, 0x02, 7, 2)}) {
		lu.last_fua = false;
		int reads = lu.reads;
		Exec e(lu, cdb, 0, data);
		ASSERT_TRUE(e.good()) << int(cdb[0]);
		EXPECT_TRUE(lu.last_fua);
		EXPECT_EQ(lu.contents(7, 2), data);
		EXPECT_EQ(lu.reads - reads, (cdb[1] & 0x02) ? 1 : 0) << "BYTCHK 1 reads back";
	}
	lu.drop_writes = true;
	std::vector<u8> other(1024, 0x22);
	Exec lost(lu, cdb10(0x2e, 0x02, 7, 0, 2), 0, other);
	expect_miscompare(lost, 0);
	Exec unchecked(lu, cdb10(0x2e, 0x00, 7, 0, 2), 0, other);
	EXPECT_TRUE(unchecked.good()) << "BYTCHK 0: no byte compare";
}

TEST(WriteAndVerify, MalformedCdbs) {
	FakeLu lu;
	std::vector<u8> one(512, 1);
	Exec b2(lu, cdb10(0x2e, 0x04, 0, 0, 1), 0, one);
	expect_invalid_field(b2, 1, 2);
	Exec b3(lu, cdb16(0x8e, 0x06, 0, 1), 0, one);
	expect_invalid_field(b3, 1, 2);
	Exec wrprotect(lu, cdb12(0xae, 0x40, 0, 1), 0, one);
	expect_invalid_field(wrprotect, 1, 7);
	Exec mismatch(lu, cdb10(0x2e, 0, 0, 0, 2), 0, std::vector<u8>(700));
	expect_sense(mismatch, 0x05, 0x0e, 0x03);
	Exec range(lu, cdb10(0x2e, 0, 2048, 0, 1), 0, one);
	expect_sense(range, 0x05, 0x21, 0x00);
	lu.attrs.hw_max_sectors = 1;
	Exec big(lu, cdb12(0xae, 0, 0, 2), 0, std::vector<u8>(1024));
	expect_invalid_field(big, 6, 7);
	EXPECT_EQ(lu.writes, 0);
	lu.ro = true;
	Exec wp(lu, cdb10(0x2e, 0, 0, 0, 1), 0, one);
	expect_sense(wp, 0x07, 0x27, 0x00);
}

// ---- COMPARE AND WRITE ----

TEST(CompareAndWrite, MatchWritesTheSecondHalf) {
	FakeLu lu;
	std::vector<u8> now = lu.contents(40, 2), next(1024, 0x77);
	Exec e(lu, caw(40, 2, 0x08), 0, cat(now, next));
	ASSERT_TRUE(e.good());
	EXPECT_EQ(lu.contents(40, 2), next);
	EXPECT_TRUE(lu.last_fua);
	// Scatter-gather, a segment spanning the compare/write boundary.
	std::vector<u8> again(1024, 0x78);
	Exec s(lu, caw(40, 2), 0, cat(next, again), nullptr, false, nullptr, {700, 600, 1});
	ASSERT_TRUE(s.good());
	EXPECT_EQ(lu.contents(40, 2), again);
	EXPECT_FALSE(lu.last_fua);
}

TEST(CompareAndWrite, MiscompareWritesNothing) {
	FakeLu lu;
	std::vector<u8> cmp = lu.contents(5, 1), w(512, 0xab);
	cmp[300] ^= 0xff;
	Exec e(lu, caw(5, 1), 0, cat(cmp, w));
	expect_miscompare(e, 300);
	EXPECT_EQ(lu.writes, 0);
	EXPECT_EQ(lu.contents(5, 1)[0], FakeLu().contents(5, 1)[0]);
}

TEST(CompareAndWrite, LimitsAndMalformedCdbs) {
	FakeLu lu;
	Exec zero(lu, caw(0, 0), 0);
	EXPECT_TRUE(zero.good());
	Exec max(lu, caw(0, 128), 0, cat(lu.contents(0, 128), std::vector<u8>(128 * 512, 3)));
	EXPECT_TRUE(max.good());
	Exec over(lu, caw(0, 129), 0, std::vector<u8>(2 * 129 * 512));
	expect_invalid_field(over, 13, 7);
	Exec range(lu, caw(2047, 2), 0, std::vector<u8>(2048));
	expect_sense(range, 0x05, 0x21, 0x00);
	Exec wrap(lu, caw(~0ull, 1), 0, std::vector<u8>(1024));
	expect_sense(wrap, 0x05, 0x21, 0x00);
	Exec half(lu, caw(0, 1), 0, std::vector<u8>(512));
	expect_sense(half, 0x05, 0x0e, 0x03);
	Exec more(lu, caw(0, 1), 0, std::vector<u8>(1536));
	expect_sense(more, 0x05, 0x0e, 0x03);
	Exec wrprotect(lu, caw(0, 1, 0x20), 0, std::vector<u8>(1024));
	expect_invalid_field(wrprotect, 1, 7);
	lu.attrs.emulate_fua_write = false;
	Exec fua(lu, caw(0, 1, 0x08), 0, std::vector<u8>(1024));
	expect_invalid_field(fua, 1, 3);
	lu.attrs.hw_max_sectors = 4; // the limit follows the maximum transfer length
	Exec over4(lu, caw(0, 5), 0, std::vector<u8>(2 * 5 * 512));
	expect_invalid_field(over4, 13, 7);
	Exec at4(lu, caw(0, 4), 0, cat(lu.contents(0, 4), std::vector<u8>(4 * 512)));
	EXPECT_TRUE(at4.good());
	lu.attrs.emulate_caw = false;
	Exec off(lu, caw(0, 1), 0, std::vector<u8>(1024));
	expect_sense(off, 0x05, 0x20, 0x00);
	lu.attrs.emulate_caw = true;
	lu.ro = true;
	Exec wp(lu, caw(0, 1), 0, std::vector<u8>(1024));
	expect_sense(wp, 0x07, 0x27, 0x00);
}

TEST(CompareAndWrite, WriteErrorAfterMatch) {
	FakeLu lu;
	lu.write_fail = Error::from_errno(KABI_EIO);
	Exec e(lu, caw(3, 1), 0, cat(lu.contents(3, 1), std::vector<u8>(512)));
	expect_sense(e, 0x03, 0x0c, 0x00);
}

// ---- ORWRITE ----

TEST(OrWrite, OrsIntoTheMedium) {
	FakeLu lu;
	std::vector<u8> before = lu.contents(9, 3);
	std::vector<u8> mask(3 * 512);
	for (size_t i = 0; i < mask.size(); i++)
		mask[i] = u8(1u << (i % 8));
	Exec e(lu, cdb16(0x8b, 0x08, 9, 3), 0, mask, nullptr, false, nullptr, {511, 3});
	ASSERT_TRUE(e.good());
	std::vector<u8> after = lu.contents(9, 3);
	for (size_t i = 0; i < after.size(); i++)
		ASSERT_EQ(after[i], u8(before[i] | mask[i])) << i;
	EXPECT_TRUE(lu.last_fua);
	Exec mismatch(lu, cdb16(0x8b, 0, 9, 2), 0, mask);
	expect_sense(mismatch, 0x05, 0x0e, 0x03);
	Exec range(lu, cdb16(0x8b, 0, 2046, 3), 0, mask);
	expect_sense(range, 0x05, 0x21, 0x00);
	Exec orprotect(lu, cdb16(0x8b, 0x80, 9, 3), 0, mask);
	expect_invalid_field(orprotect, 1, 7);
	Exec none(lu, cdb16(0x8b, 0, 9, 0), 0);
	EXPECT_TRUE(none.good());
}

// ---- PRE-FETCH, PREVENT ALLOW MEDIUM REMOVAL ----

TEST(PreFetch, ConditionMetInRange) {
	FakeLu lu;
	for (auto cdb : {cdb10(0x34, 0, 0, 0, 2048), cdb10(0x34, 0x02, 100, 0, 1),
			 cdb16(0x90, 0, 2047, 1), cdb16(0x90, 0x02, 0, 0)}) {
		Exec e(lu, cdb, 0);
		EXPECT_EQ(e.cmd().status(), ScsiStatus::kConditionMet) << int(cdb[0]);
		EXPECT_TRUE(e.sense().empty());
	}
	Exec past(lu, cdb10(0x34, 0, 2047, 0, 2), 0);
	expect_sense(past, 0x05, 0x21, 0x00);
	Exec past16(lu, cdb16(0x90, 0, 2049, 0), 0);
	expect_sense(past16, 0x05, 0x21, 0x00);
	EXPECT_EQ(lu.reads, 0);
}

TEST(PreventAllow, NonRemovableMedium) {
	FakeLu lu;
	Exec allow(lu, cdb6(0x1e, 0, 0, 0, 0), 0);
	EXPECT_TRUE(allow.good());
	Exec prevent(lu, cdb6(0x1e, 0, 0, 0, 1), 0);
	EXPECT_TRUE(prevent.good());
	Exec obsolete2(lu, cdb6(0x1e, 0, 0, 0, 2), 0);
	expect_invalid_field(obsolete2, 4, 1);
	Exec obsolete3(lu, cdb6(0x1e, 0, 0, 0, 3), 0);
	expect_invalid_field(obsolete3, 4, 1);
}

} // namespace
} // namespace lio::scsi::test
