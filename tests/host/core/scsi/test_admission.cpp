// SPDX-License-Identifier: GPL-2.0
// Tests for execute()'s admission with a nexus (unit attentions, SPC-2 reservations) and for
// scatter-gather data (bounced responses and parameter lists, direct media I/O).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

const std::vector<u8> kTur = cdb6(0x00, 0, 0, 0, 0);
const std::vector<u8> kInquiry = cdb6(0x12, 0, 0, 0, 96);
const std::vector<u8> kReportLuns = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};

std::vector<u8> request_sense(bool desc = false) { return cdb6(0x03, desc ? 1 : 0, 0, 0, 252); }

void expect_conflict(Exec &e) {
	EXPECT_EQ(e.cmd().status(), ScsiStatus::kReservationConflict);
	EXPECT_TRUE(e.sense().empty());
	EXPECT_EQ(e.cmd().data_in_length(), 0u);
}

// ---- unit attentions ----

TEST(UnitAttention, FailsOneCommandThenIsGone) {
	FakeLu lu;
	FakeNexus n(1);
	n.ua.post(SenseReason::kPowerOnResetOccurred);
	n.ua.post(SenseReason::kModeParametersChanged);
	Exec a = exec_on(lu, n, kTur, 0);
	expect_sense(a, 0x06, 0x29, 0x00);
	Exec b = exec_on(lu, n, cdb10(0x28, 0, 0, 0, 1), 512);
	expect_sense(b, 0x06, 0x2a, 0x01);
	EXPECT_EQ(lu.reads, 0);
	Exec c = exec_on(lu, n, kTur, 0);
	EXPECT_TRUE(c.good());
	// Without a nexus nothing is pending.
	Exec none(lu, kTur, 0);
	EXPECT_TRUE(none.good());
}

TEST(UnitAttention, InquiryAndReportLunsPass) {
	FakeLu lu;
	FakeNexus n(1);
	n.ua.post(SenseReason::kPowerOnResetOccurred);
	EXPECT_TRUE(exec_on(lu, n, kInquiry, 96).good());
	EXPECT_TRUE(exec_on(lu, n, kReportLuns, 256).good());
	EXPECT_EQ(n.ua.peek(), SenseReason::kPowerOnResetOccurred) << "neither reports nor clears";
	// RSOC is not one of them.
	std::vector<u8> rsoc = {0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	Exec r = exec_on(lu, n, rsoc, 256);
	expect_sense(r, 0x06, 0x29, 0x00);
}

TEST(UnitAttention, ReportLunsClearsReportedLunsDataChanged) {
	FakeLu lu;
	FakeNexus n(1);
	n.ua.post(SenseReason::kCapacityDataChanged);
	n.ua.post(SenseReason::kReportedLunsDataChanged);
	EXPECT_TRUE(exec_on(lu, n, kReportLuns, 256).good());
	EXPECT_EQ(n.ua.take(), SenseReason::kCapacityDataChanged);
	EXPECT_FALSE(n.ua.pending());
}

TEST(UnitAttention, RequestSenseReturnsAndConsumesIt) {
	FakeLu lu;
	FakeNexus n(1);
	n.ua.post(SenseReason::kReservationsReleased);
	n.ua.post(SenseReason::kCapacityDataChanged);
	Exec a = exec_on(lu, n, request_sense(), 252);
	ASSERT_TRUE(a.good());
	ASSERT_EQ(a.cmd().data_in_length(), 18u);
	EXPECT_EQ(a.at(0), 0x70);
	EXPECT_EQ(a.at(2), 0x06);
	EXPECT_EQ(a.at(12), 0x2a);
	EXPECT_EQ(a.at(13), 0x04);
	Exec b = exec_on(lu, n, request_sense(true), 252);
	ASSERT_TRUE(b.good());
	EXPECT_EQ(b.at(0), 0x72);
	EXPECT_EQ(b.at(1), 0x06);
	EXPECT_EQ(b.at(2), 0x2a);
	EXPECT_EQ(b.at(3), 0x09);
	Exec c = exec_on(lu, n, request_sense(), 252);
	ASSERT_TRUE(c.good());
	EXPECT_EQ(c.at(2), 0x00) << "NO SENSE once none is pending";
	EXPECT_EQ(c.at(12), 0x00);
}

TEST(UnitAttention, CdbErrorsComeFirstAndKeepIt) {
	FakeLu lu;
	FakeNexus n(1);
	n.ua.post(SenseReason::kPowerOnResetOccurred);
	Exec bad = exec_on(lu, n, cdb6(0x00, 0x01, 0, 0, 0), 0);
	expect_invalid_field(bad, 1, 0);
	Exec unknown = exec_on(lu, n, cdb6(0x02, 0, 0, 0, 0), 0);
	expect_sense(unknown, 0x05, 0x20, 0x00);
	EXPECT_EQ(n.ua.peek(), SenseReason::kPowerOnResetOccurred);
}

TEST(UnitAttention, RowFlags) {
	std::set<std::string> with_ua, under_conflict;
	for (const OpcodeRow &r : opcode_rows()) {
		auto visit = [&](const OpcodeRow &x) {
			if (x.flags & kOpOkWithUa)
				with_ua.insert(x.name);
			if (x.flags & kOpOkUnderConflict)
				under_conflict.insert(x.name);
		};
		if (r.has_service_actions())
			for (const OpcodeRow &s : r.service_actions())
				visit(s);
		else
			visit(r);
	}
	EXPECT_EQ(with_ua, (std::set<std::string>{"INQUIRY", "REPORT LUNS", "REQUEST SENSE"}));
	EXPECT_EQ(under_conflict,
		  (std::set<std::string>{"INQUIRY", "REPORT LUNS", "REQUEST SENSE", "RELEASE(6)",
					 "RELEASE(10)", "PREVENT ALLOW MEDIUM REMOVAL",
					 "REPORT SUPPORTED OPERATION CODES",
					 "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS",
					 "REPORT TARGET PORT GROUPS"}));
}

// ---- SPC-2 reservations ----

TEST(Reservation, HolderRunsOthersConflict) {
	FakeLu lu;
	FakeNexus a(1), b(2);
	ASSERT_TRUE(exec_on(lu, a, cdb6(0x16, 0, 0, 0, 0), 0).good());
	EXPECT_EQ(lu.state().reservation_holder(), 1u);
	EXPECT_TRUE(exec_on(lu, a, kTur, 0).good());
	EXPECT_TRUE(exec_on(lu, a, cdb10(0x28, 0, 0, 0, 1), 512).good());
	for (auto cdb : {kTur, cdb10(0x28, 0, 0, 0, 1), cdb10(0x25, 0, 0, 0, 0),
			 cdb6(0x1a, 0, 0x3f, 0, 255), cdb10(0x35, 0, 0, 0, 0),
			 cdb6(0x16, 0, 0, 0, 0), cdb10(0x56, 0, 0, 0, 0), cdb6(0x1e, 0, 0, 0, 1)}) {
		Exec e = exec_on(lu, b, cdb, 512);
		SCOPED_TRACE(int(cdb[0]));
		expect_conflict(e);
	}
	EXPECT_EQ(lu.reads, 1);
	for (auto cdb : {kInquiry, kReportLuns, request_sense(), cdb6(0x1e, 0, 0, 0, 0)}) {
		Exec e = exec_on(lu, b, cdb, 256);
		EXPECT_TRUE(e.good()) << int(cdb[0]);
	}
	// RELEASE from the other nexus: GOOD, nothing released.
	EXPECT_TRUE(exec_on(lu, b, cdb6(0x17, 0, 0, 0, 0), 0).good());
	EXPECT_EQ(lu.state().reservation_holder(), 1u);
	EXPECT_TRUE(exec_on(lu, a, cdb10(0x57, 0, 0, 0, 0), 0).good());
	EXPECT_EQ(lu.state().reservation_holder(), 0u);
	EXPECT_TRUE(exec_on(lu, b, kTur, 0).good());
	EXPECT_TRUE(exec_on(lu, b, cdb10(0x56, 0, 0, 0, 0), 0).good());
	EXPECT_EQ(lu.state().reservation_holder(), 2u);
	EXPECT_TRUE(lu.posted.empty()) << "SPC-2 RESERVE/RELEASE announce nothing";
}

TEST(Reservation, UnitAttentionBeforeConflictBeforeWriteProtect) {
	FakeLu lu;
	lu.ro = true;
	FakeNexus a(1), b(2);
	ASSERT_TRUE(lu.state().reserve(1));
	b.ua.post(SenseReason::kPowerOnResetOccurred);
	std::vector<u8> blk(512);
	Exec first = exec_on(lu, b, cdb10(0x2a, 0, 0, 0, 1), 0, blk);
	expect_sense(first, 0x06, 0x29, 0x00);
	Exec second = exec_on(lu, b, cdb10(0x2a, 0, 0, 0, 1), 0, blk);
	expect_conflict(second);
	Exec holder = exec_on(lu, a, cdb10(0x2a, 0, 0, 0, 1), 0, blk);
	expect_sense(holder, 0x07, 0x27, 0x00);
}

TEST(Reservation, ThirdPartyAndExtentsAreRefused) {
	FakeLu lu;
	FakeNexus a(1);
	Exec r6 = exec_on(lu, a, cdb6(0x16, 0x10, 0, 0, 0), 0);
	expect_invalid_field(r6, 1, 4);
	Exec ext = exec_on(lu, a, cdb6(0x16, 0x01, 0, 0, 0), 0);
	expect_invalid_field(ext, 1, 0);
	Exec r10 = exec_on(lu, a, cdb10(0x56, 0x10, 0, 0, 0), 0);
	expect_invalid_field(r10, 1, 4);
	Exec longid = exec_on(lu, a, cdb10(0x56, 0x02, 0, 0, 8), 0, std::vector<u8>(8));
	expect_invalid_field(longid, 1, 1);
	Exec rel = exec_on(lu, a, cdb10(0x57, 0x10, 0, 0, 0), 0);
	expect_invalid_field(rel, 1, 4);
	EXPECT_EQ(lu.state().reservation_holder(), 0u);
	// Without a nexus RESERVE holds nothing.
	EXPECT_TRUE(Exec(lu, cdb6(0x16, 0, 0, 0, 0), 0).good());
	EXPECT_EQ(lu.state().reservation_holder(), 0u);
}

// ---- scatter-gather ----

TEST(ScatterGather, ResponsesAreBouncedIntoSegments) {
	FakeLu lu;
	Exec flat(lu, cdb6(0x12, 0x01, 0x83, 0, 255), 255);
	Exec sg(lu, cdb6(0x12, 0x01, 0x83, 0, 255), 255, {}, nullptr, false, nullptr, {3, 5, 7});
	ASSERT_TRUE(sg.good());
	EXPECT_EQ(sg.data(), flat.data());
	EXPECT_EQ(sg.cmd().residual(), flat.cmd().residual());
	EXPECT_EQ(sg.cmd().residual_count(), flat.cmd().residual_count());
	EXPECT_EQ(sg.at(sg.cmd().data_in_length()), 0xcc) << "nothing past the data";
}

TEST(ScatterGather, LongResponsesAreClippedToTheBounceBuffer) {
	FakeLu lu;
	FakeLuns luns;
	for (u64 i = 0; i < 9000; i++)
		luns.luns.push_back(i);
	std::vector<u8> cdb = {0xa0, 0, 0, 0, 0, 0, 0, 1, 0x38, 0x80, 0, 0}; // 80000
	Exec flat(lu, cdb, 80000, {}, &luns);
	ASSERT_TRUE(flat.good());
	EXPECT_EQ(flat.cmd().data_in_length(), 8u + 9000 * 8);
	EXPECT_EQ(flat.cmd().residual_count(), 80000u - 72008);
	Exec sg(lu, cdb, 80000, {}, &luns, false, nullptr, {4096});
	ASSERT_TRUE(sg.good());
	EXPECT_EQ(sg.cmd().data_in_length(), 65536u);
	EXPECT_EQ(sg.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(sg.cmd().residual_count(), 80000u - 65536);
	std::vector<u8> a = flat.data(), b = sg.data();
	EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));
}

TEST(ScatterGather, ParameterListsAreGathered) {
	FakeLu lu;
	lu.attrs.emulate_tpu = true;
	lu.attrs.max_unmap_block_desc_count = 2;
	std::vector<u8> p = {0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 0};
	Exec e(lu, cdb10(0x42, 0, 0, 0, 24), 0, p, nullptr, false, nullptr, {5, 1, 9});
	EXPECT_TRUE(e.good());
	// MODE SELECT of the current caching page, cut in pieces.
	Exec sense(lu, cdb6(0x1a, 0x08, 0x08, 0, 255), 255);
	ASSERT_TRUE(sense.good());
	std::vector<u8> ms = {0, 0, 0, 0};
	std::vector<u8> page = sense.data();
	ms.insert(ms.end(), page.begin() + 4, page.end());
	Exec sel(lu, cdb6(0x15, 0x10, 0, 0, u8(ms.size())), 0, ms, nullptr, false, nullptr, {3});
	EXPECT_TRUE(sel.good());
	ms.back() ^= 1;
	Exec bad(lu, cdb6(0x15, 0x10, 0, 0, u8(ms.size())), 0, ms, nullptr, false, nullptr, {3});
	expect_sense(bad, 0x05, 0x26, 0x00);
}

TEST(ScatterGather, MediaCommandsUseTheSegmentsDirectly) {
	FakeLu lu;
	std::vector<u8> data(4 * 512);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = u8(i * 31 + 7);
	Exec w(lu, cdb10(0x2a, 0, 20, 0, 4), 0, data, nullptr, false, nullptr, {1, 511, 1000});
	ASSERT_TRUE(w.good());
	EXPECT_EQ(lu.contents(20, 4), data);
	Exec r(lu, cdb10(0x28, 0, 20, 0, 4), 4 * 512, {}, nullptr, false, nullptr, {700, 13});
	ASSERT_TRUE(r.good());
	EXPECT_EQ(r.data(), data);
	// Short data-in: what fits (the partial block bounced), overflow residual.
	Exec s(lu, cdb10(0x28, 0, 20, 0, 4), 1100, {}, nullptr, false, nullptr, {700, 13});
	ASSERT_TRUE(s.good());
	EXPECT_EQ(s.cmd().data_in_length(), 1100u);
	EXPECT_EQ(s.data(), std::vector<u8>(data.begin(), data.begin() + 1100));
	EXPECT_EQ(s.cmd().residual(), Residual::kOverflow);
	EXPECT_EQ(s.cmd().residual_count(), 4 * 512u - 1100);
	// WRITE SAME's block in pieces.
	std::vector<u8> blk(512, 0x42);
	Exec ws(lu, cdb10(0x41, 0, 30, 0, 2), 0, blk, nullptr, false, nullptr, {100});
	ASSERT_TRUE(ws.good());
	EXPECT_EQ(lu.contents(30, 2), std::vector<u8>(1024, 0x42));
}

} // namespace
} // namespace lio::scsi::test
