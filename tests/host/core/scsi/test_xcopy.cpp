// SPDX-License-Identifier: GPL-2.0
// Copy offload (core/scsi/spc_xcopy.cpp): EXTENDED COPY (LID1) and RECEIVE COPY RESULTS over
// in-memory LUs, with a LUN map that offers copy targets the way the session does (only
// what it lists can be found).
#include <set>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// A nexus that keeps copy results, as ItlEntry does.
class CopyNexus final : public ItlNexus {
  public:
	explicit CopyNexus(u64 id) : id_(id) {}
	~CopyNexus() = default;
	u64 it_nexus_id() const override { return id_; }
	UnitAttentionQueue &unit_attentions() override { return ua; }
	const TargetPortInfo *target_port() const override { return nullptr; }
	CopyResults *copy_results() override { return &results; }
	UnitAttentionQueue ua;
	CopyResults results;

  private:
	u64 id_;
};

// The LUs a nexus sees; hold_lu() finds copy targets among them only, and counts holds.
class CopyLuns final : public LunMap {
  public:
	void for_each_lun(LunVisitor &v) const override {
		for (u64 i = 0; i < lus.size(); i++)
			v.visit(i);
	}
	HeldLu *hold_lu(const LuMatcher &m) const override {
		for (FakeLu *lu : lus) {
			if (m.matches(*lu)) {
				held++;
				return new Held(*lu, *this);
			}
		}
		return nullptr;
	}
	~CopyLuns() = default;
	std::vector<FakeLu *> lus;
	mutable int held = 0;
	mutable int released = 0;

  private:
	class Held final : public HeldLu {
	  public:
		Held(FakeLu &lu, const CopyLuns &owner) : lu_(lu), owner_(owner) {}
		~Held() = default;
		LogicalUnit &lu() override { return lu_; }
		void release() override {
			owner_.released++;
			delete this;
		}

	  private:
		FakeLu &lu_;
		const CopyLuns &owner_;
	};
};

// The 16-byte NAA designator VPD 0x83 reports for lu (first designator).
std::vector<u8> naa_of(FakeLu &lu) {
	Exec e(lu, {0x12, 0x01, 0x83, 0x00, 0xff, 0x00}, 255);
	EXPECT_TRUE(e.good());
	EXPECT_EQ(e.at(5), 0x03) << "first designator: LU association, NAA";
	EXPECT_EQ(e.at(7), 16);
	std::vector<u8> d = e.data();
	return std::vector<u8>(d.begin() + 8, d.begin() + 24);
}

// An identification (E4h) CSCD descriptor for lu.
std::vector<u8> cscd_for(FakeLu &lu) {
	std::vector<u8> d(32, 0);
	d[0] = 0xe4;
	d[4] = 0x01; // binary
	d[5] = 0x03; // LU association, NAA
	d[7] = 16;
	std::vector<u8> naa = naa_of(lu);
	std::copy(naa.begin(), naa.end(), d.begin() + 8);
	u32 bs = lu.block_size();
	d[29] = u8(bs >> 16);
	d[30] = u8(bs >> 8);
	d[31] = u8(bs);
	return d;
}

// A block to block (02h) segment descriptor.
std::vector<u8> b2b(u16 src, u16 dst, u16 blocks, u64 src_lba, u64 dst_lba) {
	std::vector<u8> d(28, 0);
	d[0] = 0x02;
	d[3] = 0x18;
	d[4] = u8(src >> 8);
	d[5] = u8(src);
	d[6] = u8(dst >> 8);
	d[7] = u8(dst);
	d[10] = u8(blocks >> 8);
	d[11] = u8(blocks);
	for (int i = 0; i < 8; i++) {
		d[12 + i] = u8(src_lba >> (56 - 8 * i));
		d[20 + i] = u8(dst_lba >> (56 - 8 * i));
	}
	return d;
}

// Header + CSCDs + segments. usage: LIST ID USAGE.
std::vector<u8> plist(u8 list_id, u8 usage, const std::vector<std::vector<u8>> &cscds,
		      const std::vector<std::vector<u8>> &segs) {
	std::vector<u8> p(16, 0);
	p[0] = list_id;
	p[1] = u8(usage << 3);
	size_t tdll = 0, sdll = 0;
	for (auto &c : cscds) {
		p.insert(p.end(), c.begin(), c.end());
		tdll += c.size();
	}
	for (auto &s : segs) {
		p.insert(p.end(), s.begin(), s.end());
		sdll += s.size();
	}
	p[2] = u8(tdll >> 8);
	p[3] = u8(tdll);
	p[8] = u8(sdll >> 24);
	p[9] = u8(sdll >> 16);
	p[10] = u8(sdll >> 8);
	p[11] = u8(sdll);
	return p;
}

std::vector<u8> xcopy_cdb(u32 plen) {
	return {0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, u8(plen >> 24), u8(plen >> 16), u8(plen >> 8),
		u8(plen), 0, 0};
}
std::vector<u8> rcr_cdb(u8 sa, u8 list_id, u32 alloc) {
	return {0x84, sa, list_id, 0, 0, 0, 0, 0, 0, 0, u8(alloc >> 24), u8(alloc >> 16),
		u8(alloc >> 8), u8(alloc), 0, 0};
}

struct Xcopy : ::testing::Test {
	Xcopy() {
		a.serial = "0a0a0a0a-1111-4222-8333-444444444444";
		b.serial = "0b0b0b0b-5555-4666-8777-888888888888";
		hidden.serial = "0c0c0c0c-9999-4aaa-8bbb-cccccccccccc";
		luns.lus = {&a, &b};
	}
	// EXTENDED COPY received by `mgr` with parameter list p (CDB length = its size).
	Exec xcopy(FakeLu &mgr, const std::vector<u8> &p, ItlNexus *n = nullptr) {
		return Exec(mgr, xcopy_cdb(u32(p.size())), 0, p, &luns, false, n ? n : &nexus);
	}
	Exec rcr(FakeLu &mgr, u8 sa, u8 list_id, u32 alloc = 1024) {
		return Exec(mgr, rcr_cdb(sa, list_id, alloc), alloc, {}, &luns, false, &nexus);
	}
	void fill(FakeLu &lu, u64 lba, u32 blocks, u8 seed) {
		std::vector<u8> data(size_t(blocks) * lu.block_size());
		for (size_t i = 0; i < data.size(); i++)
			data[i] = u8(seed + i * 31 + (i >> 9));
		DataBuf buf(MutableBytes(data.data(), data.size()));
		ASSERT_TRUE(lu.write(lba, blocks, buf, false).is_ok());
		lu.writes = 0;
	}
	FakeLu a{4096};
	FakeLu b{4096};
	FakeLu hidden{4096};
	CopyLuns luns;
	CopyNexus nexus{7};
};

// COPY ABORTED (or another key) with the segment number in COMMAND-SPECIFIC INFORMATION.
void expect_copy_aborted(Exec &e, u8 asc, u8 ascq, u16 segment) {
	expect_sense(e, 0x0a, asc, ascq);
	std::vector<u8> s = e.sense();
	EXPECT_EQ((s[10] << 8) | s[11], segment) << "COMMAND-SPECIFIC INFORMATION";
}

// INVALID FIELD IN PARAMETER LIST pointing at (byte, bit) of the parameter list.
void expect_param_field(Exec &e, u16 byte, u8 bit) {
	expect_sense(e, 0x05, 0x26, 0x00);
	std::vector<u8> s = e.sense();
	EXPECT_EQ(s[15], 0x80 | 0x08 | bit) << "SKSV, C/D = 0, BPV, bit pointer";
	EXPECT_EQ((s[16] << 8) | s[17], byte) << "field pointer";
}

TEST_F(Xcopy, OperatingParametersAndThe3pcBit) {
	Exec e = rcr(a, 0x03, 0);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 46u);
	EXPECT_EQ(e.be(0, 4), 42u) << "AVAILABLE DATA";
	EXPECT_EQ(e.at(4), 0x00) << "SNLID";
	EXPECT_EQ(e.be(8, 2), 8u) << "MAXIMUM CSCD DESCRIPTOR COUNT";
	EXPECT_EQ(e.be(10, 2), 8u) << "MAXIMUM SEGMENT DESCRIPTOR COUNT";
	EXPECT_EQ(e.be(12, 4), 1024u) << "MAXIMUM DESCRIPTOR LIST LENGTH";
	EXPECT_EQ(e.be(16, 4), 256u << 20) << "MAXIMUM SEGMENT LENGTH";
	EXPECT_EQ(e.be(20, 4), 0u) << "MAXIMUM INLINE DATA LENGTH";
	EXPECT_EQ(e.be(24, 4), 0u) << "HELD DATA LIMIT";
	EXPECT_EQ(e.at(37), 9) << "DATA SEGMENT GRANULARITY: 512-byte blocks";
	EXPECT_EQ(e.at(43), 2);
	EXPECT_EQ(e.at(44), 0x02);
	EXPECT_EQ(e.at(45), 0xe4);
	Exec inq(a, {0x12, 0, 0, 0, 96, 0}, 96);
	EXPECT_EQ(inq.at(5) & 0x08, 0x08) << "3PC";
}

TEST_F(Xcopy, Emulate3pcOffClearsThe3pcBitAndRefusesBothCommands) {
	a.attrs.emulate_3pc = false;
	Exec inq(a, {0x12, 0, 0, 0, 96, 0}, 96);
	EXPECT_EQ(inq.at(5) & 0x08, 0x00);
	Exec x = xcopy(a, plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 8, 0, 100)}));
	expect_sense(x, 0x05, 0x20, 0x00);
	Exec r = rcr(a, 0x03, 0);
	expect_sense(r, 0x05, 0x20, 0x00);
	EXPECT_EQ(a.writes, 0);
}

TEST_F(Xcopy, CopiesBetweenTwoLusAndReportsCopyStatus) {
	fill(a, 10, 100, 0x11);
	Exec x = xcopy(a, plist(5, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 100, 10, 500)}));
	ASSERT_TRUE(x.good()) << int(x.cmd().sense_reason());
	EXPECT_EQ(b.contents(500, 100), a.contents(10, 100));
	EXPECT_EQ(a.writes, 0);
	EXPECT_EQ(luns.held, 2);
	EXPECT_EQ(luns.released, 2) << "every copy target released";
	Exec s = rcr(a, 0x00, 5);
	ASSERT_TRUE(s.good());
	EXPECT_EQ(s.cmd().data_in_length(), 12u);
	EXPECT_EQ(s.be(0, 4), 8u);
	EXPECT_EQ(s.at(4), 0x01) << "completed, good";
	EXPECT_EQ(s.be(5, 2), 1u) << "segments processed";
	EXPECT_EQ(s.at(7), 0x00) << "bytes";
	EXPECT_EQ(s.be(8, 4), 100u * 512);
	// Nothing failed: FAILED SEGMENT DETAILS has no data.
	Exec f = rcr(a, 0x04, 5);
	ASSERT_TRUE(f.good());
	EXPECT_EQ(f.be(0, 4), 0u);
	EXPECT_EQ(f.cmd().data_in_length(), 4u);
}

TEST_F(Xcopy, LargeCopyGoesInBoundedChunksAndSeveralSegments) {
	fill(a, 0, 3000, 0x22);
	Exec x = xcopy(a, plist(1, 2, {cscd_for(a), cscd_for(b)},
				{b2b(0, 1, 2000, 0, 1000), b2b(0, 1, 1000, 2000, 3000)}));
	ASSERT_TRUE(x.good());
	EXPECT_EQ(b.contents(1000, 2000), a.contents(0, 2000));
	EXPECT_EQ(b.contents(3000, 1000), a.contents(2000, 1000));
	// 64 KiB scratch = 128 blocks of 512: 16 + 8 chunks.
	EXPECT_EQ(b.writes, 24);
	// LIST ID USAGE 10b: nothing is held.
	Exec s = rcr(a, 0x00, 1);
	expect_invalid_field(s, 2, 7);
}

TEST_F(Xcopy, OverlappingCopyWithinOneLuIsCorrect) {
	fill(a, 0, 600, 0x33);
	std::vector<u8> want = a.contents(0, 400);
	Exec x = xcopy(a, plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 400, 0, 200)}));
	ASSERT_TRUE(x.good());
	EXPECT_EQ(a.contents(200, 400), want);
}

TEST_F(Xcopy, AnLuNotInTheNexusLunMapIsNotReachable) {
	// `hidden` exists (a designator of this target) but the nexus's LUN map lacks it.
	Exec x = xcopy(a, plist(1, 0, {cscd_for(a), cscd_for(hidden)}, {b2b(0, 1, 8, 0, 0)}));
	expect_copy_aborted(x, 0x0d, 0x02, 0);
	EXPECT_EQ(hidden.writes, 0);
	EXPECT_EQ(a.reads, 0) << "nothing read before every target was found";
	// Same answer as a designator that names nothing at all.
	std::vector<u8> nobody = cscd_for(a);
	nobody[20] ^= 0xff;
	Exec y = xcopy(a, plist(2, 0, {cscd_for(a), nobody}, {b2b(0, 1, 8, 0, 0)}));
	expect_copy_aborted(y, 0x0d, 0x02, 0);
	EXPECT_EQ(x.sense(), y.sense());
	EXPECT_EQ(luns.held, luns.released);
}

TEST_F(Xcopy, ReadOnlyDestinationIsWriteProtected) {
	b.ro = true;
	Exec x = xcopy(a, plist(1, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	expect_sense(x, 0x07, 0x27, 0x00);
	EXPECT_EQ(b.writes, 0);
	// A read-only source is fine.
	Exec y = xcopy(a, plist(2, 0, {cscd_for(b), cscd_for(a)}, {b2b(0, 1, 8, 0, 0)}));
	EXPECT_TRUE(y.good());
}

TEST_F(Xcopy, AnotherNexussReservationOnATargetIsAConflict) {
	ASSERT_TRUE(b.state().reserve(99));
	Exec x = xcopy(a, plist(1, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	EXPECT_EQ(x.cmd().status(), ScsiStatus::kReservationConflict);
	EXPECT_EQ(b.writes, 0);
	Exec y = xcopy(a, plist(2, 0, {cscd_for(b), cscd_for(a)}, {b2b(0, 1, 8, 0, 0)}));
	EXPECT_EQ(y.cmd().status(), ScsiStatus::kReservationConflict) << "as a source too";
	// The holder's own copy goes through.
	CopyNexus holder(99);
	Exec z = xcopy(a, plist(3, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}), &holder);
	EXPECT_TRUE(z.good());
}

TEST_F(Xcopy, ParameterListLengths) {
	Exec zero(a, xcopy_cdb(0), 0, {}, &luns, false, &nexus);
	EXPECT_TRUE(zero.good()) << "no parameter list: nothing to do";
	std::vector<u8> p = plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 8, 0, 100)});
	Exec hdr = xcopy(a, std::vector<u8>(p.begin(), p.begin() + 15));
	expect_sense(hdr, 0x05, 0x1a, 0x00);
	Exec cut_cscd = xcopy(a, std::vector<u8>(p.begin(), p.begin() + 16 + 31));
	expect_sense(cut_cscd, 0x05, 0x1a, 0x00);
	Exec cut_seg = xcopy(a, std::vector<u8>(p.begin(), p.end() - 1));
	expect_sense(cut_seg, 0x05, 0x1a, 0x00);
	// More data than the CDB says is cut to the CDB's length.
	Exec shorter(a, xcopy_cdb(u32(p.size() - 1)), 0, p, &luns, false, &nexus);
	expect_sense(shorter, 0x05, 0x1a, 0x00);
	// The descriptors together longer than MAXIMUM DESCRIPTOR LIST LENGTH.
	std::vector<std::vector<u8>> cscds(9, cscd_for(a)), segs(30, b2b(0, 0, 1, 0, 1));
	Exec big = xcopy(a, plist(1, 0, cscds, segs));
	expect_sense(big, 0x05, 0x1a, 0x00);
	// A CSCD list that is not whole descriptors.
	std::vector<u8> odd = p;
	odd[3] = 31;
	Exec o = xcopy(a, odd);
	expect_param_field(o, 2, 7);
	EXPECT_EQ(a.writes, 0);
}

TEST_F(Xcopy, DescriptorCountLimits) {
	std::vector<std::vector<u8>> nine(9, cscd_for(a));
	Exec t = xcopy(a, plist(1, 0, nine, {b2b(0, 0, 1, 0, 1)}));
	expect_sense(t, 0x05, 0x26, 0x06);
	std::vector<std::vector<u8>> segs(9, b2b(0, 0, 1, 0, 1));
	Exec s = xcopy(a, plist(1, 0, {cscd_for(a)}, segs));
	expect_sense(s, 0x05, 0x26, 0x08);
	std::vector<std::vector<u8>> eight(8, cscd_for(a)), eight_segs(8, b2b(0, 7, 1, 0, 1));
	Exec ok = xcopy(a, plist(1, 0, eight, eight_segs));
	EXPECT_TRUE(ok.good()) << "the limits themselves are allowed";
}

TEST_F(Xcopy, UnsupportedDescriptorTypes) {
	std::vector<u8> fc = cscd_for(a);
	fc[0] = 0xe0; // Fibre Channel N_Port_Name
	Exec t = xcopy(a, plist(1, 0, {fc}, {b2b(0, 0, 1, 0, 1)}));
	expect_sense(t, 0x05, 0x26, 0x07);
	std::vector<u8> s2s(20, 0);
	s2s[0] = 0x03; // stream to stream
	s2s[3] = 0x10;
	Exec s = xcopy(a, plist(1, 0, {cscd_for(a)}, {s2s}));
	expect_sense(s, 0x05, 0x26, 0x09);
}

TEST_F(Xcopy, InvalidFieldsPointAtTheField) {
	struct Case {
		size_t byte;
		u8 value;
		u16 want_byte;
		u8 want_bit;
	} cases[] = {
		{1, 0x08, 1, 4},            // LIST ID USAGE 01b (reserved)
		{1, 0x18, 1, 4},            // 11b without SNLID
		{1, 0x40, 1, 6},            // reserved bit
		{5, 0x01, 5, 0},            // reserved header byte
		{15, 0x01, 12, 7},          // INLINE DATA LENGTH: none supported
		{16 + 1, 0x01, 17, 4},      // peripheral device type 1 (tape)
		{16 + 4, 0x02, 20, 3},      // code set ASCII
		{16 + 5, 0x13, 21, 5},      // target port association
		{16 + 5, 0x01, 21, 3},      // T10 vendor id designator
		{16 + 7, 21, 23, 7},        // designator longer than its field
		{16 + 28, 0x01, 44, 0},     // reserved device-specific bit
		{16 + 30, 0x04, 45, 7},     // DISK BLOCK LENGTH 1024 on a 512-byte LU
		{48 + 1, 0x04, 49, 2},      // reserved segment bit
		{48 + 3, 0x14, 50, 7},      // segment DESCRIPTOR LENGTH
		{48 + 9, 0x01, 57, 0},      // reserved segment byte
	};
	for (const Case &c : cases) {
		std::vector<u8> p = plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 8, 0, 100)});
		p[c.byte] = c.value;
		if (c.byte == 15)
			p.push_back(0); // the inline byte itself
		Exec e = xcopy(a, p);
		SCOPED_TRACE(c.byte);
		expect_param_field(e, c.want_byte, c.want_bit);
	}
	// LU ID TYPE, NUL and the relative initiator port are ignored with a designator.
	std::vector<u8> p = plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 8, 0, 100)});
	p[17] = 0xe0;
	p[19] = 0x05;
	EXPECT_TRUE(xcopy(a, p).good());
	EXPECT_EQ(luns.held, luns.released);
}

TEST_F(Xcopy, SegmentErrorsAreCopyAbortedWithASegmentPointer) {
	// Destination index past the CSCD list (second segment).
	Exec i = xcopy(a, plist(1, 0, {cscd_for(a)}, {b2b(0, 0, 1, 0, 1), b2b(0, 1, 8, 0, 0)}));
	expect_copy_aborted(i, 0x0d, 0x02, 1);
	std::vector<u8> s = i.sense();
	EXPECT_EQ(s[15], 0x80 | 0x20 | 0x08 | 7) << "SKSV, SD, BPV";
	EXPECT_EQ((s[16] << 8) | s[17], 6) << "DESTINATION CSCD DESCRIPTOR ID";
	// Past the end of the destination: 00/00, the pointer at its LBA.
	Exec e = xcopy(a, plist(2, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 4095)}));
	expect_copy_aborted(e, 0x00, 0x00, 0);
	EXPECT_EQ((e.sense()[16] << 8) | e.sense()[17], 20);
	Exec src = xcopy(a, plist(3, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 4090, 0)}));
	expect_copy_aborted(src, 0x00, 0x00, 0);
	EXPECT_EQ((src.sense()[16] << 8) | src.sense()[17], 12);
	EXPECT_EQ(b.writes, 0);
	// The descriptor-format sense carries the same.
	std::vector<u8> p = plist(4, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 4095)});
	Exec d(a, xcopy_cdb(u32(p.size())), 0, p, &luns, true, &nexus);
	std::vector<u8> ds = d.sense();
	ASSERT_GE(ds.size(), 28u);
	EXPECT_EQ(ds[0], 0x72);
	EXPECT_EQ(ds[1], 0x0a);
	EXPECT_EQ(ds[8], 0x01) << "COMMAND-SPECIFIC INFORMATION descriptor";
	EXPECT_EQ(ds[20], 0x02) << "SENSE KEY SPECIFIC descriptor";
	EXPECT_EQ(ds[24], 0x80 | 0x20 | 0x08 | 7);
}

TEST_F(Xcopy, TargetIoErrorsAreCopyAborted) {
	a.fail = sense_error(SenseReason::kUnrecoveredReadError);
	Exec r = xcopy(b, plist(1, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	a.fail = {};
	expect_copy_aborted(r, 0x11, 0x00, 0);
	b.write_fail = Error::from_errno(KABI_EIO);
	Exec w = xcopy(a, plist(2, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	b.write_fail = {};
	expect_copy_aborted(w, 0x0c, 0x00, 0);
	b.write_fail = Error::from_errno(KABI_ENODEV);
	Exec g = xcopy(a, plist(3, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	b.write_fail = {};
	expect_copy_aborted(g, 0x0d, 0x02, 0);
}

TEST_F(Xcopy, ListIdentifiersAndFailedSegmentDetails) {
	Exec none = rcr(a, 0x00, 9);
	expect_invalid_field(none, 2, 7);
	Exec none_f = rcr(a, 0x04, 9);
	expect_invalid_field(none_f, 2, 7);
	// A failed copy with held results: COPY STATUS says so, FAILED SEGMENT DETAILS gives
	// its status and sense once.
	Exec x = xcopy(a, plist(9, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 4095)}));
	expect_copy_aborted(x, 0x00, 0x00, 0);
	Exec s = rcr(a, 0x00, 9);
	ASSERT_TRUE(s.good());
	EXPECT_EQ(s.at(4), 0x02) << "completed with errors";
	Exec f = rcr(a, 0x04, 9);
	ASSERT_TRUE(f.good());
	EXPECT_EQ(f.be(0, 4), 56u + 18);
	EXPECT_EQ(f.at(56), 0x02) << "CHECK CONDITION";
	EXPECT_EQ(f.be(58, 2), 18u);
	std::vector<u8> d = f.data();
	EXPECT_EQ(std::vector<u8>(d.begin() + 60, d.end()), x.sense());
	Exec again = rcr(a, 0x04, 9);
	EXPECT_EQ(again.be(0, 4), 0u) << "delivered whole: discarded";
	// Another nexus has its own list identifiers.
	CopyNexus other(8);
	Exec o(a, rcr_cdb(0x00, 9, 64), 64, {}, &luns, false, &other);
	expect_invalid_field(o, 2, 7);
	// A new command with the same identifier replaces the results.
	Exec y = xcopy(a, plist(9, 0, {cscd_for(a), cscd_for(b)}, {b2b(0, 1, 8, 0, 0)}));
	ASSERT_TRUE(y.good());
	Exec s2 = rcr(a, 0x00, 9);
	EXPECT_EQ(s2.at(4), 0x01);
}

TEST(CopyResults, RunningIdIsInProgressAndTheTableHasRoom) {
	CopyResults r;
	EXPECT_EQ(r.begin(3, true), SenseReason::kNone);
	EXPECT_EQ(r.begin(3, true), SenseReason::kOperationInProgress);
	for (u8 i = 10; i < 10 + CopyResults::kCapacity - 1; i++)
		EXPECT_EQ(r.begin(i, false), SenseReason::kNone);
	EXPECT_EQ(r.begin(200, true), SenseReason::kInsufficientResources) << "all running";
	r.end(3, 0, Bytes());
	EXPECT_EQ(r.begin(200, true), SenseReason::kNone) << "the finished one is reused";
	CopyResults::Entry e;
	EXPECT_FALSE(r.lookup(3, &e));
	r.end(10, 0, Bytes());
	EXPECT_FALSE(r.lookup(10, &e)) << "not held";
}

TEST(CopyResults, OperationInProgressSense) {
	FakeLu lu;
	CopyNexus n(1);
	ASSERT_EQ(n.results.begin(4, true), SenseReason::kNone);
	CopyLuns luns;
	luns.lus = {&lu};
	lu.serial = "0123456789abcdef";
	std::vector<u8> p = plist(4, 0, {cscd_for(lu)}, {b2b(0, 0, 1, 0, 1)});
	Exec e(lu, xcopy_cdb(u32(p.size())), 0, p, &luns, false, &n);
	expect_sense(e, 0x05, 0x00, 0x16);
}

} // namespace
} // namespace lio::scsi::test
