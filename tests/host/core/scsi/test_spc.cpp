// SPDX-License-Identifier: GPL-2.0
// Tests for core/scsi/spc.cpp: TUR, REQUEST SENSE, INQUIRY and VPD, MODE SENSE, REPORT LUNS.
#include <gtest/gtest.h>

#include <string>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

std::vector<u8> inquiry(bool evpd, u8 page, u16 alloc) {
	return {0x12, u8(evpd ? 1 : 0), page, u8(alloc >> 8), u8(alloc), 0};
}

std::string text(const Exec &e, size_t off, size_t len) {
	std::string s;
	for (size_t i = 0; i < len; i++)
		s.push_back(char(e.at(off + i)));
	return s;
}

TEST(Spc, TestUnitReady) {
	FakeLu lu;
	Exec e(lu, {0, 0, 0, 0, 0, 0}, 0);
	EXPECT_TRUE(e.good());
	EXPECT_TRUE(e.cmd().completed());
	EXPECT_EQ(e.cmd().sense().size(), 0u);
}

TEST(Spc, RequestSenseFixedAndDescriptor) {
	FakeLu lu;
	Exec f(lu, {0x03, 0, 0, 0, 252, 0}, 252);
	ASSERT_TRUE(f.good());
	ASSERT_EQ(f.cmd().data_in_length(), 18u);
	EXPECT_EQ(f.at(0), 0x70);
	EXPECT_EQ(f.at(2), 0x00);
	EXPECT_EQ(f.at(7), 10);
	Exec d(lu, {0x03, 1, 0, 0, 252, 0}, 252);
	ASSERT_TRUE(d.good());
	ASSERT_EQ(d.cmd().data_in_length(), 8u);
	EXPECT_EQ(d.at(0), 0x72);
	Exec t(lu, {0x03, 0, 0, 0, 4, 0}, 252);
	EXPECT_EQ(t.cmd().data_in_length(), 4u);
}

TEST(Inquiry, StandardDataAsLio) {
	FakeLu lu;
	Exec e(lu, inquiry(false, 0, 255), 255);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.cmd().data_in_length(), 96u);
	EXPECT_EQ(e.at(0), 0x00);
	EXPECT_EQ(e.at(1), 0x00);
	EXPECT_EQ(e.at(2), 0x06) << "SPC-4";
	EXPECT_EQ(e.at(3), 0x02);
	EXPECT_EQ(e.at(4), 91);
	// SCCS (REPORT TARGET PORT GROUPS exists); TPGS needs a nexus in a target port group
	// (test_alua.cpp); 3PC: EXTENDED COPY is there (emulate_3pc=1, the default;
	// test_xcopy.cpp checks emulate_3pc=0).
	EXPECT_EQ(e.at(5), 0x88);
	EXPECT_EQ(e.at(7), 0x02) << "CMDQUE";
	EXPECT_EQ(text(e, 8, 8), "LIO-ORG ");
	EXPECT_EQ(text(e, 16, 16), "RAMDISK-MCP     ");
	EXPECT_EQ(text(e, 32, 4), "4.0 ");
	EXPECT_EQ(e.be(58, 2), 0x00a0u);
	EXPECT_EQ(e.be(60, 2), 0x0460u);
	EXPECT_EQ(e.be(62, 2), 0x04c0u);
	EXPECT_EQ(e.be(64, 2), 0u);
	EXPECT_EQ(e.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(e.cmd().residual_count(), 255u - 96);

	Exec n(lu, inquiry(false, 0, 36), 36);
	EXPECT_EQ(n.cmd().data_in_length(), 36u);
	EXPECT_EQ(n.cmd().residual(), Residual::kNone);
}

TEST(Inquiry, AllocationLengthTruncates) {
	FakeLu lu;
	Exec e(lu, inquiry(false, 0, 5), 96);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 5u);
	EXPECT_EQ(e.at(4), 91);
	EXPECT_EQ(e.at(5), 0xcc);
	Exec z(lu, inquiry(false, 0, 0), 96);
	ASSERT_TRUE(z.good());
	EXPECT_EQ(z.cmd().data_in_length(), 0u);
	// A buffer smaller than the allocation length: residual overflow.
	Exec o(lu, inquiry(false, 0, 96), 36);
	EXPECT_EQ(o.cmd().data_in_length(), 36u);
	EXPECT_EQ(o.cmd().residual(), Residual::kOverflow);
	EXPECT_EQ(o.cmd().residual_count(), 60u);
}

TEST(Inquiry, PageCodeWithoutEvpd) {
	FakeLu lu;
	Exec e(lu, inquiry(false, 0x80, 255), 255);
	expect_invalid_field(e, 2, 7);
	Exec c(lu, {0x12, 0x02, 0, 0, 255, 0}, 255); // CmdDt
	expect_invalid_field(c, 1, 1);
}

// Linux's scan of a LUN on a target it knows nothing about yet puts the LUN in byte 1 bits
// 7:5 (SCSI-2): INQUIRY ignores them; other 6-byte commands still refuse reserved bits.
TEST(Inquiry, LegacyLunBitsIgnored) {
	FakeLu lu;
	Exec e(lu, {0x12, 0x60, 0, 0, 36, 0}, 36);
	EXPECT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 36u);
	Exec t(lu, {0x00, 0x60, 0, 0, 0, 0}, 0); // TEST UNIT READY
	expect_invalid_field(t, 1, 6);
}

TEST(Inquiry, VpdSupportedPages) {
	FakeLu lu;
	Exec e(lu, inquiry(true, 0x00, 255), 255);
	ASSERT_TRUE(e.good());
	const u8 want[] = {0, 0, 0, 7, 0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2};
	EXPECT_EQ(e.data(), std::vector<u8>(want, want + sizeof(want)));
	// Each listed page answers; an unlisted one does not.
	for (u8 p : {0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2}) {
		Exec v(lu, inquiry(true, p, 255), 255);
		EXPECT_TRUE(v.good()) << int(p);
		EXPECT_EQ(v.at(1), p);
		EXPECT_EQ(v.be(2, 2) + 4, v.cmd().data_in_length());
	}
	Exec bad(lu, inquiry(true, 0xb3, 255), 255);
	expect_invalid_field(bad, 2, 7);
}

TEST(Inquiry, VpdUnitSerial) {
	FakeLu lu;
	Exec e(lu, inquiry(true, 0x80, 255), 255);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.at(3), lu.serial.size() + 1);
	EXPECT_EQ(text(e, 4, lu.serial.size()), lu.serial);
	EXPECT_EQ(e.at(4 + lu.serial.size()), 0);
}

TEST(Inquiry, VpdDeviceIdentificationAsLio) {
	FakeLu lu;
	Exec e(lu, inquiry(true, 0x83, 255), 255);
	ASSERT_TRUE(e.good());
	// NAA IEEE Registered Extended from company id 0x001405 and the serial's hex digits.
	const u8 naa[] = {0x01, 0x03, 0x00, 0x10, 0x60, 0x01, 0x40, 0x5a, 0x1b, 0x2c,
			  0x3d, 0x4e, 0x5f, 0x64, 0x78, 0x99, 0xab, 0xcd, 0xef, 0x01};
	std::vector<u8> d = e.data();
	ASSERT_GE(d.size(), 24u + 20);
	EXPECT_EQ(std::vector<u8>(d.begin() + 4, d.begin() + 24), std::vector<u8>(naa, naa + 20));
	// T10 vendor id: "LIO-ORG " "RAMDISK-MCP:<serial>" NUL.
	std::string t10 = "LIO-ORG RAMDISK-MCP:" + lu.serial;
	EXPECT_EQ(d[24], 0x02);
	EXPECT_EQ(d[25], 0x01);
	EXPECT_EQ(d[27], t10.size() + 1);
	EXPECT_EQ(text(e, 28, t10.size()), t10);
	EXPECT_EQ(d[28 + t10.size()], 0);
	EXPECT_EQ(d.size(), 28 + t10.size() + 1);
	EXPECT_EQ(e.be(2, 2), d.size() - 4);
}

TEST(Inquiry, VpdDeviceIdentificationTargetPortDesignators) {
	FakeLu lu;
	FakeNexus nexus(5);
	nexus.has_port = true;
	nexus.port.relative_port_id = 3;
	nexus.port.tpg_tag = 1;
	nexus.port.protocol_id = 0x6; // SAS (tcm_loop)
	nexus.port.target_name = lio::str_view("naa.5001405abcdef012");
	nexus.port.has_port_group = true;
	nexus.port.port_group_id = 0;
	Exec plain(lu, inquiry(true, 0x83, 255), 255);
	Exec e = exec_on(lu, nexus, inquiry(true, 0x83, 255), 255);
	ASSERT_TRUE(e.good());
	std::vector<u8> d = e.data();
	size_t off = plain.data().size(); // the LU designators come first, unchanged
	ASSERT_GT(d.size(), off);
	// Relative target port: SAS, PIV, target port association, type 4, id 3.
	const u8 rtpi[] = {0x61, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03};
	EXPECT_EQ(std::vector<u8>(d.begin() + off, d.begin() + off + 8),
		  std::vector<u8>(rtpi, rtpi + 8));
	// Target port group 0: type 5.
	const u8 tpg[] = {0x61, 0x95, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
	EXPECT_EQ(std::vector<u8>(d.begin() + off + 8, d.begin() + off + 16),
		  std::vector<u8>(tpg, tpg + 8));
	// SCSI name string of the port: UTF-8, PIV, target port association, type 8.
	std::string port = "naa.5001405abcdef012,t,0x0001";
	size_t padded = (port.size() + 4) & ~size_t(3);
	EXPECT_EQ(d[off + 16], 0x63);
	EXPECT_EQ(d[off + 17], 0x98);
	EXPECT_EQ(d[off + 19], padded);
	EXPECT_EQ(text(e, off + 20, port.size()), port);
	EXPECT_EQ(d[off + 20 + port.size()], 0);
	// Then the target device's name (association 10b).
	size_t dev = off + 20 + padded;
	std::string name = "naa.5001405abcdef012";
	EXPECT_EQ(d[dev + 1], 0xa8);
	EXPECT_EQ(text(e, dev + 4, name.size()), name);
	EXPECT_EQ(d.size(), dev + 4 + ((name.size() + 4) & ~size_t(3)));
	EXPECT_EQ(e.be(2, 2), d.size() - 4);
}

TEST(Inquiry, VpdDeviceIdentificationNameAndNoSerial) {
	FakeLu lu;
	lu.serial = "";
	lu.lu_name = "iqn.2003-01.org.linux-iscsi:lu0";
	Exec e(lu, inquiry(true, 0x83, 255), 255);
	ASSERT_TRUE(e.good());
	std::vector<u8> d = e.data();
	// Vendor only, then the SCSI name string padded to 4 with at least one NUL.
	EXPECT_EQ(d[4], 0x02);
	EXPECT_EQ(d[7], 8);
	EXPECT_EQ(text(e, 8, 8), "LIO-ORG ");
	EXPECT_EQ(d[16], 0x03);
	EXPECT_EQ(d[17], 0x08);
	size_t n = lu.lu_name.size();
	size_t padded = (n + 4) & ~size_t(3);
	EXPECT_EQ(d[19], padded);
	EXPECT_EQ(text(e, 20, n), lu.lu_name);
	EXPECT_EQ(d.size(), 20 + padded);
	// VPD 0x80 without a serial: empty page.
	Exec s(lu, inquiry(true, 0x80, 255), 255);
	EXPECT_EQ(s.cmd().data_in_length(), 4u);
}

TEST(Inquiry, VpdDeviceIdentificationLongSerialIsCut) {
	FakeLu lu;
	lu.serial = std::string(254, '7');
	Exec e(lu, inquiry(true, 0x83, 1024), 1024);
	ASSERT_TRUE(e.good());
	std::vector<u8> d = e.data();
	EXPECT_EQ(d[24], 0x02);
	EXPECT_EQ(d[27], 255);
	EXPECT_EQ(d[28 + 254], 0) << "NUL in the last byte";
	EXPECT_EQ(d.size(), 28u + 255);
	EXPECT_EQ(e.be(2, 2), d.size() - 4);
	EXPECT_EQ(d[4 + 4], 0x60);
	EXPECT_EQ(d[4 + 7], 0x57) << "NAA: company id nibble, then the serial's first digit";
}

TEST(Inquiry, VpdExtendedInquiry) {
	FakeLu lu;
	lu.attrs.emulate_write_cache = true;
	Exec e(lu, inquiry(true, 0x86, 255), 255);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.be(2, 2), 0x3cu);
	EXPECT_EQ(e.at(4), 0x00);
	EXPECT_EQ(e.at(5), 0x07);
	EXPECT_EQ(e.at(6), 0x01);
	EXPECT_EQ(e.at(8), 0x10);
}

TEST(Inquiry, VpdBlockLimits) {
	FakeLu lu;
	lu.attrs.emulate_tpu = true;
	lu.attrs.unmap_granularity_alignment = 8;
	Exec e(lu, inquiry(true, 0xb0, 255), 255);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.be(2, 2), 0x3cu);
	EXPECT_EQ(e.at(4), 0x01);
	EXPECT_EQ(e.at(5), 128) << "MAXIMUM COMPARE AND WRITE LENGTH";
	EXPECT_EQ(e.be(6, 2), 1u);
	EXPECT_EQ(e.be(8, 4), 1024u);
	EXPECT_EQ(e.be(12, 4), 1024u);
	EXPECT_EQ(e.be(20, 4), 8192u);
	EXPECT_EQ(e.be(24, 4), 1u);
	EXPECT_EQ(e.be(28, 4), 1u);
	EXPECT_EQ(e.be(32, 4), 0x80000008u);
	EXPECT_EQ(e.be64(36), 0xffffull);
	lu.attrs.hw_max_sectors = 16;
	Exec small(lu, inquiry(true, 0xb0, 255), 255);
	EXPECT_EQ(small.at(5), 16) << "not above the maximum transfer length";
	lu.attrs.hw_max_sectors = 1024;
	// Without thin provisioning, no UNMAP limits.
	lu.attrs.emulate_tpu = false;
	lu.attrs.emulate_caw = false;
	Exec n(lu, inquiry(true, 0xb0, 255), 255);
	EXPECT_EQ(n.at(5), 0);
	EXPECT_EQ(n.be(20, 4), 0u);
	EXPECT_EQ(n.be(32, 4), 0u);
	EXPECT_EQ(n.be64(36), 0xffffull);
}

TEST(Inquiry, VpdRotationRate) {
	FakeLu lu;
	Exec r(lu, inquiry(true, 0xb1, 255), 255);
	EXPECT_EQ(r.be(4, 2), 0u);
	EXPECT_EQ(r.be(2, 2), 0x3cu);
	lu.attrs.is_nonrot = true;
	Exec n(lu, inquiry(true, 0xb1, 255), 255);
	EXPECT_EQ(n.be(4, 2), 1u);
}

TEST(Inquiry, VpdLogicalBlockProvisioning) {
	FakeLu lu;
	Exec none(lu, inquiry(true, 0xb2, 255), 255);
	EXPECT_EQ(none.be(2, 2), 4u);
	EXPECT_EQ(none.at(5), 0);
	EXPECT_EQ(none.at(6), 0);
	lu.attrs.emulate_tpu = true;
	Exec u(lu, inquiry(true, 0xb2, 255), 255);
	EXPECT_EQ(u.at(5), 0x80);
	EXPECT_EQ(u.at(6), 0x02);
	lu.attrs.emulate_tpws = true;
	lu.attrs.unmap_zeroes_data = true;
	Exec w(lu, inquiry(true, 0xb2, 255), 255);
	EXPECT_EQ(w.at(5), 0x80 | 0x40 | 0x20 | 0x04);
}

// ---- MODE SENSE ----

std::vector<u8> ms6(u8 b1, u8 pc, u8 page, u8 sub, u8 alloc) {
	return {0x1a, b1, u8((pc << 6) | page), sub, alloc, 0};
}
std::vector<u8> ms10(u8 b1, u8 pc, u8 page, u8 sub, u16 alloc) {
	return {0x5a, b1, u8((pc << 6) | page), sub, 0, 0, 0, u8(alloc >> 8), u8(alloc), 0};
}

TEST(ModeSense, CachingPage6WithBlockDescriptor) {
	FakeLu lu;
	lu.attrs.emulate_write_cache = true;
	Exec e(lu, ms6(0, 0, 0x08, 0, 255), 255);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.cmd().data_in_length(), 4u + 8 + 20);
	EXPECT_EQ(e.at(0), 31);
	EXPECT_EQ(e.at(2), 0x10) << "DPOFUA";
	EXPECT_EQ(e.at(3), 8);
	EXPECT_EQ(e.be(4, 4), 2048u);
	EXPECT_EQ(e.be(9, 3), 512u);
	EXPECT_EQ(e.at(12), 0x08);
	EXPECT_EQ(e.at(13), 0x12);
	EXPECT_EQ(e.at(14), 0x04) << "WCE";
	// Changeable: nothing.
	Exec c(lu, ms6(0x08, 1, 0x08, 0, 255), 255);
	ASSERT_TRUE(c.good());
	EXPECT_EQ(c.cmd().data_in_length(), 4u + 20);
	EXPECT_EQ(c.at(3), 0);
	EXPECT_EQ(c.at(6), 0);
	lu.attrs.emulate_write_cache = false;
	lu.attrs.emulate_fua_write = false;
	lu.ro = true;
	Exec n(lu, ms6(0x08, 0, 0x08, 0, 255), 255);
	EXPECT_EQ(n.at(2), 0x80) << "WP, no DPOFUA";
	EXPECT_EQ(n.at(6), 0);
}

TEST(ModeSense, ControlPageAndDSense) {
	FakeLu lu;
	Exec e(lu, ms6(0x08, 0, 0x0a, 0, 255), 255);
	ASSERT_TRUE(e.good());
	const u8 want[] = {0x0a, 0x0a, 0x02, 0x10, 0x00, 0x40, 0, 0, 0xff, 0xff, 0, 30};
	std::vector<u8> d = e.data();
	ASSERT_EQ(d.size(), 16u);
	EXPECT_EQ(std::vector<u8>(d.begin() + 4, d.end()), std::vector<u8>(want, want + 12));
	Exec s(lu, ms6(0x08, 0, 0x0a, 0, 255), 255, {}, nullptr, true);
	EXPECT_EQ(s.at(6), 0x06);
	Exec def(lu, ms6(0x08, 2, 0x0a, 0, 255), 255, {}, nullptr, true);
	EXPECT_EQ(def.at(6), 0x02) << "default D_SENSE is 0";
}

TEST(ModeSense, AllPages10LongLba) {
	FakeLu lu;
	Exec e(lu, ms10(0x10, 0, 0x3f, 0, 1024), 1024);
	ASSERT_TRUE(e.good());
	usize total = 8 + 16 + 12 + 20 + 12 + 12;
	ASSERT_EQ(e.cmd().data_in_length(), total);
	EXPECT_EQ(e.be(0, 2), total - 2);
	EXPECT_EQ(e.at(4), 0x01) << "LONGLBA";
	EXPECT_EQ(e.be(6, 2), 16u);
	EXPECT_EQ(e.be64(8), 2048u);
	EXPECT_EQ(e.be(20, 4), 512u);
	EXPECT_EQ(e.at(24), 0x01);
	EXPECT_EQ(e.at(36), 0x08);
	EXPECT_EQ(e.at(56), 0x0a);
	EXPECT_EQ(e.at(68), 0x1c);
	// 0x3f/0xff is the same list; short descriptor without LLBAA.
	Exec f(lu, ms10(0, 0, 0x3f, 0xff, 1024), 1024);
	ASSERT_TRUE(f.good());
	EXPECT_EQ(f.cmd().data_in_length(), total - 8);
	EXPECT_EQ(f.be(6, 2), 8u);
}

TEST(ModeSense, TruncationKeepsFullLength) {
	FakeLu lu;
	Exec e(lu, ms6(0, 0, 0x3f, 0, 4), 255);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 4u);
	EXPECT_EQ(e.at(0), 4 + 8 + 12 + 20 + 12 + 12 - 1);
}

TEST(ModeSense, Errors) {
	FakeLu lu;
	Exec saved(lu, ms6(0, 3, 0x08, 0, 255), 255);
	expect_sense(saved, 0x05, 0x39, 0x00);
	Exec page(lu, ms6(0, 0, 0x19, 0, 255), 255);
	expect_invalid_field(page, 2, 5);
	Exec sub(lu, ms6(0, 0, 0x08, 1, 255), 255);
	expect_invalid_field(sub, 3, 7);
	Exec llbaa6(lu, ms6(0x10, 0, 0x08, 0, 255), 255);
	expect_invalid_field(llbaa6, 1, 4);
}

// ---- REPORT LUNS ----

std::vector<u8> report_luns(u8 select, u32 alloc) {
	return {0xa0, 0, select, 0, 0, 0, u8(alloc >> 24), u8(alloc >> 16), u8(alloc >> 8),
		u8(alloc), 0, 0};
}

TEST(ReportLuns, ListsTheMap) {
	FakeLu lu;
	FakeLuns map;
	map.luns = {0, 1, 300};
	Exec e(lu, report_luns(0, 4096), 4096, {}, &map);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(e.cmd().data_in_length(), 8u + 24);
	EXPECT_EQ(e.be(0, 4), 24u);
	EXPECT_EQ(e.be64(8), 0u);
	EXPECT_EQ(e.be64(16), 0x0001000000000000ull);
	EXPECT_EQ(e.be64(24), 0x012c000000000000ull);
	Exec two(lu, report_luns(2, 4096), 4096, {}, &map);
	EXPECT_EQ(two.be(0, 4), 24u);
	Exec wk(lu, report_luns(1, 4096), 4096, {}, &map);
	ASSERT_TRUE(wk.good());
	EXPECT_EQ(wk.be(0, 4), 0u);
	EXPECT_EQ(wk.cmd().data_in_length(), 8u);
	// Truncated to 16: header and first LUN; length still says 24.
	Exec t(lu, report_luns(0, 16), 4096, {}, &map);
	EXPECT_EQ(t.cmd().data_in_length(), 16u);
	EXPECT_EQ(t.be(0, 4), 24u);
}

TEST(ReportLuns, EmptyMapReportsLunZero) {
	FakeLu lu;
	FakeLuns map;
	Exec e(lu, report_luns(0, 64), 64, {}, &map);
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.be(0, 4), 8u);
	EXPECT_EQ(e.cmd().data_in_length(), 16u);
	Exec n(lu, report_luns(0, 64), 64, {}, nullptr);
	EXPECT_EQ(n.be(0, 4), 8u);
}

TEST(ReportLuns, Errors) {
	FakeLu lu;
	Exec a(lu, report_luns(0, 15), 64);
	expect_invalid_field(a, 6, 7);
	Exec s(lu, report_luns(3, 64), 64);
	expect_invalid_field(s, 2, 7);
}

} // namespace
} // namespace lio::scsi::test

namespace lio::scsi::test {
namespace {

// ---- MODE SELECT ----

// The current caching page as MODE SENSE(6) returns it (without block descriptor).
std::vector<u8> current_page(FakeLu &lu, u8 page) {
	Exec e(lu, ms6(0x08, 0, page, 0, 255), 255);
	std::vector<u8> d = e.data();
	return std::vector<u8>(d.begin() + 4, d.end());
}

std::vector<u8> ms_select6(u8 b1, u8 plen) { return {0x15, b1, 0, 0, plen, 0}; }

TEST(ModeSelect, SamePagesAreAccepted) {
	FakeLu lu;
	lu.attrs.emulate_write_cache = true;
	std::vector<u8> p = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x02, 0x00}; // + block descriptor
	std::vector<u8> caching = current_page(lu, 0x08);
	std::vector<u8> control = current_page(lu, 0x0a);
	p.insert(p.end(), caching.begin(), caching.end());
	p.insert(p.end(), control.begin(), control.end());
	Exec e(lu, ms_select6(0x10, u8(p.size())), 0, p);
	EXPECT_TRUE(e.good());
	// MODE SELECT(10), long LBA descriptor.
	std::vector<u8> q = {0, 0, 0, 0, 0x01, 0, 0, 16};
	q.resize(8 + 16, 0);
	q[8 + 14] = 0x02;
	q.insert(q.end(), caching.begin(), caching.end());
	Exec t(lu, {0x55, 0x10, 0, 0, 0, 0, 0, 0, u8(q.size()), 0}, 0, q);
	EXPECT_TRUE(t.good());
	Exec none(lu, ms_select6(0x10, 0), 0);
	EXPECT_TRUE(none.good());
}

TEST(ModeSelect, Errors) {
	FakeLu lu;
	std::vector<u8> caching = current_page(lu, 0x08);
	std::vector<u8> p = {0, 0, 0, 0};
	p.insert(p.end(), caching.begin(), caching.end());
	Exec pf(lu, ms_select6(0x00, u8(p.size())), 0, p);
	expect_invalid_field(pf, 1, 4);
	Exec sp(lu, ms_select6(0x11, u8(p.size())), 0, p);
	expect_sense(sp, 0x05, 0x39, 0x00);
	// Changing WCE: nothing is changeable.
	std::vector<u8> wce = p;
	wce[4 + 2] |= 0x04;
	Exec w(lu, ms_select6(0x10, u8(wce.size())), 0, wce);
	expect_sense(w, 0x05, 0x26, 0x00);
	EXPECT_EQ(w.sense()[15], 0x80 | 0x08 | 2);
	EXPECT_EQ(w.sense()[17], 6);
	// Unknown page, short list, list longer than the data.
	std::vector<u8> unk = {0, 0, 0, 0, 0x19, 0x02, 0, 0};
	Exec u(lu, ms_select6(0x10, u8(unk.size())), 0, unk);
	expect_sense(u, 0x05, 0x26, 0x00);
	EXPECT_EQ(u.sense()[17], 4);
	Exec cut(lu, ms_select6(0x10, 10), 0, std::vector<u8>(p.begin(), p.begin() + 10));
	expect_sense(cut, 0x05, 0x1a, 0x00);
	Exec missing(lu, ms_select6(0x10, u8(p.size())), 0, std::vector<u8>(4));
	expect_sense(missing, 0x05, 0x1a, 0x00);
	// A block descriptor changing the block length.
	std::vector<u8> bd = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x10, 0x00};
	Exec b(lu, ms_select6(0x10, u8(bd.size())), 0, bd);
	expect_sense(b, 0x05, 0x26, 0x00);
	EXPECT_EQ(b.sense()[17], 9);
}

} // namespace
} // namespace lio::scsi::test
