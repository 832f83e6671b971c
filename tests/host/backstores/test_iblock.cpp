// SPDX-License-Identifier: GPL-2.0
// The iblock backstore (backstores/iblock) over the host's kabi/bdev.h (a regular file with
// queue limits set by the test): control parsing, attributes derived from the queue (discard
// only when the queue has it), data reaching the file as one call per command, FUA, flush,
// read-only devices, and block status mapped to sense.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backstores/iblock/iblock.h"
#include "core/device_lu.h"
#include "core/hba.h"
#include "core/scsi/sense.h"
#include "core/target_core.h"
#include "host_test_api.h"
#include "kabi/bdev.h"
#include "test_support.h"

namespace {

using lio::backstores::IblockDevice;
using lio::scsi::SenseReason;

struct TempFile {
	std::string path;
	explicit TempFile(size_t size) {
		char tmpl[] = "/tmp/lio-iblock-XXXXXX";
		int fd = mkstemp(tmpl);
		EXPECT_GE(fd, 0);
		EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
		close(fd);
		path = tmpl;
	}
	~TempFile() { unlink(path.c_str()); }
	std::vector<uint8_t> read(size_t off, size_t n) const {
		std::vector<uint8_t> v(n);
		int fd = open(path.c_str(), O_RDONLY);
		EXPECT_EQ(pread(fd, v.data(), n, static_cast<off_t>(off)), static_cast<ssize_t>(n));
		close(fd);
		return v;
	}
};

struct Rig {
	Rig() { kabi_host_bdev_reset(); }
	~Rig() { kabi_host_bdev_reset(); }
	static lio::OwnPtr<lio::core::TargetCore> make_core() {
		return MUST(lio::core::TargetCore::create());
	}
	lio::OwnPtr<lio::core::TargetCore> core = make_core();
	lio::core::Hba hba{*core, lio::backstores::g_iblock_backend, lio::str_view("iblock_0"), 0,
			   0, 1};

	lio::OwnPtr<IblockDevice> make() {
		return lio::make<IblockDevice>(lio::Gfp::Kernel, hba, lio::str_view("blk0"));
	}
	static lio::Result<void> control(IblockDevice &dev, const char *key, const std::string &v) {
		lio::LockGuard guard(dev.lock());
		return dev.control_locked(lio::str_view(key), lio::StrView(v.data(), v.size()));
	}
	static lio::Result<void> enable(IblockDevice &dev) {
		lio::LockGuard guard(dev.lock());
		return dev.configure_locked(dev.config_locked());
	}
	static std::string info(IblockDevice &dev) {
		char buf[512];
		lio::LockGuard guard(dev.lock());
		lio::s64 n = dev.show_params_locked(buf, sizeof(buf));
		return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
	}
	static lio::core::DeviceAttrib attrib(IblockDevice &dev) {
		lio::LockGuard guard(dev.lock());
		return dev.config_locked().attrib;
	}
	lio::OwnPtr<IblockDevice> enabled(const std::string &path, const char *readonly = "0") {
		auto dev = make();
		EXPECT_TRUE(control(*dev, "udev_path", path).is_ok());
		EXPECT_TRUE(control(*dev, "readonly", readonly).is_ok());
		EXPECT_TRUE(enable(*dev).is_ok());
		return dev;
	}
};

int err(const lio::Result<void> &r) { return r.is_error() ? r.error().errno_value() : 0; }
SenseReason sense(const lio::Result<void> &r) {
	return r.is_error() ? lio::scsi::reason_of(r.error()) : SenseReason::kNone;
}

TEST(Iblock, BadControlIsEinval) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make();
	EXPECT_EQ(err(Rig::control(*dev, "bogus", "1")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "readonly", "2")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "readonly", "x")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "udev_path", "")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "udev_path", "dev/ram0")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "udev_path", "/" + std::string(600, 'a'))), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "force", "1")), 0);
	EXPECT_EQ(err(Rig::enable(*dev)), KABI_EINVAL); // no udev_path yet
	EXPECT_EQ(Rig::info(*dev), "  readonly: 0\n        Major: 0 Minor: 0\n");
	EXPECT_EQ(err(Rig::control(*dev, "udev_path", "/nonexistent/lio-iblock")), 0);
	EXPECT_EQ(err(Rig::enable(*dev)), KABI_ENOENT);
	EXPECT_EQ(dev->size_bytes(), 0u);
}

TEST(Iblock, AttributesFromTheQueueWithoutDiscard) {
	LeakCheck leaks;
	TempFile f(1 << 20);
	Rig rig;
	auto dev = rig.enabled(f.path);
	lio::core::DeviceAttrib a = Rig::attrib(*dev);
	EXPECT_EQ(a.hw_block_size, 512u);
	EXPECT_EQ(a.hw_max_sectors, 255u);
	EXPECT_EQ(a.hw_queue_depth, 128u);
	EXPECT_EQ(a.max_write_same_len, 0xffffu);
	EXPECT_EQ(a.max_unmap_lba_count, 0u);
	EXPECT_EQ(a.max_unmap_block_desc_count, 0u);
	EXPECT_EQ(a.is_nonrot, 0u);
	EXPECT_EQ(dev->size_bytes(), 1u << 20);
	EXPECT_EQ(dev->device_write_cache(), 0);
	EXPECT_FALSE(dev->read_only());
	EXPECT_EQ(err(Rig::control(*dev, "readonly", "1")), KABI_EBUSY);
	std::string info = Rig::info(*dev);
	EXPECT_EQ(info.rfind("iBlock device: hostblk", 0), 0u) << info;
	EXPECT_NE(info.find("  UDEV PATH: " + f.path + "  readonly: 0\n        Major: 7 Minor: 0  "
			    "CLAIMED: IBLOCK\n"),
		  std::string::npos)
	    << info;
	// No discard: UNMAP reaches nothing and says so.
	EXPECT_EQ(sense(dev->unmap(0, 4096)), SenseReason::kInvalidOpcode);
}

TEST(Iblock, AttributesFromTheQueueWithDiscard4k) {
	LeakCheck leaks;
	TempFile f(1 << 20);
	Rig rig;
	kabi_bdev_info i{};
	i.logical_block_size = 4096;
	i.max_hw_sectors = 2048;
	i.nr_requests = 64;
	i.max_discard_sectors = 8192;
	i.discard_granularity = 65536;
	i.discard_alignment = 8192;
	i.max_write_zeroes_sectors = 1024;
	i.nonrot = true;
	i.write_cache = true;
	kabi_host_bdev_set_info(i);
	auto dev = rig.enabled(f.path);
	lio::core::DeviceAttrib a = Rig::attrib(*dev);
	EXPECT_EQ(a.hw_block_size, 4096u);
	EXPECT_EQ(a.hw_max_sectors, 256u); // logical blocks
	EXPECT_EQ(a.hw_queue_depth, 64u);
	EXPECT_EQ(a.max_write_same_len, 128u);
	EXPECT_EQ(a.max_unmap_lba_count, 1024u);
	EXPECT_EQ(a.max_unmap_block_desc_count, 1u);
	EXPECT_EQ(a.unmap_granularity, 16u);
	EXPECT_EQ(a.unmap_granularity_alignment, 2u);
	EXPECT_EQ(a.is_nonrot, 1u);
	EXPECT_EQ(dev->device_write_cache(), 1);
	// The engine sees the device's cache as WCE.
	lio::LockGuard guard(dev->lock());
	lio::RefPtr<lio::core::LuSnapshot> s =
	    lio::core::LuSnapshot::capture_locked(*dev, dev->config_locked());
	ASSERT_TRUE(s);
	EXPECT_TRUE(s->attributes.emulate_write_cache);
	EXPECT_FALSE(s->read_only);
}

TEST(Iblock, DataReachesTheDeviceInOneCallPerCommand) {
	LeakCheck leaks;
	TempFile f(1 << 20);
	Rig rig;
	auto dev = rig.enabled(f.path);
	std::vector<uint8_t> a(4096, 0xa5), b(512, 0x5a), c(3584, 0x33);
	lio::DataSegment segs[] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
	lio::DataBuf buf(lio::Span<const lio::DataSegment>(segs, 3));
	ASSERT_EQ(err(dev->write(8192, buf, true)), 0);
	HostBdevCounts n = kabi_host_bdev_counts();
	EXPECT_EQ(n.writes, 1u);
	EXPECT_EQ(n.fua_writes, 1u);
	EXPECT_EQ(n.segments, 3u);
	std::vector<uint8_t> on_disk = f.read(8192, 8192);
	EXPECT_EQ(std::memcmp(on_disk.data(), a.data(), 4096), 0);
	EXPECT_EQ(std::memcmp(on_disk.data() + 4096, b.data(), 512), 0);
	EXPECT_EQ(std::memcmp(on_disk.data() + 4608, c.data(), 3584), 0);
	std::vector<uint8_t> back(8192);
	ASSERT_EQ(err(dev->read(8192, lio::DataBuf(lio::MutableBytes(back.data(), back.size())))), 0);
	EXPECT_EQ(back, on_disk);
	ASSERT_EQ(err(dev->write_zeroes(8192, 4096)), 0);
	EXPECT_EQ(f.read(8192, 4096), std::vector<uint8_t>(4096, 0));
	ASSERT_EQ(err(dev->flush()), 0);
	EXPECT_EQ(kabi_host_bdev_counts().flushes, 1u);
	// Outside the device: EINVAL before any I/O.
	EXPECT_EQ(err(dev->read((1 << 20) - 512, lio::DataBuf(lio::MutableBytes(back.data(), 1024)))),
		  KABI_EINVAL);
	EXPECT_EQ(kabi_host_bdev_counts().reads, 1u);
}

TEST(Iblock, ReadOnlyClaimMakesAReadOnlyLu) {
	LeakCheck leaks;
	TempFile f(1 << 20);
	Rig rig;
	auto dev = rig.enabled(f.path, "1");
	EXPECT_TRUE(dev->read_only());
	EXPECT_NE(Rig::info(*dev).find("readonly: 1\n"), std::string::npos);
	lio::LockGuard guard(dev->lock());
	lio::RefPtr<lio::core::LuSnapshot> s =
	    lio::core::LuSnapshot::capture_locked(*dev, dev->config_locked());
	ASSERT_TRUE(s);
	EXPECT_TRUE(s->read_only);
}

TEST(Iblock, BlockStatusBecomesSense) {
	LeakCheck leaks;
	TempFile f(1 << 20);
	Rig rig;
	auto dev = rig.enabled(f.path);
	std::vector<uint8_t> d(4096);
	lio::DataBuf buf(lio::MutableBytes(d.data(), d.size()));
	struct Case {
		int32_t err;
		bool write;
		SenseReason want;
	} cases[] = {
	    {KABI_ENODATA, false, SenseReason::kUnrecoveredReadError},
	    {KABI_ENODATA, true, SenseReason::kWriteError},
	    {KABI_EIO, false, SenseReason::kUnrecoveredReadError},
	    {KABI_EIO, true, SenseReason::kWriteError},
	    {KABI_ENOLINK, false, SenseReason::kLunCommunicationFailure},
	    {KABI_ENODEV, true, SenseReason::kLunCommunicationFailure},
	    {KABI_ETIMEDOUT, false, SenseReason::kLunCommunicationFailure},
	    {KABI_EOPNOTSUPP, true, SenseReason::kInvalidOpcode},
	    {KABI_ENOSPC, true, SenseReason::kSpaceAllocationFailedWriteProtect},
	    {KABI_EILSEQ, false, SenseReason::kLogicalBlockGuardCheckFailed},
	    {KABI_EAGAIN, false, SenseReason::kInsufficientResources},
	};
	kabi_host_log_set_echo(false);
	kabi_host_log_clear();
	for (const Case &c : cases) {
		kabi_host_bdev_fail_nth(1, c.err);
		lio::Result<void> r = c.write ? dev->write(0, buf, false) : dev->read(0, buf);
		EXPECT_EQ(sense(r), c.want) << "errno " << c.err << (c.write ? " write" : " read");
	}
	kabi_host_bdev_fail_nth(1, KABI_EIO);
	EXPECT_EQ(sense(dev->flush()), SenseReason::kWriteError);
	// Each failure logged one line.
	EXPECT_EQ(kabi_host_log_take().size(), sizeof(cases) / sizeof(cases[0]) + 1);
	kabi_host_log_set_echo(true);
}

} // namespace
