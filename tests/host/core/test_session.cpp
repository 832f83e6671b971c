// SPDX-License-Identifier: GPL-2.0
// The data path (core/session.cpp, core/device_lu.cpp): a test fabric's commands through a
// TPG, a LUN and a ramdisk, with unit attentions, unmapped LUNs, task attributes, task
// management and LUN removal while commands are in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include "backstores/ramdisk/ramdisk.h"
#include "core/device_lu.h"
#include "core/hba.h"
#include "core/lun.h"
#include "core/session.h"
#include "core/target_core.h"
#include "core/tpg.h"
#include "host_test_api.h"
#include "core/data_path_support.h"
#include "test_support.h"

namespace {

using namespace lio;
using core::FabricCmd;
using core::FabricTmf;
using scsi::ScsiStatus;
using lio_test::kTur;
using lio_test::rw10;
using lio_test::TestCmd;
using lio_test::TestFabric;
using lio_test::TestTmf;
using lio_test::TestTpg;

std::vector<uint8_t> inquiry(uint8_t alloc) { return {0x12, 0, 0, 0, alloc, 0}; }
std::vector<uint8_t> report_luns(uint32_t alloc) {
	return {0xa0, 0, 0, 0, 0, 0, uint8_t(alloc >> 24), uint8_t(alloc >> 16),
		uint8_t(alloc >> 8), uint8_t(alloc), 0, 0};
}

struct DataPath : ::testing::Test {
	static OwnPtr<core::TargetCore> make_core() { return MUST(core::TargetCore::create()); }

	void SetUp() override {
		dev = make<backstores::RamdiskDevice>(Gfp::Kernel, hba, str_view("rd0"));
		ASSERT_NO_FATAL_FAILURE(lio_test::enable_ramdisk(*dev));
		tpg = MUST(core::Tpg::create(fabric, str_view("naa.5001405abcdef012"), 1,
					     make<TestTpg>(Gfp::Kernel)));
		lun0 = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg, 0));
		ASSERT_TRUE(tpg->add_lun(*lun0).is_ok());
		ASSERT_TRUE(lun0->link(*dev).is_ok());
		session = MUST(tpg->open_session(str_view("naa.500140500000000a"), str_view("")));
	}

	void TearDown() override {
		if (session)
			session->close();
		lun0->unlink();
		tpg->remove_lun(*lun0);
		lun0 = nullptr;
		tpg->shutdown();
		tpg = nullptr;
		lio_test::drop_lu(*dev);
		dev = nullptr;
	}

	// Runs one command to its response and releases it.
	void run(TestCmd &c) {
		session->submit(c);
		EXPECT_EQ(c.responded + c.was_aborted, 1);
		session->release(c);
	}
	// Submits c on another session and releases it (no check of the answer here).
	static void submit_on(core::SessionPort *s, TestCmd &c) {
		s->submit(c);
		s->release(c);
	}
	// Consumes the POWER ON, RESET condition a new I_T_L nexus starts with.
	void clear_ua(uint64_t lun = 0) {
		TestCmd c(kTur, core::DataDir::kNone, 0, lun);
		run(c);
	}

	LeakCheck leaks;
	TestFabric fabric;
	OwnPtr<core::TargetCore> core = make_core();
	core::Hba hba{*core, backstores::g_ramdisk_backend, str_view("rd_mcp_0"), 0, 0, 1};
	OwnPtr<backstores::RamdiskDevice> dev;
	RefPtr<core::Tpg> tpg;
	RefPtr<core::Lun> lun0;
	core::SessionPort *session = nullptr;
};

TEST_F(DataPath, FirstCommandSeesPowerOnResetThenGood) {
	TestCmd c1(kTur, core::DataDir::kNone, 0);
	run(c1);
	EXPECT_EQ(c1.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(c1.sense_key(), 0x6);
	EXPECT_EQ(c1.asc(), 0x29);
	TestCmd c2(kTur, core::DataDir::kNone, 0);
	run(c2);
	EXPECT_EQ(c2.status, ScsiStatus::kGood);
}

TEST_F(DataPath, WriteThenReadBackAcrossSegments) {
	clear_ua();
	TestCmd w(rw10(0x2a, 3, 4), core::DataDir::kToDevice, 4 * 512);
	for (size_t i = 0; i < w.buf.size(); i++)
		w.buf[i] = uint8_t(i * 13 + 1);
	run(w);
	ASSERT_EQ(w.status, ScsiStatus::kGood);
	TestCmd r(rw10(0x28, 3, 4), core::DataDir::kFromDevice, 4 * 512);
	run(r);
	ASSERT_EQ(r.status, ScsiStatus::kGood);
	EXPECT_EQ(r.data_length, 4u * 512);
	EXPECT_EQ(r.buf, w.buf);
	EXPECT_EQ(lun0->in_cmds(), 3u);
	EXPECT_EQ(lun0->written_bytes(), 4u * 512);
	EXPECT_EQ(lun0->read_bytes(), 4u * 512);
	// The device's own counters (statistics/scsi_lu) see the same.
	EXPECT_EQ(dev->lu->stat_cmds.load(), 3u);
	EXPECT_EQ(dev->lu->stat_written_bytes.load(), 4u * 512);
	EXPECT_EQ(dev->lu->stat_read_bytes.load(), 4u * 512);
}

TEST_F(DataPath, ReadPastTheEndIsLbaOutOfRange) {
	clear_ua();
	// 64 pages of 4 KiB = 512 blocks of 512 bytes.
	TestCmd r(rw10(0x28, 511, 2), core::DataDir::kFromDevice, 2 * 512);
	run(r);
	EXPECT_EQ(r.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(r.sense_key(), 0x5);
	EXPECT_EQ(r.asc(), 0x21);
}

// rd_mcp keeps LIO's max_write_same_len 0, which VPD 0xB0 reports as "no limit": WRITE
// SAME of any length within the medium runs on it (the engine reads 0 as no limit too).
TEST_F(DataPath, RamdiskWriteSameHasNoLengthLimit) {
	clear_ua();
	{
		LockGuard guard(dev->lock());
		ASSERT_EQ(dev->config_locked().attrib.max_write_same_len, 0u);
	}
	TestCmd vpd({0x12, 1, 0xb0, 0, 64, 0}, core::DataDir::kFromDevice, 64);
	run(vpd);
	ASSERT_EQ(vpd.status, ScsiStatus::kGood);
	for (size_t i = 36; i < 44; i++)
		EXPECT_EQ(vpd.buf[i], 0) << "MAXIMUM WRITE SAME LENGTH";
	TestCmd ws(rw10(0x41, 100, 300), core::DataDir::kToDevice, 512);
	for (size_t i = 0; i < ws.buf.size(); i++)
		ws.buf[i] = uint8_t(i * 5 + 3);
	run(ws);
	ASSERT_EQ(ws.status, ScsiStatus::kGood);
	TestCmd r(rw10(0x28, 100, 300), core::DataDir::kFromDevice, 300 * 512);
	run(r);
	ASSERT_EQ(r.status, ScsiStatus::kGood);
	for (size_t b = 0; b < 300; b++)
		ASSERT_TRUE(std::equal(ws.buf.begin(), ws.buf.end(), r.buf.begin() + b * 512)) << b;
}

// WRITE ATOMIC(16) on a real backstore, through the session.
TEST_F(DataPath, RamdiskWriteAtomic16) {
	clear_ua();
	std::vector<uint8_t> cdb = {0x9c, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0};
	TestCmd w(cdb, core::DataDir::kToDevice, 4 * 512);
	for (size_t i = 0; i < w.buf.size(); i++)
		w.buf[i] = uint8_t(i * 11 + 2);
	run(w);
	ASSERT_EQ(w.status, ScsiStatus::kGood);
	TestCmd r(rw10(0x28, 7, 4), core::DataDir::kFromDevice, 4 * 512);
	run(r);
	ASSERT_EQ(r.status, ScsiStatus::kGood);
	EXPECT_EQ(r.buf, w.buf);
}

TEST_F(DataPath, UnmappedLunInquiryHasQualifier3AndOtherCommandsFail) {
	TestCmd inq(inquiry(36), core::DataDir::kFromDevice, 36, 5);
	run(inq);
	EXPECT_EQ(inq.status, ScsiStatus::kGood);
	EXPECT_EQ(inq.buf[0], 0x7f);
	TestCmd tur(kTur, core::DataDir::kNone, 0, 5);
	run(tur);
	EXPECT_EQ(tur.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(tur.sense_key(), 0x5);
	EXPECT_EQ(tur.asc(), 0x25);
	TestCmd rl(report_luns(64), core::DataDir::kFromDevice, 64, 5);
	run(rl);
	EXPECT_EQ(rl.status, ScsiStatus::kGood);
	EXPECT_EQ(rl.buf[3], 8); // one LUN (0)
}

TEST_F(DataPath, ReportLunsListsTheLunsAndNewLunsRaiseReportedLunsChanged) {
	clear_ua();
	RefPtr<core::Lun> lun7 = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg, 7));
	ASSERT_TRUE(tpg->add_lun(*lun7).is_ok());
	ASSERT_TRUE(lun7->link(*dev).is_ok());
	tpg->luns_changed();
	TestCmd tur(kTur, core::DataDir::kNone, 0);
	run(tur);
	EXPECT_EQ(tur.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(tur.asc(), 0x3f);
	EXPECT_EQ(tur.ascq(), 0x0e);
	TestCmd rl(report_luns(64), core::DataDir::kFromDevice, 64);
	run(rl);
	EXPECT_EQ(rl.status, ScsiStatus::kGood);
	EXPECT_EQ(rl.buf[3], 16); // LUNs 0 and 7
	EXPECT_EQ(rl.buf[8 + 8 + 1], 7);
	lun7->unlink();
	tpg->remove_lun(*lun7);
}

TEST_F(DataPath, AbortTaskOfAnUnknownTagSaysSo) {
	TestTmf t;
	t.function = core::TmfFunction::kAbortTask;
	t.ref_tag = 99;
	session->task_management(t);
	EXPECT_EQ(t.responded, 1);
	EXPECT_EQ(t.response, core::TmfResponse::kTaskDoesNotExist);
	EXPECT_EQ(dev->lu->stat_aborts_no_task.load(), 1u);
}

TEST_F(DataPath, LunResetPostsResetToOtherNexuses) {
	clear_ua();
	core::SessionPort *other = MUST(tpg->open_session(str_view("naa.500140500000000b"), str_view("")));
	{
		TestCmd c(kTur, core::DataDir::kNone, 0);
		other->submit(c);
		other->release(c); // consumes its POWER ON
	}
	TestTmf t;
	t.function = core::TmfFunction::kLunReset;
	session->task_management(t);
	EXPECT_EQ(t.response, core::TmfResponse::kFunctionComplete);
	EXPECT_EQ(dev->lu->stat_resets.load(), 1u);
	TestCmd mine(kTur, core::DataDir::kNone, 0);
	run(mine);
	EXPECT_EQ(mine.status, ScsiStatus::kGood);
	TestCmd theirs(kTur, core::DataDir::kNone, 0);
	submit_on(other, theirs);
	EXPECT_EQ(theirs.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(theirs.asc(), 0x29);
	other->close();
}

// TARGET WARM/COLD RESET (iSCSI's, RFC 7143 11.5.1): every LU of the issuing session's LUN
// map gets a LOGICAL UNIT RESET, once per LU however many LUN numbers it has: other nexuses
// see POWER ON, RESET, the issuer does not; SPC-2 reservations go.
TEST_F(DataPath, TargetResetResetsEveryLuOfTheLunMapOnce) {
	OwnPtr<backstores::RamdiskDevice> dev2 =
	    make<backstores::RamdiskDevice>(Gfp::Kernel, hba, str_view("rd1"));
	ASSERT_NO_FATAL_FAILURE(lio_test::enable_ramdisk(*dev2));
	RefPtr<core::Lun> lun1 = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg, 1));
	ASSERT_TRUE(tpg->add_lun(*lun1).is_ok());
	ASSERT_TRUE(lun1->link(*dev2).is_ok());
	RefPtr<core::Lun> lun2 = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg, 2));
	ASSERT_TRUE(tpg->add_lun(*lun2).is_ok());
	ASSERT_TRUE(lun2->link(*dev).is_ok()); // rd0 a second time
	core::SessionPort *other =
	    MUST(tpg->open_session(str_view("naa.500140500000000b"), str_view("")));
	for (uint64_t l : {0, 1, 2}) {
		for (int i = 0; i < 2; i++) { // POWER ON, then REPORTED LUNS DATA HAS CHANGED
			TestCmd a(kTur, core::DataDir::kNone, 0, l);
			run(a);
			TestCmd b(kTur, core::DataDir::kNone, 0, l);
			submit_on(other, b);
		}
	}
	TestCmd reserve({0x16, 0, 0, 0, 0, 0}, core::DataDir::kNone, 0, 1);
	submit_on(other, reserve);
	ASSERT_EQ(reserve.status, ScsiStatus::kGood);
	TestCmd blocked(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512, 1);
	run(blocked);
	ASSERT_EQ(blocked.status, ScsiStatus::kReservationConflict);

	TestTmf tr;
	tr.function = core::TmfFunction::kTargetReset;
	session->task_management(tr);
	EXPECT_EQ(tr.responded, 1);
	EXPECT_EQ(tr.response, core::TmfResponse::kFunctionComplete);
	EXPECT_EQ(dev->lu->stat_resets.load(), 1u) << "rd0 reset once for LUNs 0 and 2";
	EXPECT_EQ(dev2->lu->stat_resets.load(), 1u);
	for (uint64_t l : {0, 1}) {
		TestCmd mine(kTur, core::DataDir::kNone, 0, l);
		run(mine);
		EXPECT_EQ(mine.status, ScsiStatus::kGood) << "LUN " << l << ": no UA for the issuer";
		TestCmd theirs(kTur, core::DataDir::kNone, 0, l);
		submit_on(other, theirs);
		EXPECT_EQ(theirs.status, ScsiStatus::kCheckCondition) << "LUN " << l;
		EXPECT_EQ(theirs.sense_key(), 0x6);
		EXPECT_EQ(theirs.asc(), 0x29);
	}
	TestCmd w(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512, 1);
	run(w);
	EXPECT_EQ(w.status, ScsiStatus::kGood) << "the SPC-2 reservation went with the reset";
	other->close();
	for (RefPtr<core::Lun> *l : {&lun1, &lun2}) {
		(*l)->unlink();
		tpg->remove_lun(**l);
		*l = nullptr;
	}
	lio_test::drop_lu(*dev2);
}

TEST_F(DataPath, ReservationConflictForAnotherNexus) {
	clear_ua();
	core::SessionPort *other = MUST(tpg->open_session(str_view("naa.500140500000000c"), str_view("")));
	TestCmd reserve({0x16, 0, 0, 0, 0, 0}, core::DataDir::kNone, 0);
	run(reserve);
	ASSERT_EQ(reserve.status, ScsiStatus::kGood);
	TestCmd c1(kTur, core::DataDir::kNone, 0); // POWER ON first: UA precedes the conflict
	submit_on(other, c1);
	TestCmd w(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512);
	submit_on(other, w);
	EXPECT_EQ(w.status, ScsiStatus::kReservationConflict);
	// Closing the holder's nexus releases the reservation.
	session->close();
	session = nullptr;
	TestCmd w2(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512);
	submit_on(other, w2);
	EXPECT_EQ(w2.status, ScsiStatus::kGood);
	other->close();
}

TEST_F(DataPath, OrderedWaitsForEarlierSimpleAndLaterSimpleWaitsForOrdered) {
	clear_ua();
	core::DeviceLu &lu = *dev->lu;
	TestCmd s1(kTur, core::DataDir::kNone, 0, 0, 1);
	TestCmd o(kTur, core::DataDir::kNone, 0, 0, 2);
	o.task_attr = core::TaskAttr::kOrdered;
	TestCmd s2(kTur, core::DataDir::kNone, 0, 0, 3);
	s1.core = {};
	o.core = {};
	s2.core = {};
	ASSERT_TRUE(lu.task_begin(s1)); // s1 running
	std::atomic<int> order{0}, o_at{0}, s2_at{0};
	std::thread to([&] {
		EXPECT_TRUE(lu.task_begin(o));
		o_at = ++order;
		lu.task_end(o);
	});
	while (!lu.any_task([&](const FabricCmd &c) { return &c == &o; }))
		std::this_thread::yield();
	std::thread ts2([&] {
		EXPECT_TRUE(lu.task_begin(s2));
		s2_at = ++order;
		lu.task_end(s2);
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_EQ(order.load(), 0); // both wait for s1
	lu.task_end(s1);
	to.join();
	ts2.join();
	EXPECT_EQ(o_at.load(), 1);
	EXPECT_EQ(s2_at.load(), 2);
}

TEST_F(DataPath, AbortWakesACommandWaitingForAdmission) {
	core::DeviceLu &lu = *dev->lu;
	TestCmd s1(kTur, core::DataDir::kNone, 0, 0, 1);
	TestCmd o(kTur, core::DataDir::kNone, 0, 0, 2);
	o.task_attr = core::TaskAttr::kOrdered;
	s1.core = {};
	o.core = {};
	ASSERT_TRUE(lu.task_begin(s1));
	std::atomic<bool> admitted{true};
	std::thread to([&] {
		admitted = lu.task_begin(o);
		lu.task_end(o);
	});
	while (!lu.any_task([&](const FabricCmd &c) { return &c == &o; }))
		std::this_thread::yield();
	EXPECT_EQ(lu.abort_tasks([&](const FabricCmd &c) { return &c == &o; }), 1u);
	to.join();
	EXPECT_FALSE(admitted.load());
	lu.task_end(s1);
}

TEST_F(DataPath, LunUnlinkWaitsForInFlightCommandsThenRefusesNewOnes) {
	clear_ua();
	// A command that has been submitted but not released holds the LUN's get_io().
	TestCmd held(kTur, core::DataDir::kNone, 0);
	session->submit(held);
	ASSERT_EQ(held.responded, 1);
	std::atomic<bool> unlinked{false};
	std::thread t([&] {
		lun0->unlink();
		unlinked = true;
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_FALSE(unlinked.load());
	session->release(held);
	t.join();
	EXPECT_TRUE(unlinked.load());
	TestCmd after(kTur, core::DataDir::kNone, 0);
	run(after);
	EXPECT_EQ(after.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(after.asc(), 0x25);
	ASSERT_TRUE(lun0->link(*dev).is_ok());
}

TEST_F(DataPath, SessionCloseWaitsForRelease) {
	clear_ua();
	TestCmd held(kTur, core::DataDir::kNone, 0);
	session->submit(held);
	std::atomic<bool> closed{false};
	core::SessionPort *s = session;
	session = nullptr;
	std::thread t([&] {
		s->close();
		closed = true;
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_FALSE(closed.load());
	s->release(held);
	t.join();
	EXPECT_TRUE(closed.load());
}

} // namespace

namespace {

// An initiator with a node ACL sees only its mapped LUNs, under their own numbers, and a
// write-protected mapping refuses writes with DATA PROTECT / WRITE PROTECTED.
TEST_F(DataPath, AclMappedLunNumbersAndWriteProtect) {
	using namespace lio;
	RefPtr<core::NodeAcl> acl = RefPtr<core::NodeAcl>::adopt(new (Gfp::Kernel) core::NodeAcl(
	    *tpg, str_view("naa.50014050000000ac"), OwnPtr<core::FabricAcl>(), 1));
	ASSERT_TRUE(tpg->add_acl(*acl).is_ok());
	core::MappedLun mapped(*acl, 3);
	ASSERT_TRUE(acl->add_mapped(mapped).is_ok());
	ASSERT_TRUE(acl->map(mapped, lun0, true).is_ok());
	core::SessionPort *s = MUST(tpg->open_session(str_view("naa.50014050000000ac"), str_view("")));
	auto run_on = [&](TestCmd &c) {
		submit_on(s, c);
	};
	TestCmd ua(kTur, core::DataDir::kNone, 0, 3);
	run_on(ua); // POWER ON
	TestCmd r(rw10(0x28, 0, 1), core::DataDir::kFromDevice, 512, 3);
	run_on(r);
	EXPECT_EQ(r.status, ScsiStatus::kGood);
	TestCmd w(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512, 3);
	run_on(w);
	EXPECT_EQ(w.status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(w.sense_key(), 0x7);
	EXPECT_EQ(w.asc(), 0x27);
	TestCmd l0(kTur, core::DataDir::kNone, 0, 0); // LUN 0 is not mapped for this initiator
	run_on(l0);
	EXPECT_EQ(l0.asc(), 0x25);
	TestCmd rl(report_luns(64), core::DataDir::kFromDevice, 64, 3);
	run_on(rl);
	EXPECT_EQ(rl.buf[3], 8);
	EXPECT_EQ(rl.buf[9], 3);
	// Lifting the protection takes effect on the next command.
	acl->set_write_protect(mapped, false);
	TestCmd w2(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512, 3);
	run_on(w2);
	EXPECT_EQ(w2.status, ScsiStatus::kGood) << int(w2.asc());
	s->close();
	acl->unmap(mapped);
	acl->remove_mapped(mapped);
	tpg->remove_acl(*acl);
}

} // namespace

// ---- copy offload ----
namespace {

std::vector<uint8_t> xcopy_plist(const std::vector<uint8_t> &naa_src,
				 const std::vector<uint8_t> &naa_dst, uint16_t blocks,
				 uint64_t src_lba, uint64_t dst_lba) {
	std::vector<uint8_t> p(16 + 64 + 28, 0);
	p[0] = 1;       // LIST IDENTIFIER
	p[3] = 64;      // two CSCD descriptors
	p[11] = 28;     // one segment descriptor
	for (int i = 0; i < 2; i++) {
		uint8_t *d = &p[16 + 32 * i];
		d[0] = 0xe4;
		d[4] = 0x01;
		d[5] = 0x03;
		d[7] = 16;
		memcpy(d + 8, (i ? naa_dst : naa_src).data(), 16);
		d[30] = 0x02; // DISK BLOCK LENGTH 512
	}
	uint8_t *s = &p[80];
	s[0] = 0x02;
	s[3] = 0x18;
	s[7] = 1; // destination: CSCD 1
	s[10] = uint8_t(blocks >> 8);
	s[11] = uint8_t(blocks);
	for (int i = 0; i < 8; i++) {
		s[12 + i] = uint8_t(src_lba >> (56 - 8 * i));
		s[20 + i] = uint8_t(dst_lba >> (56 - 8 * i));
	}
	return p;
}

std::vector<uint8_t> xcopy_cdb(uint32_t plen) {
	return {0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(plen >> 24), uint8_t(plen >> 16),
		uint8_t(plen >> 8), uint8_t(plen), 0, 0};
}

// An EXTENDED COPY names copy targets by designator: only the LUs of the issuing nexus's own
// LUN map can be reached (LIO's CVE-2020-28374 was the absence of this rule). A device
// exported on the same TPG but not mapped to an ACL's initiator is COPY TARGET DEVICE NOT
// REACHABLE for it, while the demo-mode nexus that sees it copies; a write-protected
// mapping is DATA PROTECT.
TEST_F(DataPath, ExtendedCopyReachesOnlyTheNexusLunMap) {
	using namespace lio;
	auto set_serial = [](backstores::RamdiskDevice &d, const char *serial) {
		LockGuard guard(d.lock());
		core::DeviceConfig &cfg = d.config_locked();
		(void)str_copy(Span<char>(cfg.wwn.unit_serial, sizeof(cfg.wwn.unit_serial)),
			       str_view(serial));
		if (d.lu)
			d.lu->refresh_locked(d, cfg);
	};
	set_serial(*dev, "5001405a-0000-4000-8000-00000000000a");
	OwnPtr<backstores::RamdiskDevice> dev2 =
	    make<backstores::RamdiskDevice>(Gfp::Kernel, hba, str_view("rd1"));
	set_serial(*dev2, "5001405b-0000-4000-8000-00000000000b");
	ASSERT_NO_FATAL_FAILURE(lio_test::enable_ramdisk(*dev2));
	RefPtr<core::Lun> lun1 = RefPtr<core::Lun>::adopt(new (Gfp::Kernel) core::Lun(*tpg, 1));
	ASSERT_TRUE(tpg->add_lun(*lun1).is_ok());
	ASSERT_TRUE(lun1->link(*dev2).is_ok());
	clear_ua(0);
	clear_ua(1);
	clear_ua(0); // REPORTED LUNS DATA HAS CHANGED from the new LUN
	auto naa = [&](uint64_t lun) {
		TestCmd c({0x12, 0x01, 0x83, 0, 255, 0}, core::DataDir::kFromDevice, 255, lun);
		run(c);
		EXPECT_EQ(c.status, ScsiStatus::kGood);
		EXPECT_EQ(c.buf[5], 0x03);
		return std::vector<uint8_t>(c.buf.begin() + 8, c.buf.begin() + 24);
	};
	std::vector<uint8_t> naa0 = naa(0), naa1 = naa(1);
	ASSERT_NE(naa0, naa1);
	TestCmd w(rw10(0x2a, 0, 8), core::DataDir::kToDevice, 8 * 512, 0);
	for (size_t i = 0; i < w.buf.size(); i++)
		w.buf[i] = uint8_t(i * 7 + 3);
	run(w);
	ASSERT_EQ(w.status, ScsiStatus::kGood);
	auto read1 = [&](uint32_t lba) {
		TestCmd r(rw10(0x28, lba, 8), core::DataDir::kFromDevice, 8 * 512, 1);
		run(r);
		EXPECT_EQ(r.status, ScsiStatus::kGood);
		return r.buf;
	};
	auto xcopy = [&](core::SessionPort *s, uint64_t lun, uint64_t dst_lba) {
		std::vector<uint8_t> p = xcopy_plist(naa0, naa1, 8, 0, dst_lba);
		auto c = std::make_unique<TestCmd>(xcopy_cdb(uint32_t(p.size())),
						   core::DataDir::kToDevice, p.size(), lun);
		c->buf = p;
		s->submit(*c);
		EXPECT_EQ(c->responded, 1);
		s->release(*c);
		return c;
	};

	// The demo-mode nexus sees both LUs: the copy goes through, sent to either LUN.
	auto good = xcopy(session, 0, 16);
	EXPECT_EQ(good->status, ScsiStatus::kGood) << int(good->sense_key()) << "/"
						  << int(good->asc());
	EXPECT_EQ(read1(16), w.buf);
	auto good1 = xcopy(session, 1, 24);
	EXPECT_EQ(good1->status, ScsiStatus::kGood);
	EXPECT_EQ(read1(24), w.buf);

	// An initiator whose ACL maps only LUN 0: rd1 is on the TPG but not for it.
	RefPtr<core::NodeAcl> acl = RefPtr<core::NodeAcl>::adopt(new (Gfp::Kernel) core::NodeAcl(
	    *tpg, str_view("naa.50014050000000c1"), OwnPtr<core::FabricAcl>(), 1));
	ASSERT_TRUE(tpg->add_acl(*acl).is_ok());
	core::MappedLun m0(*acl, 0);
	ASSERT_TRUE(acl->add_mapped(m0).is_ok());
	ASSERT_TRUE(acl->map(m0, lun0, false).is_ok());
	core::SessionPort *s2 = MUST(tpg->open_session(str_view("naa.50014050000000c1"),
							str_view("")));
	TestCmd ua(kTur, core::DataDir::kNone, 0, 0);
	submit_on(s2, ua);
	auto refused = xcopy(s2, 0, 32);
	EXPECT_EQ(refused->status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(refused->sense_key(), 0x0a) << "COPY ABORTED";
	EXPECT_EQ(refused->asc(), 0x0d);
	EXPECT_EQ(refused->ascq(), 0x02) << "COPY TARGET DEVICE NOT REACHABLE";
	EXPECT_EQ(read1(32), std::vector<uint8_t>(8 * 512, 0)) << "nothing written";

	// Mapped to it write-protected: reachable, but DATA PROTECT.
	core::MappedLun m1(*acl, 1);
	ASSERT_TRUE(acl->add_mapped(m1).is_ok());
	ASSERT_TRUE(acl->map(m1, lun1, true).is_ok());
	TestCmd ua2(kTur, core::DataDir::kNone, 0, 0); // REPORTED LUNS DATA HAS CHANGED
	submit_on(s2, ua2);
	auto ro = xcopy(s2, 0, 32);
	EXPECT_EQ(ro->status, ScsiStatus::kCheckCondition);
	EXPECT_EQ(ro->sense_key(), 0x07);
	EXPECT_EQ(ro->asc(), 0x27);
	EXPECT_EQ(read1(32), std::vector<uint8_t>(8 * 512, 0));
	acl->set_write_protect(m1, false);
	auto rw = xcopy(s2, 0, 32);
	EXPECT_EQ(rw->status, ScsiStatus::kGood);
	EXPECT_EQ(read1(32), w.buf);

	s2->close();
	acl->unmap(m1);
	acl->remove_mapped(m1);
	acl->unmap(m0);
	acl->remove_mapped(m0);
	tpg->remove_acl(*acl);
	// The copy targets were released: the LUN unlinks without waiting.
	lun1->unlink();
	tpg->remove_lun(*lun1);
	lun1 = nullptr;
	lio_test::drop_lu(*dev2);
}

} // namespace

// ---- persistent reservations ----
namespace {

std::vector<uint8_t> pr_out(uint8_t sa, uint8_t type) { return {0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0}; }
std::vector<uint8_t> pr_in(uint8_t sa) { return {0x5e, sa, 0, 0, 0, 0, 0, 0, 255, 0}; }
void fill_params(TestCmd &c, uint64_t key, uint64_t sa_key, uint8_t flags) {
	std::vector<uint8_t> p(24, 0);
	for (int i = 0; i < 8; i++) {
		p[i] = uint8_t(key >> (56 - 8 * i));
		p[8 + i] = uint8_t(sa_key >> (56 - 8 * i));
	}
	p[20] = flags;
	c.data.copy_from(0, Bytes(p.data(), p.size()));
}

// Registrations belong to I_T nexuses (the session's initiator port and the LUN's relative
// port), outlive the session that made them, and with APTPL are stored in dbroot/pr, which is
// created when missing.
TEST_F(DataPath, PersistentReservationOutlivesItsSessionAndIsStoredWithAptpl) {
	char tmpl[] = "/tmp/lio-pr-dbroot-XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	std::string root = tmpl;
	ASSERT_TRUE(core->set_dbroot(StrView(root.data(), root.size())).is_ok());
	clear_ua();
	TestCmd reg(pr_out(0x00, 0), core::DataDir::kToDevice, 24);
	fill_params(reg, 0, 0xa1, 0x01); // APTPL
	run(reg);
	ASSERT_EQ(reg.status, ScsiStatus::kGood);
	TestCmd res(pr_out(0x01, 1), core::DataDir::kToDevice, 24);
	fill_params(res, 0xa1, 0, 0);
	run(res);
	ASSERT_EQ(res.status, ScsiStatus::kGood);
	// The metadata file, in LIO's record format, with the SAS initiator and the target port.
	std::string file = root + "/pr/aptpl_";
	FILE *f = fopen(file.c_str(), "r");
	ASSERT_NE(f, nullptr) << file;
	char text[2048] = {};
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	std::string meta(text, n);
	EXPECT_NE(meta.find("initiator_fabric=testfab\ninitiator_node=naa.500140500000000a\n"
			    "sa_res_key=161\nres_holder=1\nres_type=01\n"),
		  std::string::npos)
	    << meta;
	EXPECT_NE(meta.find("target_node=naa.5001405abcdef012\ntpgt=1\n"), std::string::npos) << meta;
	EXPECT_EQ(meta.find("initiator_sid"), std::string::npos) << "no ISID outside iSCSI";

	core::SessionPort *other =
	    MUST(tpg->open_session(str_view("naa.500140500000000c"), str_view("")));
	TestCmd ua(kTur, core::DataDir::kNone, 0);
	submit_on(other, ua);
	TestCmd w(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512);
	submit_on(other, w);
	EXPECT_EQ(w.status, ScsiStatus::kReservationConflict);
	// The holder's session goes: the reservation stays (SPC-4: nexus loss changes nothing).
	session->close();
	session = nullptr;
	TestCmd w2(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512);
	submit_on(other, w2);
	EXPECT_EQ(w2.status, ScsiStatus::kReservationConflict);
	TestCmd keys(pr_in(0x00), core::DataDir::kFromDevice, 255);
	submit_on(other, keys);
	ASSERT_EQ(keys.status, ScsiStatus::kGood);
	EXPECT_EQ(keys.buf[7], 8) << "one key";
	EXPECT_EQ(keys.buf[15], 0xa1);
	// The same initiator port logs in again: it is the same I_T nexus, the holder.
	session = MUST(tpg->open_session(str_view("naa.500140500000000a"), str_view("")));
	clear_ua();
	TestCmd w3(rw10(0x2a, 0, 1), core::DataDir::kToDevice, 512);
	run(w3);
	EXPECT_EQ(w3.status, ScsiStatus::kGood);
	other->close();
	unlink(file.c_str());
	rmdir((root + "/pr").c_str());
	rmdir(root.c_str());
}

// iSCSI: the ISID (the session id the iSCSI fabric passes) is part of the initiator port, so
// two sessions of one initiator name are two I_T nexuses; enforce_pr_isids=0 makes them one.
TEST_F(DataPath, PersistentReservationIscsiIsidIsPartOfTheNexus) {
	fabric.proto = core::ProtocolId::kIscsi;
	session->close();
	session = MUST(tpg->open_session(str_view("iqn.2024-01.x:a"), str_view("23d000000001")));
	clear_ua();
	TestCmd reg(pr_out(0x00, 0), core::DataDir::kToDevice, 24);
	fill_params(reg, 0, 0xa1, 0);
	run(reg);
	ASSERT_EQ(reg.status, ScsiStatus::kGood);
	TestCmd res(pr_out(0x01, 3), core::DataDir::kToDevice, 24); // Exclusive Access
	fill_params(res, 0xa1, 0, 0);
	run(res);
	ASSERT_EQ(res.status, ScsiStatus::kGood);
	core::SessionPort *other =
	    MUST(tpg->open_session(str_view("iqn.2024-01.x:a"), str_view("23d000000002")));
	auto status_of = [&](std::vector<uint8_t> cdb) {
		TestCmd c(cdb, core::DataDir::kFromDevice, 512);
		submit_on(other, c);
		return c.status;
	};
	EXPECT_EQ(status_of(kTur), ScsiStatus::kCheckCondition) << "POWER ON first";
	EXPECT_EQ(status_of(rw10(0x28, 0, 1)), ScsiStatus::kReservationConflict)
	    << "another ISID: another I_T nexus";
	{
		LockGuard guard(dev->lock());
		dev->config_locked().attrib.enforce_pr_isids = 0;
		dev->lu->refresh_locked(*dev, dev->config_locked());
	}
	EXPECT_EQ(status_of(rw10(0x28, 0, 1)), ScsiStatus::kGood) << "enforce_pr_isids=0";
	other->close();
}

// pr/res_holder names the SPC-2 holder by the initiator and fabric of its I_T nexus.
TEST_F(DataPath, Spc2HolderIsDescribedForConfigfs) {
	clear_ua();
	TestCmd reserve({0x16, 0, 0, 0, 0, 0}, core::DataDir::kNone, 0);
	run(reserve);
	ASSERT_EQ(reserve.status, ScsiStatus::kGood);
	u64 holder = dev->lu->state().reservation_holder();
	ASSERT_NE(holder, 0u);
	char name[64] = {}, fab[16] = {};
	dev->lu->describe_nexus(holder, Span<char>(name, sizeof(name)), Span<char>(fab, sizeof(fab)));
	EXPECT_STREQ(name, "naa.500140500000000a");
	EXPECT_STREQ(fab, "testfab");
	char none[8] = "x", nf[8] = "y";
	dev->lu->describe_nexus(holder + 1000, Span<char>(none, sizeof(none)),
				Span<char>(nf, sizeof(nf)));
	EXPECT_STREQ(none, "x") << "unknown nexus: left alone";
}

// A dbroot that is gone (LIO fails the PR command there): the metadata is not stored, one
// line says so, and the command succeeds.
TEST_F(DataPath, PersistentReservationWithoutDbrootStillSucceeds) {
	char tmpl[] = "/tmp/lio-pr-gone-XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	std::string root = tmpl;
	ASSERT_TRUE(core->set_dbroot(StrView(root.data(), root.size())).is_ok());
	ASSERT_EQ(rmdir(root.c_str()), 0);
	clear_ua();
	kabi_host_log_clear();
	TestCmd reg(pr_out(0x00, 0), core::DataDir::kToDevice, 24);
	fill_params(reg, 0, 0xa1, 0x01); // APTPL
	run(reg);
	EXPECT_EQ(reg.status, ScsiStatus::kGood);
	std::vector<std::string> lines = kabi_host_log_take();
	int errs = 0;
	for (auto &l : lines)
		errs += l.find("APTPL metadata: cannot create") != std::string::npos;
	EXPECT_EQ(errs, 1);
	TestCmd keys(pr_in(0x00), core::DataDir::kFromDevice, 255);
	run(keys);
	EXPECT_EQ(keys.buf[15], 0xa1) << "registered";
}

} // namespace
