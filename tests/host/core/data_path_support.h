// SPDX-License-Identifier: GPL-2.0
// tests/host/core/data_path_support.h: a test fabric and its commands for the host tests that
// drive the data path (core/session.cpp, core/device_lu.cpp) through a TPG, a LUN and a
// ramdisk: test_session.cpp, test_alua_groups.cpp.
#ifndef LIO_TESTS_HOST_CORE_DATA_PATH_SUPPORT_H
#define LIO_TESTS_HOST_CORE_DATA_PATH_SUPPORT_H

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "backstores/ramdisk/ramdisk.h"
#include "core/device_lu.h"
#include "core/fabric.h"
#include "core/session.h"

namespace lio_test {

using namespace lio;

class TestTpg final : public core::FabricTpg {};

class TestFabric final : public core::Fabric {
  public:
	const char *name() const override { return "testfab"; }
	core::ProtocolId protocol_id() const override { return proto; }
	core::ProtocolId proto = core::ProtocolId::kSas; // tests may switch it before a session
	const core::FabricAttrs &attrs() const override { return attrs_; }
	Result<OwnPtr<core::FabricWwn>> make_wwn(StrView) override {
		return Error::from_errno(KABI_EPERM);
	}
	Result<OwnPtr<core::FabricTpg>> make_tpg(core::FabricWwn &, u16) override {
		return Error::from_errno(KABI_EPERM);
	}
	Result<OwnPtr<core::FabricAcl>> make_acl(core::FabricTpg &, StrView) override {
		return OwnPtr<core::FabricAcl>();
	}
	bool default_generate_node_acls() const override { return true; }
	bool default_demo_mode_write_protect() const override { return false; }

  private:
	core::FabricAttrs attrs_;
};

// A command as a fabric would make one: a buffer split into two segments (so the engine
// sees real scatter-gather), and the response recorded.
class TestCmd final : public lio::core::FabricCmd {
  public:
	TestCmd(std::vector<uint8_t> cdb_bytes, core::DataDir d, size_t len, uint64_t lun_no = 0,
		uint64_t tag_no = 1)
	    : buf(len) {
		lun = lun_no;
		tag = tag_no;
		dir = d;
		expected_length = static_cast<u32>(len);
		cdb_length = static_cast<u8>(cdb_bytes.size());
		memcpy(cdb, cdb_bytes.data(), cdb_bytes.size());
		size_t half = len / 2;
		segs[0] = {buf.data(), half};
		segs[1] = {buf.data() + half, len - half};
		data = DataBuf(Span<const DataSegment>(segs, 2));
	}
	void queue_response() override { responded++; }
	void aborted() override { was_aborted++; }

	uint8_t sense_key() const { return sense_length > 2 ? (sense[2] & 0x0f) : 0xff; }
	uint8_t asc() const { return sense_length > 12 ? sense[12] : 0xff; }
	uint8_t ascq() const { return sense_length > 13 ? sense[13] : 0xff; }

	std::vector<uint8_t> buf;
	DataSegment segs[2];
	std::atomic<int> responded{0};
	std::atomic<int> was_aborted{0};
};

class TestTmf final : public lio::core::FabricTmf {
  public:
	void queue_response() override { responded++; }
	int responded = 0;
};

inline std::vector<uint8_t> rw10(uint8_t op, uint32_t lba, uint16_t blocks) {
	return {op, 0, uint8_t(lba >> 24), uint8_t(lba >> 16), uint8_t(lba >> 8), uint8_t(lba),
		0, uint8_t(blocks >> 8), uint8_t(blocks), 0};
}
inline const std::vector<uint8_t> kTur = {0, 0, 0, 0, 0, 0};

// A 64-page ramdisk configured and given its LU, as enabling it through configfs does.
inline void enable_ramdisk(backstores::RamdiskDevice &dev) {
	LockGuard guard(dev.lock());
	core::DeviceConfig &cfg = dev.config_locked();
	ASSERT_TRUE(dev.control_locked(str_view("rd_pages"), str_view("64")).is_ok());
	ASSERT_TRUE(dev.configure_locked(cfg).is_ok());
	cfg.attrib.block_size = cfg.attrib.hw_block_size;
	cfg.configured = true;
	dev.lu = MUST(core::DeviceLu::create_locked(dev, cfg)).leak_ref();
}

// The device's LU detached and dropped.
inline void drop_lu(backstores::RamdiskDevice &dev) {
	core::DeviceLu *lu = exchange(dev.lu, nullptr);
	lu->detach();
	lu->unref();
}

} // namespace lio_test

#endif // LIO_TESTS_HOST_CORE_DATA_PATH_SUPPORT_H
