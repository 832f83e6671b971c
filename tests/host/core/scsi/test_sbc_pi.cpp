// SPDX-License-Identifier: GPL-2.0
// T10-PI in the engine (core/scsi/pi.cpp, sbc_pi.cpp): CRC-16 T10-DIF, what INQUIRY, VPD
// 0x86, READ CAPACITY(16) and the control page report, every RDPROTECT / WRPROTECT /
// VRPROTECT value on type 1 and type 3 LUs, each tag failure with its sense and INFORMATION,
// the escapes, pi_prot_verify = 0, interleaved transfer lengths, and the refusals.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "core/scsi/pi.h"
#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

constexpr u32 kBs = 512;
constexpr u32 kUnit = kBs + 8;

// A LogicalUnit with tuples, as CommandLu keeps them: write() generates, write_pi() stores
// the given ones.
class PiLu final : public LogicalUnit {
  public:
	explicit PiLu(u8 type, u64 blocks = 64) : nb_(blocks), data_(blocks * kBs), pi_(blocks * 8, 0xff) {
		attrs.pi_prot_type = type;
		attrs.pi_prot_verify = type != 0;
		attrs.hw_max_sectors = 1024;
		for (size_t i = 0; i < data_.size(); i++)
			data_[i] = static_cast<u8>(i * 7 + (i >> 9));
	}
	~PiLu() = default;
	u32 block_size() const override { return kBs; }
	u64 num_blocks() const override { return nb_; }
	LuIdentity identity() const override {
		LuIdentity id;
		id.vendor = str_view("LIO-ORG");
		id.product = str_view("FILEIO");
		id.revision = str_view("4.0");
		id.unit_serial = str_view("1234");
		return id;
	}
	LuAttributes attributes() const override { return attrs; }
	bool read_only() const override { return false; }
	Result<void> read(u64 lba, u32 blocks, const DataBuf &dst) override {
		dst.copy_from(0, Bytes(data_.data() + lba * kBs, u64(blocks) * kBs));
		return {};
	}
	Result<void> write(u64 lba, u32 blocks, const DataBuf &src, bool) override {
		src.copy_to(0, MutableBytes(data_.data() + lba * kBs, u64(blocks) * kBs));
		for (u32 i = 0; i < blocks; i++) {
			PiTuple t;
			t.guard = crc_t10dif(0, data_.data() + (lba + i) * kBs, kBs);
			t.ref = pi_generated_ref(attrs.pi_prot_type, lba + i);
			t.store(pi_.data() + (lba + i) * 8);
		}
		writes++;
		return {};
	}
	Result<void> flush(u64, u64) override { return {}; }
	Result<void> unmap(u64, u64) override { return {}; }
	Result<void> write_zeroes(u64, u64) override { return {}; }
	Result<void> read_pi(u64 lba, u32 blocks, MutableBytes pi) override {
		EXPECT_EQ(pi.size(), blocks * 8u);
		std::copy(pi_.begin() + lba * 8, pi_.begin() + (lba + blocks) * 8, pi.data());
		return {};
	}
	Result<void> write_pi(u64 lba, u32 blocks, const DataBuf &src, Bytes pi, bool) override {
		src.copy_to(0, MutableBytes(data_.data() + lba * kBs, u64(blocks) * kBs));
		std::copy(pi.data(), pi.data() + pi.size(), pi_.begin() + lba * 8);
		writes++;
		return {};
	}
	LuState &state() override { return state_; }
	void post_unit_attention_others(const ItlNexus *, SenseReason) override {}

	PiTuple tuple(u64 lba) const { return PiTuple::load(pi_.data() + lba * 8); }
	void set_tuple(u64 lba, PiTuple t) { t.store(pi_.data() + lba * 8); }
	std::vector<u8> block(u64 lba) const {
		return std::vector<u8>(data_.begin() + lba * kBs, data_.begin() + (lba + 1) * kBs);
	}
	// Writes block `lba` through write() (generated tuple).
	void fill(u64 lba, u8 seed) {
		std::vector<u8> b(kBs);
		for (u32 i = 0; i < kBs; i++)
			b[i] = static_cast<u8>(seed + i);
		(void)write(lba, 1, DataBuf(MutableBytes(b.data(), b.size())), false);
	}

	LuAttributes attrs;
	int writes = 0;

  private:
	u64 nb_;
	std::vector<u8> data_;
	std::vector<u8> pi_;
	LuState state_;
};

u64 information(Exec &e) {
	std::vector<u8> s = e.sense();
	EXPECT_EQ(s.at(0) & 0x80, 0x80) << "VALID";
	return (u64(s[3]) << 24) | (s[4] << 16) | (s[5] << 8) | s[6];
}

void expect_pi_error(Exec &e, u8 ascq, u64 lba) {
	expect_sense(e, 0x0b, 0x10, ascq);
	EXPECT_EQ(information(e), lba);
}

// Interleaved data-out for blocks with their tuples.
std::vector<u8> interleave(const std::vector<std::vector<u8>> &blocks,
			   const std::vector<PiTuple> &tuples) {
	std::vector<u8> out;
	for (size_t i = 0; i < blocks.size(); i++) {
		out.insert(out.end(), blocks[i].begin(), blocks[i].end());
		u8 t[8];
		tuples[i].store(t);
		out.insert(out.end(), t, t + 8);
	}
	return out;
}

std::vector<u8> block_of(u8 seed) {
	std::vector<u8> b(kBs);
	for (u32 i = 0; i < kBs; i++)
		b[i] = static_cast<u8>(seed * 3 + i);
	return b;
}

PiTuple good_tuple(const std::vector<u8> &b, u32 ref, u16 app = 0) {
	PiTuple t;
	t.guard = crc_t10dif(0, b.data(), b.size());
	t.app = app;
	t.ref = ref;
	return t;
}

TEST(SbcPi, CrcT10DifCheckValue) {
	const char *s = "123456789";
	EXPECT_EQ(crc_t10dif(0, reinterpret_cast<const u8 *>(s), 9), 0xd0db);
	// Continuing over pieces is the same as one run.
	u16 a = crc_t10dif(0, reinterpret_cast<const u8 *>(s), 4);
	EXPECT_EQ(crc_t10dif(a, reinterpret_cast<const u8 *>(s) + 4, 5), 0xd0db);
	std::vector<u8> zero(512, 0);
	EXPECT_EQ(crc_t10dif(0, zero.data(), zero.size()), 0);
}

TEST(SbcPi, PiCheckRulesAndEscapes) {
	PiChecks c;
	c.type = 1;
	c.guard = c.ref = c.app = true;
	c.ref_seed = 100;
	c.app_expected = 0x1234;
	c.app_mask = 0xff00;
	PiTuple t{0xabcd, 0x12ff, 102};
	EXPECT_EQ(pi_check(c, t, 0xabcd, 2), SenseReason::kNone); // app masked
	EXPECT_EQ(pi_check(c, t, 0xabce, 2), SenseReason::kLogicalBlockGuardCheckFailed);
	EXPECT_EQ(pi_check(c, PiTuple{0xabcd, 0x13ff, 102}, 0xabcd, 2),
		  SenseReason::kLogicalBlockAppTagCheckFailed);
	EXPECT_EQ(pi_check(c, t, 0xabcd, 3), SenseReason::kLogicalBlockRefTagCheckFailed);
	// Guard first, then application, then reference tag.
	EXPECT_EQ(pi_check(c, PiTuple{0, 0, 0}, 1, 0), SenseReason::kLogicalBlockGuardCheckFailed);
	// Type 1: application tag 0xFFFF disables every check of the block.
	EXPECT_EQ(pi_check(c, PiTuple{0, 0xffff, 0}, 1, 0), SenseReason::kNone);
	// Type 3: only with reference tag 0xFFFFFFFF as well; the reference tag is not checked.
	c.type = 3;
	EXPECT_EQ(pi_check(c, PiTuple{0, 0xffff, 5}, 1, 0),
		  SenseReason::kLogicalBlockGuardCheckFailed);
	EXPECT_EQ(pi_check(c, PiTuple{0, 0xffff, 0xffffffff}, 1, 0), SenseReason::kNone);
	c.app = false;
	EXPECT_EQ(pi_check(c, PiTuple{7, 0, 12345}, 7, 0), SenseReason::kNone);
}

TEST(SbcPi, ReportsProtection) {
	for (u8 type : {1, 3}) {
		PiLu lu(type);
		Exec inq(lu, cdb6(0x12, 0, 0, 0, 96), 96);
		ASSERT_TRUE(inq.good());
		EXPECT_EQ(inq.at(5) & 0x01, 0x01) << "PROTECT";
		Exec vpd(lu, cdb6(0x12, 1, 0x86, 0, 64), 64);
		ASSERT_TRUE(vpd.good());
		EXPECT_EQ(vpd.at(4), type == 1 ? 0x3d : 0x3c) << "SPT 111b, GRD_CHK, REF_CHK (type 1)";
		Exec rc(lu, cdb16(0x9e, 0x10, 0, 32), 32);
		ASSERT_TRUE(rc.good());
		EXPECT_EQ(rc.at(12), ((type - 1) << 1) | 1) << "P_TYPE, PROT_EN";
		Exec ms(lu, cdb6(0x1a, 0x08, 0x0a, 0, 255), 255);
		ASSERT_TRUE(ms.good());
		EXPECT_EQ(ms.at(4 + 5) & 0x80, 0x80) << "ATO";
	}
	PiLu plain(0);
	Exec inq(plain, cdb6(0x12, 0, 0, 0, 96), 96);
	EXPECT_EQ(inq.at(5) & 0x01, 0);
	Exec rc(plain, cdb16(0x9e, 0x10, 0, 32), 32);
	EXPECT_EQ(rc.at(12), 0);
	Exec vpd(plain, cdb6(0x12, 1, 0x86, 0, 64), 64);
	EXPECT_EQ(vpd.at(4), 0);
}

TEST(SbcPi, ProtectRefusedWithoutPiOrReserved) {
	PiLu plain(0);
	for (u8 op : {0x28, 0x2a, 0x2f, 0x2e}) {
		std::vector<u8> out = (op == 0x28 || op == 0x2f) ? std::vector<u8>{} : block_of(1);
		Exec e(plain, cdb10(op, 0x20, 0, 0, 1), op == 0x28 ? kBs : 0, out);
		expect_invalid_field(e, 1, 7);
	}
	PiLu lu(1);
	for (u8 p : {6, 7}) {
		Exec r(lu, cdb10(0x28, u8(p << 5), 0, 0, 1), kUnit);
		expect_invalid_field(r, 1, 7);
		Exec w(lu, cdb16(0x8a, u8(p << 5), 0, 1), 0, std::vector<u8>(kUnit));
		expect_invalid_field(w, 1, 7);
	}
	// Commands whose WRPROTECT is not implemented refuse it rather than ignore it.
	Exec caw(lu, cdb16(0x89, 0x20, 0, 0, 0) /* NUMBER OF BLOCKS in byte 13 */, 0);
	expect_invalid_field(caw, 1, 7);
	Exec orw(lu, cdb16(0x8b, 0x20, 0, 1), 0, std::vector<u8>(kBs));
	expect_invalid_field(orw, 1, 7);
}

// Every RDPROTECT value reads what WRPROTECT = 0 generated, with or without tuples.
TEST(SbcPi, ReadEveryRdprotectOfGeneratedTuples) {
	for (u8 type : {1, 3}) {
		PiLu lu(type);
		std::vector<u8> b = block_of(9);
		Exec w(lu, cdb10(0x2a, 0, 10, 0, 2), 0, [&] {
			std::vector<u8> two = b;
			two.insert(two.end(), b.begin(), b.end());
			return two;
		}());
		ASSERT_TRUE(w.good());
		for (u8 p = 0; p <= 5; p++) {
			size_t len = 2 * (p ? kUnit : kBs);
			for (u8 op : {0x28, 0xa8, 0x88}) {
				std::vector<u8> cdb = op == 0x28 ? cdb10(op, u8(p << 5), 10, 0, 2)
						     : op == 0xa8 ? cdb12(op, u8(p << 5), 10, 2)
								  : cdb16(op, u8(p << 5), 10, 2);
				Exec r(lu, cdb, len);
				ASSERT_TRUE(r.good()) << int(type) << " " << int(p) << " " << int(op);
				ASSERT_EQ(r.cmd().data_in_length(), len);
				std::vector<u8> d = r.data();
				size_t unit = p ? kUnit : kBs;
				for (u32 i = 0; i < 2; i++) {
					EXPECT_TRUE(std::equal(b.begin(), b.end(), d.begin() + i * unit));
					if (p) {
						PiTuple t = PiTuple::load(d.data() + i * unit + kBs);
						EXPECT_EQ(t.guard, crc_t10dif(0, b.data(), kBs));
						EXPECT_EQ(t.app, 0);
						EXPECT_EQ(t.ref, type == 1 ? 10u + i : 0xffffffffu);
					}
				}
			}
		}
	}
}

TEST(SbcPi, ReadGuardAndRefFailuresPerRdprotect) {
	for (u8 type : {1, 3}) {
		PiLu lu(type);
		lu.fill(5, 1);
		lu.fill(6, 2);
		PiTuple t = lu.tuple(6);
		PiTuple bad_guard = t;
		bad_guard.guard ^= 1;
		PiTuple bad_ref = t;
		bad_ref.ref = 77;
		for (u8 p = 0; p <= 5; p++) {
			size_t len = 2 * (p ? kUnit : kBs);
			lu.set_tuple(6, bad_guard);
			Exec g(lu, cdb10(0x28, u8(p << 5), 5, 0, 2), len);
			if (p == 2 || p == 3)
				EXPECT_TRUE(g.good()) << int(p);
			else
				expect_pi_error(g, 0x01, 6);
			lu.set_tuple(6, bad_ref);
			Exec r(lu, cdb10(0x28, u8(p << 5), 5, 0, 2), len);
			if (type == 1 && p != 3 && p != 4)
				expect_pi_error(r, 0x03, 6);
			else
				EXPECT_TRUE(r.good()) << int(type) << " " << int(p);
		}
		// pi_prot_verify = 0: nothing is checked.
		lu.attrs.pi_prot_verify = false;
		lu.set_tuple(6, bad_guard);
		Exec off(lu, cdb10(0x28, 0x20, 5, 0, 2), 2 * kUnit);
		EXPECT_TRUE(off.good());
		Exec off0(lu, cdb10(0x28, 0, 5, 0, 2), 2 * kBs);
		EXPECT_TRUE(off0.good());
	}
}

TEST(SbcPi, EscapedTuplesAreNotChecked) {
	PiLu one(1);
	one.fill(3, 4);
	one.set_tuple(3, PiTuple{0x1111, 0xffff, 0x2222}); // freshly formatted looks like this too
	Exec r1(one, cdb10(0x28, 0x20, 3, 0, 1), kUnit);
	EXPECT_TRUE(r1.good());
	PiLu three(3);
	three.fill(3, 4);
	three.set_tuple(3, PiTuple{0x1111, 0xffff, 0x2222});
	Exec r3(three, cdb10(0x28, 0x20, 3, 0, 1), kUnit);
	expect_pi_error(r3, 0x01, 3); // type 3 needs the reference escape as well
	three.set_tuple(3, PiTuple{0x1111, 0xffff, 0xffffffff});
	Exec ok(three, cdb10(0x28, 0x20, 3, 0, 1), kUnit);
	EXPECT_TRUE(ok.good());
}

TEST(SbcPi, WriteEveryWrprotect) {
	for (u8 type : {1, 3}) {
		for (u8 p = 1; p <= 5; p++) {
			PiLu lu(type);
			std::vector<u8> a = block_of(1), b = block_of(2);
			// Good tuples are stored as sent (the application tag too: ATO).
			Exec w(lu, cdb10(0x2a, u8(p << 5), 20, 0, 2), 0,
			       interleave({a, b}, {good_tuple(a, 20, 0x4242), good_tuple(b, 21, 7)}));
			ASSERT_TRUE(w.good()) << int(type) << " " << int(p);
			EXPECT_EQ(lu.block(21), b);
			EXPECT_EQ(lu.tuple(20).app, 0x4242);
			EXPECT_EQ(lu.tuple(21).ref, 21u);
			// A bad guard on the second block.
			PiTuple bg = good_tuple(b, 31);
			bg.guard ^= 0x100;
			int writes = lu.writes;
			Exec g(lu, cdb16(0x8a, u8(p << 5), 30, 2), 0, interleave({a, b}, {good_tuple(a, 30), bg}));
			if (p == 2 || p == 3) {
				EXPECT_TRUE(g.good());
			} else {
				expect_pi_error(g, 0x01, 31);
				EXPECT_EQ(lu.writes, writes) << "nothing of the chunk written";
			}
			// A bad reference tag.
			Exec r(lu, cdb12(0xaa, u8(p << 5), 40, 2), 0,
			       interleave({a, b}, {good_tuple(a, 40), good_tuple(b, 99)}));
			if (type == 1 && (p == 1 || p == 2 || p == 5))
				expect_pi_error(r, 0x03, 41);
			else
				EXPECT_TRUE(r.good()) << int(type) << " " << int(p);
		}
	}
}

TEST(SbcPi, WriteWithoutProtectGeneratesAndTransferLengths) {
	PiLu lu(1);
	std::vector<u8> a = block_of(5);
	Exec w(lu, cdb10(0x2a, 0, 8, 0, 1), 0, a);
	ASSERT_TRUE(w.good());
	EXPECT_EQ(lu.tuple(8).guard, crc_t10dif(0, a.data(), kBs));
	EXPECT_EQ(lu.tuple(8).ref, 8u);
	// WRPROTECT != 0 wants blocks * (block size + 8): a block without its tuple ends inside
	// a unit.
	Exec short_out(lu, cdb10(0x2a, 0x20, 8, 0, 1), 0, a);
	expect_sense(short_out, 0x05, 0x0e, 0x03);
	// RDPROTECT != 0 with data-in for the data only: whole units that fit, OVERFLOW.
	Exec r(lu, cdb10(0x28, 0x20, 8, 0, 2), kUnit);
	ASSERT_TRUE(r.good());
	EXPECT_EQ(r.cmd().data_in_length(), kUnit);
	EXPECT_EQ(r.cmd().residual(), Residual::kOverflow);
	EXPECT_EQ(r.cmd().residual_count(), kUnit);
}

TEST(SbcPi, VerifyAndWriteAndVerify) {
	for (u8 type : {1, 3}) {
		PiLu lu(type);
		lu.fill(2, 3);
		lu.fill(3, 4);
		// BYTCHK 0: the stored tuples checked per VRPROTECT.
		Exec v(lu, cdb10(0x2f, 0x20, 2, 0, 2), 0);
		EXPECT_TRUE(v.good());
		PiTuple t = lu.tuple(3);
		t.guard ^= 1;
		lu.set_tuple(3, t);
		Exec bad(lu, cdb16(0x8f, 0x20, 2, 2), 0);
		expect_pi_error(bad, 0x01, 3);
		Exec skip(lu, cdb16(0x8f, 0x60, 2, 2), 0); // VRPROTECT 011b: no checks
		EXPECT_TRUE(skip.good());
		lu.fill(3, 4);
		// BYTCHK 01b with tuples in data-out: the data compared.
		std::vector<u8> b2 = lu.block(2), b3 = lu.block(3);
		Exec cmp(lu, cdb10(0x2f, 0x22, 2, 0, 2), 0,
			 interleave({b2, b3}, {lu.tuple(2), lu.tuple(3)}));
		EXPECT_TRUE(cmp.good());
		b3[17] ^= 1;
		Exec mis(lu, cdb12(0xaf, 0x22, 2, 2), 0, interleave({b2, b3}, {lu.tuple(2), lu.tuple(3)}));
		expect_sense(mis, 0x0e, 0x1d, 0x00);
		EXPECT_EQ(information(mis), kUnit + 17);
		// WRITE AND VERIFY with WRPROTECT: checked, stored, read back.
		std::vector<u8> a = block_of(8);
		Exec wv(lu, cdb10(0x2e, 0x22, 12, 0, 1), 0, interleave({a}, {good_tuple(a, 12)}));
		ASSERT_TRUE(wv.good());
		EXPECT_EQ(lu.block(12), a);
		PiTuple bg = good_tuple(a, 13);
		bg.guard ^= 2;
		Exec wvbad(lu, cdb16(0x8e, 0x22, 13, 1), 0, interleave({a}, {bg}));
		expect_pi_error(wvbad, 0x01, 13);
	}
}


// A 32-byte CDB: service action, PROTECT byte, LBA, EILBRT, expected app tag and mask, length.
std::vector<u8> cdb32(u16 sa, u8 b10, u64 lba, u32 len, u32 eilbrt = 0, u16 app = 0,
		      u16 mask = 0) {
	std::vector<u8> c(32, 0);
	c[0] = 0x7f;
	c[7] = 0x18;
	c[8] = u8(sa >> 8);
	c[9] = u8(sa);
	c[10] = b10;
	for (int i = 0; i < 8; i++)
		c[12 + i] = u8(lba >> (56 - 8 * i));
	for (int i = 0; i < 4; i++) {
		c[20 + i] = u8(eilbrt >> (24 - 8 * i));
		c[28 + i] = u8(len >> (24 - 8 * i));
	}
	c[24] = u8(app >> 8);
	c[25] = u8(app);
	c[26] = u8(mask >> 8);
	c[27] = u8(mask);
	return c;
}

constexpr u16 kRead32 = 0x09, kVerify32 = 0x0a, kWrite32 = 0x0b, kWriteVerify32 = 0x0c;

TEST(SbcPi, Cdb32OnlyOnType2) {
	for (u8 type : {0, 1, 3}) {
		PiLu lu(type);
		Exec r(lu, cdb32(kRead32, 0x20, 0, 1), kUnit);
		expect_sense(r, 0x05, 0x20, 0x00); // INVALID COMMAND OPERATION CODE
	}
	PiLu lu(2);
	// Type 2 takes PROTECT on the 32-byte CDBs only.
	Exec r10(lu, cdb10(0x28, 0x20, 0, 0, 1), kUnit);
	expect_invalid_field(r10, 1, 7);
	Exec w16(lu, cdb16(0x8a, 0x20, 0, 1), 0, std::vector<u8>(kUnit));
	expect_invalid_field(w16, 1, 7);
	// Malformed 32-byte CDBs.
	std::vector<u8> c = cdb32(kRead32, 0x20, 0, 1);
	c[7] = 0x10;
	Exec len(lu, c, kUnit);
	expect_invalid_field(len, 7, 7);
	Exec sa(lu, cdb32(0x0d, 0, 0, 1), 0); // WRITE SAME(32): not a row
	expect_invalid_field(sa, 8, 7);
	Exec sa_hi(lu, cdb32(0x0109, 0, 0, 1), kBs);
	expect_invalid_field(sa_hi, 8, 7);
	Exec p6(lu, cdb32(kRead32, 0xc0, 0, 1), kUnit);
	expect_invalid_field(p6, 10, 7);
	Exec range(lu, cdb32(kRead32, 0, 64, 1), kBs);
	expect_sense(range, 0x05, 0x21, 0x00);
	Exec reserved(lu, [] {
		std::vector<u8> x = cdb32(kRead32, 0, 0, 1);
		x[11] = 1;
		return x;
	}(), kBs);
	expect_invalid_field(reserved, 11, 0);
	Exec short_cdb(lu, {0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0, 9, 0, 0, 0, 0, 0, 0}, kBs);
	expect_sense(short_cdb, 0x05, 0x24, 0x00);
	// RSOC lists them for a type 2 LU only.
	Exec one(lu, {0xa3, 0x0c, 0x02, 0x7f, 0x00, 0x0b, 0, 0, 0, 64, 0, 0}, 64);
	ASSERT_TRUE(one.good());
	EXPECT_EQ(one.at(1) & 0x07, 3) << "supported";
	EXPECT_EQ(one.be(2, 2), 32u);
	EXPECT_EQ(one.at(4), 0x7f);
	EXPECT_EQ(one.be(4 + 8, 2), 0x0bu) << "service action in the usage data";
	EXPECT_EQ(one.at(4 + 10), 0xf8);
	PiLu one_lu(1);
	Exec none(one_lu, {0xa3, 0x0c, 0x02, 0x7f, 0x00, 0x0b, 0, 0, 0, 64, 0, 0}, 64);
	ASSERT_TRUE(none.good());
	EXPECT_EQ(none.at(1) & 0x07, 1) << "not supported";
	// VPD 0x86: APP_CHK with type 2; READ CAPACITY(16) P_TYPE 1.
	Exec vpd(lu, cdb6(0x12, 1, 0x86, 0, 64), 64);
	EXPECT_EQ(vpd.at(4), 0x3f);
	Exec rc(lu, cdb16(0x9e, 0x10, 0, 32), 32);
	EXPECT_EQ(rc.at(12), 0x03);
}

TEST(SbcPi, Type2ReferenceAndApplicationTags) {
	PiLu lu(2);
	std::vector<u8> a = block_of(1), b = block_of(2);
	// WRPROTECT=1 with tuples whose reference tags start at EILBRT 1000 (not the LBA).
	Exec w(lu, cdb32(kWrite32, 0x20, 30, 2, 1000, 0x55aa, 0xffff), 0,
	       interleave({a, b}, {good_tuple(a, 1000, 0x55aa), good_tuple(b, 1001, 0x55aa)}));
	ASSERT_TRUE(w.good());
	EXPECT_EQ(lu.tuple(31).ref, 1001u);
	// Read back with the same expectations: good; tuples returned.
	Exec r(lu, cdb32(kRead32, 0x20, 30, 2, 1000, 0x55aa, 0xffff), 2 * kUnit);
	ASSERT_TRUE(r.good());
	EXPECT_EQ(PiTuple::load(r.data().data() + kUnit + kBs).ref, 1001u);
	// Another EILBRT: reference tag check failed at the first block.
	Exec bad_ref(lu, cdb32(kRead32, 0x20, 30, 2, 2000), 2 * kUnit);
	expect_pi_error(bad_ref, 0x03, 30);
	// RDPROTECT 011b: nothing checked.
	Exec none(lu, cdb32(kRead32, 0x60, 30, 2, 2000, 0x1111, 0xffff), 2 * kUnit);
	EXPECT_TRUE(none.good());
	// Application tag under its mask.
	Exec app_ok(lu, cdb32(kRead32, 0x20, 30, 2, 1000, 0x00aa, 0x00ff), 2 * kUnit);
	EXPECT_TRUE(app_ok.good());
	Exec app_bad(lu, cdb32(kRead32, 0x20, 30, 2, 1000, 0x00ab, 0x00ff), 2 * kUnit);
	expect_pi_error(app_bad, 0x02, 30);
	Exec app_off(lu, cdb32(kRead32, 0x20, 30, 2, 1000, 0x00ab, 0), 2 * kUnit);
	EXPECT_TRUE(app_off.good()) << "mask 0: not checked";
	// Bad application tag on write: refused, nothing written.
	int writes = lu.writes;
	Exec wbad(lu, cdb32(kWrite32, 0x20, 40, 1, 7, 0x1234, 0xffff), 0,
		  interleave({a}, {good_tuple(a, 7, 0x4321)}));
	expect_pi_error(wbad, 0x02, 40);
	EXPECT_EQ(lu.writes, writes);
	// WRPROTECT=0: tuples generated with ref = EILBRT + i, app 0.
	std::vector<u8> two = a;
	two.insert(two.end(), b.begin(), b.end());
	Exec gen(lu, cdb32(kWrite32, 0, 50, 2, 500), 0, two);
	ASSERT_TRUE(gen.good());
	EXPECT_EQ(lu.tuple(51).ref, 501u);
	EXPECT_EQ(lu.tuple(51).guard, crc_t10dif(0, b.data(), kBs));
	Exec r0(lu, cdb32(kRead32, 0, 50, 2, 500), 2 * kBs);
	ASSERT_TRUE(r0.good());
	EXPECT_EQ(r0.cmd().data_in_length(), 2 * kBs) << "RDPROTECT=0: stripped";
	Exec r0bad(lu, cdb32(kRead32, 0, 50, 2, 9), 2 * kBs);
	expect_pi_error(r0bad, 0x03, 50);
	// 10/12/16 on type 2 with PROTECT=0: guard checked, ref not (no expected value).
	Exec r10(lu, cdb10(0x28, 0, 50, 0, 2), 2 * kBs);
	EXPECT_TRUE(r10.good());
	PiTuple t = lu.tuple(51);
	t.guard ^= 4;
	lu.set_tuple(51, t);
	Exec r10bad(lu, cdb10(0x28, 0, 50, 0, 2), 2 * kBs);
	expect_pi_error(r10bad, 0x01, 51);
	// VERIFY(32) and WRITE AND VERIFY(32).
	Exec v(lu, cdb32(kVerify32, 0x20, 30, 2, 1000), 0);
	EXPECT_TRUE(v.good());
	Exec vbad(lu, cdb32(kVerify32, 0x20, 50, 2, 500), 0);
	expect_pi_error(vbad, 0x01, 51);
	Exec vb2(lu, cdb32(kVerify32, 0x24, 30, 2, 1000), 0);
	expect_invalid_field(vb2, 10, 2);
	Exec wv(lu, cdb32(kWriteVerify32, 0x22, 60, 1, 60), 0, interleave({a}, {good_tuple(a, 60)}));
	ASSERT_TRUE(wv.good());
	EXPECT_EQ(lu.block(60), a);
	// (type 2: the reference tag is the EILBRT's, not the LBA's: 60 at LBA 61 is good, 99 not)
	Exec wvok(lu, cdb32(kWriteVerify32, 0x22, 61, 1, 60), 0, interleave({a}, {good_tuple(a, 60)}));
	EXPECT_TRUE(wvok.good());
	Exec wvbad(lu, cdb32(kWriteVerify32, 0x22, 61, 1, 60), 0, interleave({a}, {good_tuple(a, 99)}));
	expect_pi_error(wvbad, 0x03, 61);
}

} // namespace
} // namespace lio::scsi::test
