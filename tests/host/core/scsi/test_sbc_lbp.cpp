// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/sbc_lbp.cpp: WRITE SAME, UNMAP (VERIFY's range check).
#include <gtest/gtest.h>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// Records unmap / write_zeroes calls on top of FakeLu.
class LbpLu final : public LogicalUnit {
  public:
	LbpLu() {
		lu.attrs.emulate_tpu = true;
		lu.attrs.emulate_tpws = true;
		lu.attrs.max_unmap_block_desc_count = 2;
	}
	~LbpLu() = default;
	u32 block_size() const override { return lu.block_size(); }
	u64 num_blocks() const override { return lu.num_blocks(); }
	LuIdentity identity() const override { return lu.identity(); }
	LuAttributes attributes() const override { return lu.attributes(); }
	bool read_only() const override { return lu.read_only(); }
	Result<void> read(u64 l, u32 n, const DataBuf &d) override { return lu.read(l, n, d); }
	Result<void> write(u64 l, u32 n, const DataBuf &s, bool f) override {
		return lu.write(l, n, s, f);
	}
	LuState &state() override { return lu.state(); }
	void post_unit_attention_others(const ItlNexus *e, SenseReason r) override {
		lu.post_unit_attention_others(e, r);
	}
	Result<void> flush(u64 l, u64 n) override { return lu.flush(l, n); }
	Result<void> unmap(u64 l, u64 n) override {
		calls.push_back({'u', l, n});
		return lu.fail;
	}
	Result<void> write_zeroes(u64 l, u64 n) override {
		calls.push_back({'z', l, n});
		return lu.fail;
	}
	struct Call {
		char what;
		u64 lba, n;
		bool operator==(const Call &o) const {
			return what == o.what && lba == o.lba && n == o.n;
		}
	};
	FakeLu lu;
	std::vector<Call> calls;
};

TEST(Verify, RangeOnly) {
	FakeLu lu;
	Exec a(lu, cdb10(0x2f, 0, 0, 0, 2048), 0);
	EXPECT_TRUE(a.good());
	Exec b(lu, cdb16(0x8f, 0, 2047, 2), 0);
	expect_sense(b, 0x05, 0x21, 0x00);
	Exec c(lu, cdb12(0xaf, 0, 2048, 1), 0);
	expect_sense(c, 0x05, 0x21, 0x00);
	EXPECT_EQ(lu.reads, 0);
}

TEST(WriteSame, RepeatsTheBlock) {
	FakeLu lu;
	std::vector<u8> blk(512, 0x3c);
	Exec e(lu, cdb10(0x41, 0, 10, 0, 3), 0, blk);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(lu.writes, 3);
	std::vector<u8> want;
	for (int i = 0; i < 3; i++)
		want.insert(want.end(), blk.begin(), blk.end());
	EXPECT_EQ(lu.contents(10, 3), want);
}

TEST(WriteSame, ZeroesUnmapAndNdob) {
	LbpLu l;
	Exec z(l, cdb16(0x93, 0, 5, 100), 0, std::vector<u8>(512, 0));
	ASSERT_TRUE(z.good());
	Exec u(l, cdb16(0x93, 0x08, 7, 9), 0, std::vector<u8>(512, 0));
	ASSERT_TRUE(u.good());
	Exec n(l, cdb16(0x93, 0x01, 1, 2), 0);
	ASSERT_TRUE(n.good());
	Exec nu(l, cdb16(0x93, 0x09, 3, 4), 0);
	ASSERT_TRUE(nu.good());
	std::vector<LbpLu::Call> want = {{'z', 5, 100}, {'u', 7, 9}, {'z', 1, 2}, {'u', 3, 4}};
	EXPECT_EQ(l.calls, want);
}

TEST(WriteSame, Errors) {
	LbpLu l;
	std::vector<u8> blk(512, 1);
	Exec zero(l, cdb10(0x41, 0, 0, 0, 0), 0, blk);
	expect_invalid_field(zero, 7, 7);
	Exec big(l, cdb16(0x93, 0, 0, 0x10000), 0, blk);
	expect_invalid_field(big, 10, 7);
	Exec range(l, cdb10(0x41, 0, 2047, 0, 2), 0, blk);
	expect_sense(range, 0x05, 0x21, 0x00);
	Exec data(l, cdb10(0x41, 0, 0, 0, 2), 0, std::vector<u8>(1024, 1));
	expect_sense(data, 0x05, 0x0e, 0x03);
	Exec ndobdata(l, cdb16(0x93, 0x01, 0, 2), 0, blk);
	expect_sense(ndobdata, 0x05, 0x0e, 0x03);
	Exec ndob10(l, cdb10(0x41, 0x01, 0, 0, 2), 0);
	expect_invalid_field(ndob10, 1, 0);
	Exec anchor(l, cdb10(0x41, 0x10, 0, 0, 2), 0, blk);
	expect_invalid_field(anchor, 1, 4);
	l.lu.attrs.emulate_tpws = false;
	Exec unmap(l, cdb10(0x41, 0x08, 0, 0, 2), 0, blk);
	expect_invalid_field(unmap, 1, 3);
	l.lu.ro = true;
	Exec ro(l, cdb10(0x41, 0, 0, 0, 2), 0, blk);
	expect_sense(ro, 0x07, 0x27, 0x00);
	EXPECT_TRUE(l.calls.empty());
}

// rd_mcp's attributes: max_write_same_len 0 (LIO's default), hw_max_sectors 0xFFFFFFFF, no
// thin provisioning. VPD 0xB0 reports MAXIMUM WRITE SAME LENGTH 0 = no limit, and the engine
// agrees: any length up to the medium's end runs.
TEST(WriteSame, ZeroMaximumLengthIsNoLimit) {
	LbpLu l;
	l.lu.attrs.max_write_same_len = 0;
	l.lu.attrs.hw_max_sectors = 0xffffffffu;
	l.lu.attrs.emulate_tpu = false;
	l.lu.attrs.emulate_tpws = false;
	Exec vpd(l, {0x12, 1, 0xb0, 0, 64, 0}, 64);
	ASSERT_TRUE(vpd.good());
	EXPECT_EQ(vpd.be64(36), 0u) << "MAXIMUM WRITE SAME LENGTH: no limit reported";
	Exec all(l, cdb16(0x93, 0, 0, 2048), 0, std::vector<u8>(512, 0));
	ASSERT_TRUE(all.good()) << "the whole medium in one WRITE SAME(16)";
	std::vector<u8> blk(512, 0x6b);
	Exec ten(l, cdb10(0x41, 0, 1000, 0, 300), 0, blk);
	ASSERT_TRUE(ten.good());
	EXPECT_EQ(l.lu.writes, 300);
	std::vector<u8> want;
	for (int i = 0; i < 300; i++)
		want.insert(want.end(), blk.begin(), blk.end());
	EXPECT_EQ(l.lu.contents(1000, 300), want);
	std::vector<LbpLu::Call> calls = {{'z', 0, 2048}};
	EXPECT_EQ(l.calls, calls);
	// Past the end is still out of range; a non-zero maximum is still enforced.
	Exec over(l, cdb16(0x93, 0, 1, 2048), 0, blk);
	expect_sense(over, 0x05, 0x21, 0x00);
	l.lu.attrs.max_write_same_len = 8;
	Exec nine(l, cdb10(0x41, 0, 0, 0, 9), 0, blk);
	expect_invalid_field(nine, 7, 7);
	Exec eight(l, cdb10(0x41, 0, 0, 0, 8), 0, blk);
	EXPECT_TRUE(eight.good());
}

std::vector<u8> unmap_list(std::vector<std::pair<u64, u32>> descs) {
	std::vector<u8> p(8 + 16 * descs.size(), 0);
	usize dl = p.size() - 2, bl = 16 * descs.size();
	p[0] = u8(dl >> 8);
	p[1] = u8(dl);
	p[2] = u8(bl >> 8);
	p[3] = u8(bl);
	for (usize i = 0; i < descs.size(); i++) {
		for (int b = 0; b < 8; b++)
			p[8 + 16 * i + b] = u8(descs[i].first >> (56 - 8 * b));
		for (int b = 0; b < 4; b++)
			p[16 + 16 * i + b] = u8(descs[i].second >> (24 - 8 * b));
	}
	return p;
}

std::vector<u8> unmap_cdb(u16 plen) { return cdb10(0x42, 0, 0, 0, plen); }

TEST(Unmap, UnmapsEachDescriptor) {
	LbpLu l;
	std::vector<u8> p = unmap_list({{10, 5}, {100, 0}});
	Exec e(l, unmap_cdb(u16(p.size())), 0, p);
	ASSERT_TRUE(e.good());
	std::vector<LbpLu::Call> want = {{'u', 10, 5}};
	EXPECT_EQ(l.calls, want);
	Exec none(l, unmap_cdb(0), 0);
	EXPECT_TRUE(none.good());
}

TEST(Unmap, Errors) {
	LbpLu l;
	std::vector<u8> p = unmap_list({{10, 5}, {2047, 2}});
	Exec range(l, unmap_cdb(u16(p.size())), 0, p);
	expect_sense(range, 0x05, 0x21, 0x00);
	EXPECT_TRUE(l.calls.empty()) << "nothing unmapped when one descriptor is bad";
	std::vector<u8> three = unmap_list({{1, 1}, {2, 1}, {3, 1}});
	Exec many(l, unmap_cdb(u16(three.size())), 0, three);
	expect_sense(many, 0x05, 0x26, 0x00);
	EXPECT_EQ(many.sense()[15], 0x80 | 0x08 | 7) << "parameter list: C/D = 0";
	EXPECT_EQ(many.sense()[17], 2);
	std::vector<u8> huge = unmap_list({{0, 8193}});
	Exec lbas(l, unmap_cdb(u16(huge.size())), 0, huge);
	expect_sense(lbas, 0x05, 0x26, 0x00);
	EXPECT_EQ(lbas.sense()[17], 16);
	Exec shortp(l, unmap_cdb(6), 0, std::vector<u8>(6));
	expect_sense(shortp, 0x05, 0x1a, 0x00);
	std::vector<u8> bad = unmap_list({{1, 1}});
	bad[3] = 0x20; // descriptor length past the list
	Exec badlen(l, unmap_cdb(u16(bad.size())), 0, bad);
	expect_sense(badlen, 0x05, 0x1a, 0x00);
	Exec missing(l, unmap_cdb(24), 0, std::vector<u8>(8));
	expect_sense(missing, 0x05, 0x1a, 0x00);
	l.lu.attrs.emulate_tpu = false;
	Exec off(l, unmap_cdb(u16(p.size())), 0, p);
	expect_sense(off, 0x05, 0x20, 0x00);
	EXPECT_TRUE(l.calls.empty());
}

} // namespace
} // namespace lio::scsi::test
