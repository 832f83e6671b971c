// SPDX-License-Identifier: GPL-2.0
// execute() with a passthrough LU (pscsi): what stays in the target (REPORT LUNS, unit
// attentions, a write-protected nexus) and what reaches the device as it is (every other CDB,
// the device's status, sense, data and residual, the reason a device that is gone fails with).
#include <gtest/gtest.h>

#include <vector>

#include "scsi_test_support.h"

namespace lio::scsi::test {
namespace {

// A device answering whatever it is given: records the CDBs, answers with `status`, `sense`,
// `data` (data-in) and keeps the last data-out; `gone` makes it unreachable.
class PassthroughLu final : public LogicalUnit {
  public:
	~PassthroughLu() = default;
	u32 block_size() const override { return 512; }
	u64 num_blocks() const override { return 0; }
	LuIdentity identity() const override { return LuIdentity(); }
	LuAttributes attributes() const override { return LuAttributes(); }
	bool read_only() const override { return ro; }
	Result<void> read(u64, u32, const DataBuf &) override { return bad(); }
	Result<void> write(u64, u32, const DataBuf &, bool) override { return bad(); }
	Result<void> flush(u64, u64) override { return bad(); }
	Result<void> unmap(u64, u64) override { return bad(); }
	Result<void> write_zeroes(u64, u64) override { return bad(); }
	LuState &state() override { return state_; }
	void post_unit_attention_others(const ItlNexus *, SenseReason) override {}

	bool is_passthrough() const override { return true; }
	SenseReason pass_through(Command &cmd) override {
		Cdb c = cmd.cdb();
		cdbs.push_back(std::vector<u8>(c.bytes().data(), c.bytes().data() + c.bytes().size()));
		if (gone)
			return SenseReason::kLunCommunicationFailure;
		DataBuf out = cmd.data_out();
		last_out.assign(out.size(), 0);
		out.copy_to(0, MutableBytes(last_out.data(), last_out.size()));
		DataBuf in = cmd.data_in();
		usize n = std::min(in.size(), data.size());
		in.copy_from(0, Bytes(data.data(), n));
		Residual r = n < in.size() ? Residual::kUnderflow : Residual::kNone;
		cmd.complete_passthrough(status, Bytes(sense.data(), sense.size()), n, r, in.size() - n);
		return SenseReason::kNone;
	}

	bool ro = false;
	bool gone = false;
	ScsiStatus status = ScsiStatus::kGood;
	std::vector<u8> sense;
	std::vector<u8> data;
	std::vector<u8> last_out;
	std::vector<std::vector<u8>> cdbs;

  private:
	Result<void> bad() {
		ADD_FAILURE() << "block I/O reached a passthrough LU";
		return Error::from_errno(KABI_EIO);
	}
	LuState state_;
};

TEST(Passthrough, CdbsTheEngineDoesNotKnowReachTheDevice) {
	PassthroughLu lu;
	lu.data = {1, 2, 3, 4};
	// LOG SENSE: not emulated; a vendor opcode; INQUIRY: the device's, not ours.
	Exec log(lu, {0x4d, 0, 0, 0, 0, 0, 0, 0, 64, 0}, 64);
	EXPECT_TRUE(log.good());
	EXPECT_EQ(log.data(), (std::vector<u8>{1, 2, 3, 4}));
	EXPECT_EQ(log.cmd().residual(), Residual::kUnderflow);
	EXPECT_EQ(log.cmd().residual_count(), 60u);
	Exec vendor(lu, {0xc5, 1, 2, 3, 4, 5}, 0);
	EXPECT_TRUE(vendor.good());
	Exec inq(lu, cdb6(0x12, 0, 0, 0, 36), 36);
	EXPECT_TRUE(inq.good());
	ASSERT_EQ(lu.cdbs.size(), 3u);
	EXPECT_EQ(lu.cdbs[1], (std::vector<u8>{0xc5, 1, 2, 3, 4, 5}));
	EXPECT_EQ(lu.cdbs[2][0], 0x12);
}

TEST(Passthrough, SenseAndStatusAsTheDeviceGaveThem) {
	PassthroughLu lu;
	lu.status = ScsiStatus::kCheckCondition;
	// Descriptor format, vendor-ish: the engine would have built fixed format.
	lu.sense = {0x72, 0x05, 0x21, 0x00, 0, 0, 0, 0};
	Exec e(lu, cdb10(0x28, 0, 0x7fffffff, 0, 1), 512);
	EXPECT_EQ(e.cmd().status(), ScsiStatus::kCheckCondition);
	EXPECT_EQ(e.sense(), lu.sense);
	lu.status = ScsiStatus::kBusy;
	lu.sense.clear();
	Exec b(lu, cdb6(0x00, 0, 0, 0, 0), 0);
	EXPECT_EQ(b.cmd().status(), ScsiStatus::kBusy);
	EXPECT_TRUE(b.sense().empty());
	// Data-out reaches the device.
	Exec w(lu, cdb10(0x2a, 0, 8, 0, 1), 0, std::vector<u8>(512, 0x5a));
	EXPECT_EQ(lu.last_out, std::vector<u8>(512, 0x5a));
}

TEST(Passthrough, ReportLunsAndUnitAttentionsStayInTheTarget) {
	PassthroughLu lu;
	FakeNexus n(1);
	FakeLuns luns;
	luns.luns = {0, 3};
	n.ua.post(SenseReason::kPowerOnResetOccurred);
	// INQUIRY passes the unit attention and goes to the device.
	Exec inq(lu, cdb6(0x12, 0, 0, 0, 36), 36, {}, nullptr, false, &n);
	EXPECT_TRUE(inq.good());
	ASSERT_EQ(lu.cdbs.size(), 1u);
	// REPORT LUNS is the target's (its LUN map), never the device's.
	Exec rl(lu, {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, 256, {}, &luns, false, &n);
	EXPECT_TRUE(rl.good());
	EXPECT_EQ(rl.be(0, 4), 16u);
	EXPECT_EQ(rl.at(8 + 8 + 1), 3);
	EXPECT_EQ(lu.cdbs.size(), 1u);
	// Anything else gets the unit attention first, without reaching the device.
	Exec tur(lu, cdb6(0x00, 0, 0, 0, 0), 0, {}, nullptr, false, &n);
	expect_sense(tur, 0x06, 0x29, 0x00);
	EXPECT_EQ(lu.cdbs.size(), 1u);
	Exec again(lu, cdb6(0x00, 0, 0, 0, 0), 0, {}, nullptr, false, &n);
	EXPECT_TRUE(again.good());
	EXPECT_EQ(lu.cdbs.size(), 2u);
}

TEST(Passthrough, WriteProtectedNexusRefusesKnownWrites) {
	PassthroughLu lu;
	lu.ro = true;
	Exec w(lu, cdb10(0x2a, 0, 0, 0, 1), 0, std::vector<u8>(512));
	expect_sense(w, 0x07, 0x27, 0x00);
	Exec r(lu, cdb10(0x28, 0, 0, 0, 1), 512);
	EXPECT_TRUE(r.good());
	EXPECT_EQ(lu.cdbs.size(), 1u);
}

TEST(Passthrough, ADeviceThatIsGoneFailsWithItsReason) {
	PassthroughLu lu;
	lu.gone = true;
	Exec e(lu, cdb10(0x28, 0, 0, 0, 1), 512);
	expect_sense(e, 0x04, 0x08, 0x00);
}

} // namespace
} // namespace lio::scsi::test

// ---- persistent reservations ----
namespace lio::scsi::test {
namespace {

// PR IN/OUT reach a passthrough device as they are (pgr_support=0: the device arbitrates
// reservations) and leave the target's PR state alone.
TEST(PassthroughPr, PersistentReserveGoesToTheDevice) {
	PassthroughLu lu;
	FakeNexus n(1);
	n.initiator = "iqn.x:a";
	std::vector<u8> out(24, 0);
	out[15] = 0xaa;
	Exec e(lu, {0x5f, 0x00, 0, 0, 0, 0, 0, 0, 24, 0}, 0, out, nullptr, false, &n);
	EXPECT_TRUE(e.good());
	ASSERT_EQ(lu.cdbs.size(), 1u);
	EXPECT_EQ(lu.cdbs[0][0], 0x5f);
	EXPECT_EQ(lu.last_out, out);
	Exec i(lu, {0x5e, 0x00, 0, 0, 0, 0, 0, 0, 64, 0}, 64, {}, nullptr, false, &n);
	EXPECT_TRUE(i.good());
	EXPECT_EQ(lu.cdbs.size(), 2u);
	LockGuard g(lu.state().pr().mutex());
	EXPECT_EQ(lu.state().pr().count(), 0u);
}

} // namespace
} // namespace lio::scsi::test
