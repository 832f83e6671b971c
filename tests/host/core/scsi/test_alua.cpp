// SPDX-License-Identifier: GPL-2.0
// ALUA in the engine (core/scsi/alua.cpp): admission by the access state of the nexus's
// target port group, REPORT / SET TARGET PORT GROUPS encoding and errors, INQUIRY TPGS and
// VPD 0x83's target port group.
#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "scsi_test_support.h"

namespace {

using namespace lio;
using namespace lio::scsi;
using namespace lio::scsi::test;

// A nexus whose port group state and device groups the test sets.
class AluaNexus final : public ItlNexus, public AluaPortGroups {
  public:
	u64 it_nexus_id() const override { return 7; }
	UnitAttentionQueue &unit_attentions() override { return ua; }
	const TargetPortInfo *target_port() const override { return &port; }
	AluaPortState alua_port_state() const override { return state; }
	AluaPortGroups *alua_port_groups() override { return groups_on ? this : nullptr; }

	void report(AluaReportVisitor &v) override {
		for (auto &g : groups) {
			v.group(g.first);
			for (u16 p : g.second)
				v.port(p);
		}
	}
	u8 implicit_transition_secs() override { return 42; }
	SenseReason set_target_port_groups(Span<const AluaSetDescriptor> d,
					   const ItlNexus &origin) override {
		stpg_calls++;
		EXPECT_EQ(&origin, this);
		set.assign(d.data(), d.data() + d.size());
		return stpg_answer;
	}

	UnitAttentionQueue ua;
	TargetPortInfo port;
	AluaPortState state;
	bool groups_on = true;
	std::vector<std::pair<AluaGroupReport, std::vector<u16>>> groups;
	std::vector<AluaSetDescriptor> set;
	SenseReason stpg_answer = SenseReason::kNone;
	int stpg_calls = 0;
};

AluaPortState in_state(AluaState s) {
	AluaPortState a;
	a.has_group = true;
	a.group_id = 5;
	a.state = s;
	a.access_type = kAluaImplicit | kAluaExplicit;
	return a;
}

std::vector<u8> rtpg(u32 alloc, bool extended = false) {
	return cdb12(0xa3, u8(0x0a | (extended ? 0x20 : 0)), 0, alloc);
}
std::vector<u8> stpg(u32 len) { return cdb12(0xa4, 0x0a, 0, len); }
const std::vector<u8> kTur = {0, 0, 0, 0, 0, 0};
const std::vector<u8> kRead10 = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};
const std::vector<u8> kInq = {0x12, 0, 0, 0, 96, 0};
const std::vector<u8> kReportLuns = cdb12(0xa0, 0, 0, 64);
const std::vector<u8> kReqSense = {0x03, 0, 0, 0, 18, 0};
const std::vector<u8> kModeSense6 = {0x1a, 0, 0x3f, 0, 255, 0};
const std::vector<u8> kReadCap10 = {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0};
const std::vector<u8> kReadCap16 = cdb16(0x9e, 0x10, 0, 32);

size_t in_len(const std::vector<u8> &cdb) {
	switch (cdb[0]) {
	case 0x28:
		return 512;
	case 0x12:
		return 96;
	case 0x1a:
		return 255;
	case 0x03:
		return 18;
	default:
		return 64;
	}
}

Exec run(FakeLu &lu, AluaNexus &n, std::vector<u8> cdb, std::vector<u8> out = {}) {
	size_t len = in_len(cdb);
	return exec_on(lu, n, std::move(cdb), out.empty() ? len : 0, std::move(out));
}

TEST(AluaAdmission, ActiveOptimizedAndNoGroupAdmitEverything) {
	FakeLu lu;
	AluaNexus n;
	for (bool grouped : {false, true}) {
		n.state = grouped ? in_state(AluaState::kActiveOptimized) : AluaPortState();
		EXPECT_TRUE(run(lu, n, kTur).good());
		EXPECT_TRUE(run(lu, n, kRead10).good());
	}
}

TEST(AluaAdmission, StandbyRefusesMediaAndAllowsWhatSpc4Lists) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kStandby);
	for (auto &cdb : {kTur, kRead10}) {
		Exec e = run(lu, n, cdb);
		expect_sense(e, 0x02, 0x04, 0x0b);
	}
	for (auto &cdb : {kInq, kReportLuns, kReqSense, kModeSense6, kReadCap10, kReadCap16,
			  rtpg(64)})
		EXPECT_TRUE(run(lu, n, cdb).good()) << int(cdb[0]);
	Exec s = run(lu, n, stpg(0));
	EXPECT_TRUE(s.good()) << "STPG is admitted in standby";
	EXPECT_EQ(lu.reads, 0);
}

TEST(AluaAdmission, UnavailableAllowsOnlyIdentityAndAlua) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kUnavailable);
	for (auto &cdb : {kTur, kRead10, kModeSense6, kReadCap10}) {
		Exec e = run(lu, n, cdb);
		expect_sense(e, 0x02, 0x04, 0x0c);
	}
	for (auto &cdb : {kInq, kReportLuns, kReqSense, rtpg(64), stpg(0)})
		EXPECT_TRUE(run(lu, n, cdb).good()) << int(cdb[0]);
}

TEST(AluaAdmission, TransitioningRefusesStpgToo) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kTransitioning);
	for (auto &cdb : {kTur, kRead10, kModeSense6, stpg(0)}) {
		Exec e = run(lu, n, cdb);
		expect_sense(e, 0x02, 0x04, 0x0a);
	}
	for (auto &cdb : {kInq, kReportLuns, kReqSense, rtpg(64)})
		EXPECT_TRUE(run(lu, n, cdb).good()) << int(cdb[0]);
}

TEST(AluaAdmission, OfflinePortRefusesEverythingAsLio) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kActiveOptimized);
	n.state.offline = true;
	for (auto &cdb : {kTur, kInq, kRead10}) {
		Exec e = run(lu, n, cdb);
		expect_sense(e, 0x02, 0x04, 0x12);
	}
	n.state = in_state(AluaState::kOffline); // a group in the offline state
	Exec e = run(lu, n, kTur);
	expect_sense(e, 0x02, 0x04, 0x12);
	EXPECT_TRUE(run(lu, n, kInq).good());
}

TEST(AluaAdmission, UnitAttentionComesFirstThenTheState) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kStandby);
	n.ua.post(SenseReason::kAsymmetricAccessStateChanged);
	Exec e = run(lu, n, kTur);
	expect_sense(e, 0x06, 0x2a, 0x06);
	Exec e2 = run(lu, n, kTur);
	expect_sense(e2, 0x02, 0x04, 0x0b);
}

TEST(AluaAdmission, NonOptimizedDelaysMediaCommandsOnly) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kActiveNonOptimized);
	n.state.nonop_delay_ms = 60;
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_TRUE(run(lu, n, kRead10).good());
	auto media = std::chrono::steady_clock::now() - t0;
	EXPECT_GE(media, std::chrono::milliseconds(60));
	t0 = std::chrono::steady_clock::now();
	EXPECT_TRUE(run(lu, n, kTur).good());
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(60));
}

AluaGroupReport group(u16 id, AluaState s, u8 sup, bool pref, u8 status, u8 ports) {
	AluaGroupReport g;
	g.id = id;
	g.state = s;
	g.supported = sup;
	g.preferred = pref;
	g.status = status;
	g.port_count = ports;
	return g;
}

TEST(Rtpg, LengthOnlyFormatListsGroupsAndPorts) {
	FakeLu lu;
	AluaNexus n;
	n.groups.push_back({group(0, AluaState::kActiveOptimized, 0xcf, false, 0, 2), {1, 2}});
	n.groups.push_back({group(7, AluaState::kStandby, 0xcf, true, 1, 1), {3}});
	Exec e = run(lu, n, rtpg(256));
	ASSERT_TRUE(e.good());
	const size_t total = 4 + (8 + 2 * 4) + (8 + 4);
	EXPECT_EQ(e.cmd().data_in_length(), total);
	EXPECT_EQ(e.be(0, 4), total - 4) << "RETURN DATA LENGTH";
	EXPECT_EQ(e.at(4), 0x00);
	EXPECT_EQ(e.at(5), 0xcf);
	EXPECT_EQ(e.be(6, 2), 0u);
	EXPECT_EQ(e.at(9), 0) << "status";
	EXPECT_EQ(e.at(11), 2) << "port count";
	EXPECT_EQ(e.be(14, 2), 1u);
	EXPECT_EQ(e.be(18, 2), 2u);
	EXPECT_EQ(e.at(20), 0x80 | 0x02) << "PREF, standby";
	EXPECT_EQ(e.be(22, 2), 7u);
	EXPECT_EQ(e.at(25), 1) << "altered by STPG";
	EXPECT_EQ(e.at(27), 1);
	EXPECT_EQ(e.be(30, 2), 3u);
}

TEST(Rtpg, ExtendedHeaderCarriesFormatAndImplicitTransitionTime) {
	FakeLu lu;
	AluaNexus n;
	n.groups.push_back({group(3, AluaState::kUnavailable, 0x0f, false, 2, 1), {9}});
	Exec e = run(lu, n, rtpg(256, true));
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 8u + 12u);
	EXPECT_EQ(e.be(0, 4), 16u);
	EXPECT_EQ(e.at(4), 0x10) << "FORMAT TYPE 001b";
	EXPECT_EQ(e.at(5), 42) << "implicit transition time";
	EXPECT_EQ(e.at(8), 0x03);
	EXPECT_EQ(e.be(10, 2), 3u);
	EXPECT_EQ(e.be(18, 2), 9u);
}

TEST(Rtpg, ShortAllocationClipsButReportsTheFullLength) {
	FakeLu lu;
	AluaNexus n;
	n.groups.push_back({group(0, AluaState::kActiveOptimized, 0xcf, false, 0, 2), {1, 2}});
	Exec e = run(lu, n, rtpg(8));
	ASSERT_TRUE(e.good());
	EXPECT_EQ(e.cmd().data_in_length(), 8u);
	EXPECT_EQ(e.be(0, 4), 16u);
}

TEST(Rtpg, ReservedFormatAndNoAluaAreRefused) {
	FakeLu lu;
	AluaNexus n;
	Exec bad = run(lu, n, cdb12(0xa3, 0x4a, 0, 64)); // PARAMETER DATA FORMAT 010b
	expect_invalid_field(bad, 1, 6);
	n.groups_on = false;
	Exec none = run(lu, n, rtpg(64));
	expect_sense(none, 0x05, 0x20, 0x00);
	Exec nonexus(lu, rtpg(64), 64);
	expect_sense(nonexus, 0x05, 0x20, 0x00);
}

std::vector<u8> stpg_list(std::vector<std::array<u8, 4>> descs) {
	std::vector<u8> v(4, 0);
	for (auto &d : descs)
		v.insert(v.end(), d.begin(), d.end());
	return v;
}

TEST(Stpg, PassesTheDescriptorsToTheGroups) {
	FakeLu lu;
	AluaNexus n;
	n.state = in_state(AluaState::kActiveOptimized);
	std::vector<u8> list = stpg_list({{0x02, 0, 0, 5}, {0x0e, 0, 0x01, 0x02}});
	Exec e = run(lu, n, stpg(u32(list.size())), list);
	ASSERT_TRUE(e.good());
	ASSERT_EQ(n.set.size(), 2u);
	EXPECT_EQ(n.set[0].state, AluaState::kStandby);
	EXPECT_EQ(n.set[0].id, 5);
	EXPECT_EQ(n.set[1].state, AluaState::kOffline);
	EXPECT_EQ(n.set[1].id, 0x102);
}

TEST(Stpg, EmptyListIsGoodAndChangesNothing) {
	FakeLu lu;
	AluaNexus n;
	EXPECT_TRUE(run(lu, n, stpg(0)).good());
	std::vector<u8> hdr(4, 0);
	EXPECT_TRUE(run(lu, n, stpg(4), hdr).good());
	EXPECT_EQ(n.stpg_calls, 1) << "a header alone is an empty list";
	EXPECT_TRUE(n.set.empty());
}

TEST(Stpg, ParameterListErrors) {
	FakeLu lu;
	AluaNexus n;
	for (u32 len : {2u, 6u, 9u}) {
		std::vector<u8> list(len, 0);
		Exec e = run(lu, n, stpg(len), list);
		expect_sense(e, 0x05, 0x1a, 0x00);
	}
	// Reserved bits of a descriptor: INVALID FIELD IN PARAMETER LIST at the bit.
	std::vector<u8> l1 = stpg_list({{0x00, 0, 0, 1}, {0x12, 0, 0, 1}});
	Exec e1 = run(lu, n, stpg(u32(l1.size())), l1);
	expect_sense(e1, 0x05, 0x26, 0x00);
	EXPECT_EQ(e1.sense()[15], 0x80 | 0x08 | 4) << "SKSV, C/D = 0, BPV, bit 4";
	EXPECT_EQ((e1.sense()[16] << 8) | e1.sense()[17], 8);
	std::vector<u8> l2 = stpg_list({{0x00, 0x01, 0, 1}});
	Exec e2 = run(lu, n, stpg(u32(l2.size())), l2);
	expect_sense(e2, 0x05, 0x26, 0x00);
	EXPECT_EQ((e2.sense()[16] << 8) | e2.sense()[17], 5);
	// An access state SPC-4 does not define.
	std::vector<u8> l3 = stpg_list({{0x05, 0, 0, 1}});
	Exec e3 = run(lu, n, stpg(u32(l3.size())), l3);
	expect_sense(e3, 0x05, 0x26, 0x00);
	EXPECT_EQ((e3.sense()[16] << 8) | e3.sense()[17], 4);
	EXPECT_EQ(n.stpg_calls, 0);
}

TEST(Stpg, TheGroupsAnswerIsTheSense) {
	FakeLu lu;
	AluaNexus n;
	std::vector<u8> l = stpg_list({{0x01, 0, 0, 9}});
	n.stpg_answer = SenseReason::kInvalidFieldInParamList;
	Exec e = run(lu, n, stpg(u32(l.size())), l);
	expect_sense(e, 0x05, 0x26, 0x00);
	n.stpg_answer = SenseReason::kInvalidOpcode; // explicit ALUA disabled
	Exec e2 = run(lu, n, stpg(u32(l.size())), l);
	expect_sense(e2, 0x05, 0x20, 0x00);
	n.groups_on = false;
	Exec e3 = run(lu, n, stpg(u32(l.size())), l);
	expect_sense(e3, 0x05, 0x20, 0x00);
}

TEST(AluaInquiry, TpgsFollowsTheAccessTypeAndVpd83TheGroup) {
	FakeLu lu;
	AluaNexus n;
	n.port.relative_port_id = 3;
	n.port.target_name = str_view("iqn.2003-01.org.example:t");
	for (u8 type : {0, 1, 2, 3}) {
		n.state = in_state(AluaState::kActiveOptimized);
		n.state.access_type = type;
		Exec e = run(lu, n, kInq);
		ASSERT_TRUE(e.good());
		EXPECT_EQ(e.at(5), 0x88 | (type << 4)) << int(type); // SCCS, TPGS, 3PC
	}
	n.state.group_id = 0x1234;
	Exec v = exec_on(lu, n, {0x12, 1, 0x83, 1, 0, 0}, 256);
	ASSERT_TRUE(v.good());
	bool found = false;
	for (size_t off = 4; off + 8 <= v.cmd().data_in_length(); off += 4 + v.at(off + 3))
		if ((v.at(off + 1) & 0x3f) == 0x15) {
			found = true;
			EXPECT_EQ(v.be(off + 6, 2), 0x1234u);
		}
	EXPECT_TRUE(found) << "target port group designator";
	lu.attrs.alua_supported = false;
	Exec off = run(lu, n, kInq);
	EXPECT_EQ(off.at(5), 0x08); // 3PC alone
}

} // namespace
