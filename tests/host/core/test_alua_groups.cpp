// SPDX-License-Identifier: GPL-2.0
// ALUA target port groups on the data path (core/alua_tg_pt_group.cpp with core/session.cpp,
// core/device_lu.cpp and the engine): one ramdisk exported through two TPGs (two relative
// target ports), a LUN moved to a second group, implicit and explicit transitions, what each
// state admits, the unit attentions they post, REPORT TARGET PORT GROUPS' real contents.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "backstores/ramdisk/ramdisk.h"
#include "core/alua_tg_pt_group.h"
#include "core/device_lu.h"
#include "core/hba.h"
#include "core/lun.h"
#include "core/session.h"
#include "core/target_core.h"
#include "core/tpg.h"
#include "core/data_path_support.h"
#include "test_support.h"

namespace {

using namespace lio;
using core::FabricCmd;
using core::FabricTmf;
using scsi::AluaState;
using scsi::ScsiStatus;
using lio_test::kTur;
using lio_test::rw10;
using lio_test::TestCmd;
using lio_test::TestFabric;
using lio_test::TestTmf;
using lio_test::TestTpg;

struct AluaPath : ::testing::Test {
	static OwnPtr<core::TargetCore> make_core() { return MUST(core::TargetCore::create()); }

	void SetUp() override {
		dev = make<backstores::RamdiskDevice>(Gfp::Kernel, hba, str_view("rd0"));
		ASSERT_NO_FATAL_FAILURE(lio_test::enable_ramdisk(*dev));
		groups = make<core::TgPtGroupSet>(Gfp::Kernel, *dev);
		dev->alua_groups = groups.get();
		for (int i = 0; i < 2; i++) {
			tpg[i] = MUST(core::Tpg::create(fabric, str_view(i ? "naa.5001405abcdef013"
								   : "naa.5001405abcdef012"),
							1, make<TestTpg>(Gfp::Kernel)));
			ASSERT_TRUE(tpg[i]->set_rtpi(static_cast<u16>(i + 1)).is_ok());
			lun[i] = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg[i], 0));
			ASSERT_TRUE(tpg[i]->add_lun(*lun[i]).is_ok());
			ASSERT_TRUE(lun[i]->link(*dev).is_ok());
			sess[i] = MUST(tpg[i]->open_session(str_view("naa.500140500000000a"), str_view("")));
			clear_ua(i);
		}
		second = make<core::TgPtGroup>(Gfp::Kernel, *groups, str_view("second"));
		ASSERT_TRUE(groups->set_id(*second, 7).is_ok());
		ASSERT_TRUE(groups->move(*lun[1], str_view("second")).is_ok());
		// The move is announced as INQUIRY DATA HAS CHANGED on that LUN's nexus only.
		TestCmd c(kTur, core::DataDir::kNone, 0);
		run(1, c);
		EXPECT_EQ(c.asc(), 0x3f);
		EXPECT_EQ(c.ascq(), 0x03);
		TestCmd c0(kTur, core::DataDir::kNone, 0);
		run(0, c0);
		EXPECT_EQ(c0.status, ScsiStatus::kGood);
	}

	void TearDown() override {
		for (int i = 0; i < 2; i++) {
			sess[i]->close();
			lun[i]->unlink();
			tpg[i]->remove_lun(*lun[i]);
			lun[i] = nullptr;
			tpg[i]->shutdown();
			tpg[i] = nullptr;
		}
		groups->retire(*second);
		second = nullptr;
		dev->alua_groups = nullptr;
		groups = nullptr;
		lio_test::drop_lu(*dev);
		dev = nullptr;
	}

	void run(int port, TestCmd &c) {
		sess[port]->submit(c);
		EXPECT_EQ(c.responded + c.was_aborted, 1);
		sess[port]->release(c);
	}
	void clear_ua(int port) {
		TestCmd c(kTur, core::DataDir::kNone, 0);
		run(port, c);
	}
	// TEST UNIT READY's sense as key/asc/ascq (0 = GOOD).
	u32 tur(int port) {
		TestCmd c(kTur, core::DataDir::kNone, 0);
		run(port, c);
		if (c.status == ScsiStatus::kGood)
			return 0;
		return (u32(c.sense_key()) << 16) | (u32(c.asc()) << 8) | c.ascq();
	}
	// The first answer that is not a unit attention.
	u32 tur_past_ua(int port) {
		u32 s = tur(port);
		for (int i = 0; i < 8 && (s >> 16) == 0x06u; i++)
			s = tur(port);
		return s;
	}
	std::vector<uint8_t> rtpg(int port, bool extended = false) {
		TestCmd c({0xa3, uint8_t(0x0a | (extended ? 0x20 : 0)), 0, 0, 0, 0, 0, 0, 1, 0, 0, 0},
			  core::DataDir::kFromDevice, 256);
		run(port, c);
		EXPECT_EQ(c.status, ScsiStatus::kGood);
		return std::vector<uint8_t>(c.buf.begin(), c.buf.begin() + c.data_length);
	}
	TestCmd *stpg(int port, std::vector<std::array<uint8_t, 4>> descs) {
		std::vector<uint8_t> list(4, 0);
		for (auto &d : descs)
			list.insert(list.end(), d.begin(), d.end());
		auto *c = new TestCmd({0xa4, 0x0a, 0, 0, 0, 0, 0, 0, 0, uint8_t(list.size()), 0, 0},
				      core::DataDir::kToDevice, list.size());
		memcpy(c->buf.data(), list.data(), list.size());
		run(port, *c);
		return c;
	}

	LeakCheck leaks;
	TestFabric fabric;
	OwnPtr<core::TargetCore> core = make_core();
	core::Hba hba{*core, backstores::g_ramdisk_backend, str_view("rd_mcp_0"), 0, 0, 1};
	OwnPtr<backstores::RamdiskDevice> dev;
	OwnPtr<core::TgPtGroupSet> groups;
	OwnPtr<core::TgPtGroup> second;
	RefPtr<core::Tpg> tpg[2];
	RefPtr<core::Lun> lun[2];
	core::SessionPort *sess[2] = {};
};

constexpr u32 kStandby = 0x02040b, kUnavailable = 0x02040c, kTransition = 0x02040a;
constexpr u32 kStateChanged = 0x062a06, kOffline = 0x020412;

TEST_F(AluaPath, RtpgListsBothGroupsWithTheirPorts) {
	std::vector<uint8_t> d = rtpg(0);
	ASSERT_EQ(d.size(), 4u + 12u + 12u);
	EXPECT_EQ((d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]), 24);
	EXPECT_EQ(d[4], 0x00);
	EXPECT_EQ(d[5], core::TgPtGroup::kDefaultSupported);
	EXPECT_EQ((d[6] << 8) | d[7], 0);
	EXPECT_EQ(d[11], 1);
	EXPECT_EQ((d[14] << 8) | d[15], 1) << "port 1 in default_tg_pt_gp";
	EXPECT_EQ((d[18] << 8) | d[19], 7);
	EXPECT_EQ((d[26] << 8) | d[27], 2) << "port 2 in group 7";
	// An empty group is not reported (LIO).
	ASSERT_TRUE(groups->move(*lun[1], str_view("default_tg_pt_gp")).is_ok());
	clear_ua(1);
	d = rtpg(0);
	ASSERT_EQ(d.size(), 4u + 8u + 8u);
	EXPECT_EQ(d[11], 2);
	// The extended header shows the implicit transition time of the nexus's own group.
	ASSERT_TRUE(groups->move(*lun[1], str_view("second")).is_ok());
	clear_ua(1);
	{
		LockGuard guard(groups->lock());
		second->implicit_trans_secs = 9;
	}
	d = rtpg(1, true);
	EXPECT_EQ(d[4], 0x10);
	EXPECT_EQ(d[5], 9);
}

TEST_F(AluaPath, ImplicitStandbyRefusesThatPortOnlyAndPostsStateChanged) {
	ASSERT_TRUE(groups->transition(*second, AluaState::kStandby, false, nullptr).is_ok());
	EXPECT_EQ(tur(1), kStateChanged) << "every nexus of the group's LUNs";
	EXPECT_EQ(tur(1), kStandby);
	EXPECT_EQ(tur(0), 0u) << "the other port's group did not change";
	TestCmd rd(rw10(0x28, 0, 1), core::DataDir::kFromDevice, 512);
	run(1, rd);
	EXPECT_EQ(rd.asc(), 0x04);
	EXPECT_EQ(rd.ascq(), 0x0b);
	TestCmd rd0(rw10(0x28, 0, 1), core::DataDir::kFromDevice, 512);
	run(0, rd0);
	EXPECT_EQ(rd0.status, ScsiStatus::kGood);
	ASSERT_TRUE(groups->transition(*second, AluaState::kUnavailable, false, nullptr).is_ok());
	EXPECT_EQ(tur(1), kStateChanged);
	EXPECT_EQ(tur(1), kUnavailable);
	std::vector<uint8_t> d = rtpg(1);
	EXPECT_EQ(d[16], 0x03) << "RTPG is admitted and reports unavailable";
	EXPECT_EQ(d[21], 2) << "altered by implicit ALUA";
}

TEST_F(AluaPath, ExplicitStpgFromOnePortChangesTheOtherGroup) {
	std::unique_ptr<TestCmd> c(stpg(0, {{0x02, 0, 0, 7}}));
	ASSERT_EQ(c->status, ScsiStatus::kGood);
	EXPECT_EQ(tur(1), kStateChanged);
	EXPECT_EQ(tur(1), kStandby);
	std::vector<uint8_t> d = rtpg(1);
	EXPECT_EQ(d[16], 0x02);
	EXPECT_EQ(d[21], 1) << "altered by STPG";
	// The sender's own group: no unit attention for the sender.
	std::unique_ptr<TestCmd> c2(stpg(0, {{0x01, 0, 0, 0}}));
	ASSERT_EQ(c2->status, ScsiStatus::kGood);
	EXPECT_EQ(tur(0), 0u) << "no UA on the nexus that sent the STPG";
	d = rtpg(0);
	EXPECT_EQ(d[4], 0x01);
	// STPG from the standby port itself is admitted and brings it back.
	std::unique_ptr<TestCmd> c3(stpg(1, {{0x00, 0, 0, 7}}));
	ASSERT_EQ(c3->status, ScsiStatus::kGood);
	EXPECT_EQ(tur(1), 0u);
}

TEST_F(AluaPath, StpgErrorsChangeNothing) {
	// Unknown group, and a known one in the same list: nothing changes.
	std::unique_ptr<TestCmd> c(stpg(0, {{0x02, 0, 0, 7}, {0x02, 0, 0, 99}}));
	EXPECT_EQ(c->status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(c->asc(), 0x26);
	EXPECT_EQ(tur(1), 0u);
	// TRANSITIONING cannot be asked for; an unsupported state neither.
	std::unique_ptr<TestCmd> t(stpg(0, {{0x0f, 0, 0, 7}}));
	EXPECT_EQ(t->asc(), 0x26);
	{
		LockGuard guard(groups->lock());
		groups->default_group().supported &= ~scsi::kAluaSupS;
	}
	std::unique_ptr<TestCmd> s(stpg(0, {{0x02, 0, 0, 7}}));
	EXPECT_EQ(s->asc(), 0x26) << "the sender's group's supported states decide (LIO)";
	// Explicit ALUA disabled on the sender's group: INVALID COMMAND OPERATION CODE.
	{
		LockGuard guard(groups->lock());
		groups->default_group().access_type = scsi::kAluaImplicit;
		groups->publish_locked(groups->default_group());
	}
	std::unique_ptr<TestCmd> e(stpg(0, {{0x01, 0, 0, 7}}));
	EXPECT_EQ(e->sense_key(), 0x05);
	EXPECT_EQ(e->asc(), 0x20);
	// INQUIRY's TPGS follows: implicit only (SCCS 0x80, 3PC 0x08 beside it).
	TestCmd inq({0x12, 0, 0, 0, 96, 0}, core::DataDir::kFromDevice, 96);
	run(0, inq);
	EXPECT_EQ(inq.buf[5], 0x88 | 0x10);
	TestCmd inq1({0x12, 0, 0, 0, 96, 0}, core::DataDir::kFromDevice, 96);
	run(1, inq1);
	EXPECT_EQ(inq1.buf[5], 0x88 | 0x30);
}

TEST_F(AluaPath, StpgOfflineTakesThePortOffline) {
	std::unique_ptr<TestCmd> c(stpg(0, {{0x0e, 0, 0, 2}}));
	ASSERT_EQ(c->status, ScsiStatus::kGood);
	EXPECT_EQ(tur(1), kOffline);
	EXPECT_EQ(lun[1]->alua_status.load(), 1u);
	EXPECT_EQ(tur(0), 0u);
	std::unique_ptr<TestCmd> bad(stpg(0, {{0x0e, 0, 0, 9}}));
	EXPECT_EQ(bad->asc(), 0x26) << "no such relative port";
	ASSERT_TRUE(groups->set_offline(*lun[1], false, false).is_ok());
	EXPECT_EQ(tur(1), 0u);
}

TEST_F(AluaPath, TransitionDelayReportsTransitioningAndRmdirCutsItShort) {
	{
		LockGuard guard(groups->lock());
		second->trans_delay_ms = 30000;
	}
	std::atomic<bool> done{false};
	std::thread writer([&] {
		EXPECT_TRUE(groups->transition(*second, AluaState::kStandby, false, nullptr).is_ok());
		done = true;
	});
	while (((lun[1]->alua_port.load() >> 17) & 0xf) != 0xf && !done)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	EXPECT_EQ(tur(1), kStateChanged);
	EXPECT_EQ(tur(1), kTransition);
	std::vector<uint8_t> d = rtpg(1);
	EXPECT_EQ(d[16], 0x0f) << "RTPG reports transitioning";
	EXPECT_FALSE(done);
	auto t0 = std::chrono::steady_clock::now();
	groups->retire(*second); // rmdir: does not wait out the 30 s
	writer.join();
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
	EXPECT_EQ(lun[1]->alua_group, &groups->default_group());
	EXPECT_EQ(tur(1) >> 16, 0x06u) << "moved: a unit attention";
	EXPECT_EQ(tur_past_ua(1), 0u);
	second = make<core::TgPtGroup>(Gfp::Kernel, *groups, str_view("second")); // for TearDown
}

TEST_F(AluaPath, NewLunObjectAtTheSameNumberIsANewNexus) {
	// Relinking the same device through a new LUN 0 gives that LUN's group to the nexus.
	lun[1]->unlink();
	tpg[1]->remove_lun(*lun[1]);
	lun[1] = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg[1], 0));
	ASSERT_TRUE(tpg[1]->add_lun(*lun[1]).is_ok());
	ASSERT_TRUE(lun[1]->link(*dev).is_ok());
	ASSERT_TRUE(groups->transition(*second, AluaState::kStandby, false, nullptr).is_ok());
	EXPECT_EQ(tur(1) >> 16, 0x06u); // the new nexus's POWER ON (or REPORTED LUNS changed)
	EXPECT_EQ(tur_past_ua(1), 0u) << "the new LUN is in default_tg_pt_gp";
}

} // namespace
