// SPDX-License-Identifier: GPL-2.0
// Protection information storage of the ramdisk and fileio backstores (core/device.h's PI
// block): setup formats new tuples with the escape (0xff), tuples round-trip across the
// ramdisk's PI pages, bounds and state errors, pi_prot_format, and fileio's
// "<file>.protection" side file (LIO's layout, kept across release and setup).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "backstores/fileio/fileio.h"
#include "backstores/ramdisk/ramdisk.h"
#include "core/hba.h"
#include "core/target_core.h"
#include "test_support.h"

namespace {

using lio::Bytes;
using lio::MutableBytes;

std::vector<uint8_t> tuples(size_t n, uint8_t seed) {
	std::vector<uint8_t> v(n * 8);
	for (size_t i = 0; i < v.size(); i++)
		v[i] = static_cast<uint8_t>(seed + i * 13);
	return v;
}

bool all_ff(const std::vector<uint8_t> &v) {
	for (uint8_t b : v)
		if (b != 0xff)
			return false;
	return true;
}

struct RdRig {
	static lio::OwnPtr<lio::core::TargetCore> make_core() {
		return MUST(lio::core::TargetCore::create());
	}
	lio::OwnPtr<lio::core::TargetCore> core = make_core();
	lio::core::Hba hba{*core, lio::backstores::g_ramdisk_backend, lio::str_view("rd_mcp_0"), 0,
			   0, 1};
	lio::OwnPtr<lio::backstores::RamdiskDevice> make(const char *pages, bool nullio = false) {
		auto dev = lio::make<lio::backstores::RamdiskDevice>(lio::Gfp::Kernel, hba,
								     lio::str_view("rd0"));
		lio::LockGuard guard(dev->lock());
		EXPECT_TRUE(dev->control_locked(lio::str_view("rd_pages"), lio::str_view(pages)).is_ok());
		if (nullio) {
			EXPECT_TRUE(
			    dev->control_locked(lio::str_view("rd_nullio"), lio::str_view("1")).is_ok());
		}
		EXPECT_TRUE(dev->configure_locked(dev->config_locked()).is_ok());
		return dev;
	}
};

TEST(BackstorePi, RamdiskSetupFormatsAndRoundTrips) {
	LeakCheck leaks;
	RdRig rig;
	auto dev = rig.make("130"); // 130 * 4096 / 512 = 1040 tuples = 8320 bytes: 3 PI pages
	EXPECT_TRUE(dev->pi_supported());
	std::vector<uint8_t> got(16);
	// Before setup: no storage.
	EXPECT_EQ(dev->read_pi(0, MutableBytes(got.data(), got.size())).error().errno_value(),
		  KABI_ENODEV);
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
	}
	EXPECT_EQ(dev->pi_pages_allocated(), 3u);
	std::vector<uint8_t> all(1040 * 8);
	ASSERT_TRUE(dev->read_pi(0, MutableBytes(all.data(), all.size())).is_ok());
	EXPECT_TRUE(all_ff(all));
	// Across the first PI page boundary (tuple 512 starts page 1).
	auto t = tuples(4, 3);
	ASSERT_TRUE(dev->write_pi(510, Bytes(t.data(), t.size()), false).is_ok());
	std::vector<uint8_t> back(t.size());
	ASSERT_TRUE(dev->read_pi(510, MutableBytes(back.data(), back.size())).is_ok());
	EXPECT_EQ(back, t);
	// Last tuple in range, one past it not; partial tuples refused.
	EXPECT_TRUE(dev->write_pi(1039, Bytes(t.data(), 8), false).is_ok());
	EXPECT_EQ(dev->write_pi(1040, Bytes(t.data(), 8), false).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->write_pi(1039, Bytes(t.data(), 16), false).error().errno_value(), KABI_EINVAL);
	EXPECT_EQ(dev->read_pi(0, MutableBytes(back.data(), 7)).error().errno_value(), KABI_EINVAL);
	// Format: the escape everywhere again.
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_format_locked().is_ok());
	}
	ASSERT_TRUE(dev->read_pi(0, MutableBytes(all.data(), all.size())).is_ok());
	EXPECT_TRUE(all_ff(all));
	// Release frees the pages; I/O refused after.
	{
		lio::LockGuard guard(dev->lock());
		dev->pi_release_locked();
	}
	EXPECT_EQ(dev->pi_pages_allocated(), 0u);
	EXPECT_EQ(dev->read_pi(0, MutableBytes(back.data(), 8)).error().errno_value(), KABI_ENODEV);
}

TEST(BackstorePi, RamdiskBlockSize4096HasFewerTuples) {
	LeakCheck leaks;
	RdRig rig;
	auto dev = rig.make("8");
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_setup_locked(4096).is_ok());
	}
	std::vector<uint8_t> t(8, 0x11);
	EXPECT_TRUE(dev->write_pi(7, Bytes(t.data(), 8), false).is_ok());
	EXPECT_EQ(dev->write_pi(8, Bytes(t.data(), 8), false).error().errno_value(), KABI_EINVAL);
}

TEST(BackstorePi, RamdiskNullioReadsEscape) {
	LeakCheck leaks;
	RdRig rig;
	auto dev = rig.make("4", true);
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
	}
	EXPECT_EQ(dev->pi_pages_allocated(), 0u);
	auto t = tuples(2, 9);
	EXPECT_TRUE(dev->write_pi(0, Bytes(t.data(), t.size()), false).is_ok());
	std::vector<uint8_t> back(t.size());
	ASSERT_TRUE(dev->read_pi(0, MutableBytes(back.data(), back.size())).is_ok());
	EXPECT_TRUE(all_ff(back));
}

struct FdRig {
	static lio::OwnPtr<lio::core::TargetCore> make_core() {
		return MUST(lio::core::TargetCore::create());
	}
	lio::OwnPtr<lio::core::TargetCore> core = make_core();
	lio::core::Hba hba{*core, lio::backstores::g_fileio_backend, lio::str_view("fileio_0"), 0,
			   0, 1};
	std::string dir;
	FdRig() {
		char tmpl[] = "/tmp/lio-fdpi-XXXXXX";
		const char *p = mkdtemp(tmpl);
		EXPECT_NE(p, nullptr);
		dir = p ? p : "/tmp";
	}
	~FdRig() { (void)std::system(("rm -rf '" + dir + "'").c_str()); }
	lio::OwnPtr<lio::backstores::FileioDevice> make(const std::string &path, const char *size,
							bool buffered = false) {
		auto dev = lio::make<lio::backstores::FileioDevice>(lio::Gfp::Kernel, hba,
								    lio::str_view("disk0"));
		lio::LockGuard guard(dev->lock());
		if (buffered) {
			EXPECT_TRUE(dev->control_locked(lio::str_view("fd_buffered_io"),
							lio::str_view("1"))
					.is_ok());
		}
		EXPECT_TRUE(dev->control_locked(lio::str_view("fd_dev_name"),
						lio::StrView(path.data(), path.size()))
				.is_ok());
		EXPECT_TRUE(dev->control_locked(lio::str_view("fd_dev_size"), lio::str_view(size)).is_ok());
		EXPECT_TRUE(dev->configure_locked(dev->config_locked()).is_ok());
		return dev;
	}
};

long long size_of(const std::string &path) {
	struct stat st;
	return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST(BackstorePi, FileioSideFileFormattedKeptAndReformatted) {
	LeakCheck leaks;
	FdRig rig;
	std::string path = rig.dir + "/disk.img";
	std::string side = path + ".protection";
	auto t = tuples(3, 5);
	{
		auto dev = rig.make(path, "65536"); // 128 blocks
		{
			lio::LockGuard guard(dev->lock());
			ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
		}
		EXPECT_EQ(size_of(side), 128 * 8);
		std::vector<uint8_t> all(128 * 8);
		ASSERT_TRUE(dev->read_pi(0, MutableBytes(all.data(), all.size())).is_ok());
		EXPECT_TRUE(all_ff(all));
		ASSERT_TRUE(dev->write_pi(100, Bytes(t.data(), t.size()), true).is_ok());
		EXPECT_EQ(dev->write_pi(127, Bytes(t.data(), 16), false).error().errno_value(),
			  KABI_EINVAL);
		lio::LockGuard guard(dev->lock());
		dev->pi_release_locked(); // the side file stays
	}
	EXPECT_EQ(size_of(side), 128 * 8);
	{
		// A new device over the same file keeps the tuples (restoreconfig).
		auto dev = rig.make(path, "65536");
		{
			lio::LockGuard guard(dev->lock());
			ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
		}
		std::vector<uint8_t> back(t.size());
		ASSERT_TRUE(dev->read_pi(100, MutableBytes(back.data(), back.size())).is_ok());
		EXPECT_EQ(back, t);
		{
			lio::LockGuard guard(dev->lock());
			ASSERT_TRUE(dev->pi_format_locked().is_ok());
		}
		ASSERT_TRUE(dev->read_pi(100, MutableBytes(back.data(), back.size())).is_ok());
		EXPECT_TRUE(all_ff(back));
	}
	// The file as LIO lays it out: tuple b at byte b * 8.
	std::ifstream f(side, std::ios::binary);
	std::vector<char> raw(128 * 8);
	f.read(raw.data(), raw.size());
	EXPECT_EQ(static_cast<uint8_t>(raw[800]), 0xff);
}

TEST(BackstorePi, FileioGrowsSideFileFormattingTheNewPart) {
	LeakCheck leaks;
	FdRig rig;
	std::string path = rig.dir + "/disk.img";
	std::string side = path + ".protection";
	{
		std::ofstream f(side, std::ios::binary);
		std::vector<char> zero(64 * 8, 0);
		f.write(zero.data(), zero.size());
	}
	auto dev = rig.make(path, "65536");
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
	}
	EXPECT_EQ(size_of(side), 128 * 8);
	std::vector<uint8_t> got(8);
	ASSERT_TRUE(dev->read_pi(63, MutableBytes(got.data(), 8)).is_ok());
	EXPECT_EQ(got, std::vector<uint8_t>(8, 0)); // existing tuples kept
	ASSERT_TRUE(dev->read_pi(64, MutableBytes(got.data(), 8)).is_ok());
	EXPECT_TRUE(all_ff(got));
}

TEST(BackstorePi, FileioBufferedFuaAndFlushReachTheSideFile) {
	LeakCheck leaks;
	FdRig rig;
	std::string path = rig.dir + "/disk.img";
	auto dev = rig.make(path, "65536", true);
	ASSERT_TRUE(dev->buffered());
	{
		lio::LockGuard guard(dev->lock());
		ASSERT_TRUE(dev->pi_setup_locked(512).is_ok());
	}
	auto t = tuples(2, 1);
	ASSERT_TRUE(dev->write_pi(3, Bytes(t.data(), t.size()), true).is_ok()); // FUA: range sync
	ASSERT_TRUE(dev->flush().is_ok()); // data file and side file
	std::ifstream f(path + ".protection", std::ios::binary);
	std::vector<char> raw(128 * 8);
	f.read(raw.data(), raw.size());
	EXPECT_TRUE(std::equal(t.begin(), t.end(), reinterpret_cast<uint8_t *>(raw.data()) + 24));
}

} // namespace
