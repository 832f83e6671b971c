// SPDX-License-Identifier: GPL-2.0
// The fileio backstore (backstores/fileio) over a temporary file: control parsing as LIO's,
// enable creating and sizing the file, block I/O reaching the file, hole punching, zeroing,
// flush, the info line and registration.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backstores/fileio/fileio.h"
#include "core/hba.h"
#include "core/target_core.h"
#include "kabi/modules.h"
#include "test_support.h"

namespace {

using lio::Bytes;

// A data-out view: the backstore only reads it.
lio::DataBuf out_buf(lio::Bytes b) {
	return lio::DataBuf(lio::MutableBytes(const_cast<uint8_t *>(b.data()), b.size()));
}

using lio::MutableBytes;
using lio::backstores::FileioDevice;

struct TempDir {
	std::string path;
	TempDir() {
		char tmpl[] = "/tmp/lio-fileio-XXXXXX";
		const char *p = mkdtemp(tmpl);
		EXPECT_NE(p, nullptr);
		path = p ? p : "/tmp";
	}
	~TempDir() {
		std::string cmd = "rm -rf '" + path + "'";
		(void)std::system(cmd.c_str());
	}
	std::string file(const char *name) const { return path + "/" + name; }
};

long long file_size(const std::string &path) {
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return -1;
	return st.st_size;
}

long long file_blocks(const std::string &path) {
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return -1;
	return st.st_blocks;
}

struct Rig {
	static lio::OwnPtr<lio::core::TargetCore> make_core() {
		return MUST(lio::core::TargetCore::create());
	}
	lio::OwnPtr<lio::core::TargetCore> core = make_core();
	lio::core::Hba hba{*core, lio::backstores::g_fileio_backend, lio::str_view("fileio_0"), 0,
			   0, 1};

	lio::OwnPtr<FileioDevice> make() {
		return lio::make<FileioDevice>(lio::Gfp::Kernel, hba, lio::str_view("disk0"));
	}
	static lio::Result<void> control(FileioDevice &dev, const char *key, const std::string &v) {
		lio::LockGuard guard(dev.lock());
		return dev.control_locked(lio::str_view(key), lio::StrView(v.data(), v.size()));
	}
	static lio::Result<void> enable(FileioDevice &dev) {
		lio::LockGuard guard(dev.lock());
		return dev.configure_locked(dev.config_locked());
	}
	static std::string info(FileioDevice &dev) {
		char buf[512];
		lio::LockGuard guard(dev.lock());
		lio::s64 n = dev.show_params_locked(buf, sizeof(buf));
		return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
	}
	lio::OwnPtr<FileioDevice> enabled(const std::string &path, const char *size,
					  bool buffered = false) {
		auto dev = make();
		EXPECT_TRUE(control(*dev, "fd_dev_name", path).is_ok());
		EXPECT_TRUE(control(*dev, "fd_dev_size", size).is_ok());
		if (buffered) {
			EXPECT_TRUE(control(*dev, "fd_buffered_io", "1").is_ok());
		}
		EXPECT_TRUE(enable(*dev).is_ok());
		return dev;
	}
};

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
	std::vector<uint8_t> v(n);
	for (size_t i = 0; i < n; i++)
		v[i] = static_cast<uint8_t>(seed + i * 13 + (i >> 9));
	return v;
}

int err(const lio::Result<void> &r) { return r.is_error() ? r.error().errno_value() : 0; }

TEST(Fileio, BadControlIsEinval) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make();
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_bogus", "1")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_size", "12x")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_size", "")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_buffered_io", "0")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_buffered_io", "2")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_async_io", "x")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_name", "")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_name", "relative.img")), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_name", "/" + std::string(300, 'a'))), KABI_EINVAL);
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_size", "0x100000")), 0);
	EXPECT_EQ(err(Rig::control(*dev, "fd_async_io", "1")), 0);
	// No fd_dev_name yet: enable refuses.
	EXPECT_EQ(err(Rig::enable(*dev)), KABI_EINVAL);
	EXPECT_EQ(dev->size_bytes(), 0u);
}

TEST(Fileio, EnableCreatesAndSizesTheFile) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	std::string path = dir.file("disk.img");
	auto dev = rig.enabled(path, "1048576");
	EXPECT_EQ(file_size(path), 1048576);
	EXPECT_EQ(dev->size_bytes(), 1048576u);
	EXPECT_FALSE(dev->buffered());
	EXPECT_FALSE(dev->is_block_device());
	{
		lio::LockGuard guard(dev->lock());
		auto &a = dev->config_locked().attrib;
		EXPECT_EQ(a.hw_block_size, 512u);
		EXPECT_EQ(a.hw_max_sectors, 16384u);
		EXPECT_EQ(a.hw_queue_depth, 128u);
		EXPECT_EQ(a.max_unmap_lba_count, 0x2000u);
		EXPECT_EQ(a.max_write_same_len, 0x1000u);
		EXPECT_EQ(a.emulate_write_cache, 0u);
	}
	EXPECT_EQ(Rig::info(*dev), "TCM FILEIO ID: 0        File: " + path +
				       "  Size: 1048576  Mode: O_DSYNC Async: 0\n");
	// Control is frozen once enabled.
	EXPECT_EQ(err(Rig::control(*dev, "fd_dev_size", "4096")), KABI_EBUSY);
}

TEST(Fileio, BufferedForcesWriteCache) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	auto dev = rig.enabled(dir.file("wb.img"), "65536", true);
	EXPECT_TRUE(dev->buffered());
	{
		lio::LockGuard guard(dev->lock());
		EXPECT_EQ(dev->config_locked().attrib.emulate_write_cache, 1u);
	}
	EXPECT_NE(Rig::info(*dev).find("Mode: Buffered-WCE Async: 0"), std::string::npos);
}

TEST(Fileio, ExistingLargerFileIsNotShrunk) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	std::string path = dir.file("big.img");
	ASSERT_EQ(truncate(path.c_str(), 0), -1); // does not exist yet
	FILE *f = fopen(path.c_str(), "w");
	ASSERT_NE(f, nullptr);
	fclose(f);
	ASSERT_EQ(truncate(path.c_str(), 2 * 1048576), 0);
	auto dev = rig.enabled(path, "1048576");
	EXPECT_EQ(file_size(path), 2 * 1048576);
	EXPECT_EQ(dev->size_bytes(), 1048576u); // fd_dev_size, as LIO
}

TEST(Fileio, SizeRoundedToBlocksAndAtLeastOne) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	auto dev = rig.enabled(dir.file("odd.img"), "1000");
	EXPECT_EQ(dev->size_bytes(), 512u);
	auto small = rig.make();
	ASSERT_TRUE(Rig::control(*small, "fd_dev_name", dir.file("tiny.img")).is_ok());
	ASSERT_TRUE(Rig::control(*small, "fd_dev_size", "100").is_ok());
	EXPECT_EQ(err(Rig::enable(*small)), KABI_EINVAL);
	auto nosize = rig.make();
	ASSERT_TRUE(Rig::control(*nosize, "fd_dev_name", dir.file("nosize.img")).is_ok());
	EXPECT_EQ(err(Rig::enable(*nosize)), KABI_EINVAL); // a regular file needs fd_dev_size
}

TEST(Fileio, WriteReadBack) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	std::string path = dir.file("rw.img");
	auto dev = rig.enabled(path, "262144");
	auto data = pattern(70000, 3);
	ASSERT_TRUE(dev->write(1000, out_buf(Bytes(data.data(), data.size())), false).is_ok());
	std::vector<uint8_t> back(data.size());
	ASSERT_TRUE(dev->read(1000, lio::DataBuf(MutableBytes(back.data(), back.size()))).is_ok());
	EXPECT_EQ(back, data);
	ASSERT_TRUE(dev->flush().is_ok());
	// The bytes are in the file itself.
	FILE *f = fopen(path.c_str(), "rb");
	ASSERT_NE(f, nullptr);
	std::vector<uint8_t> raw(data.size());
	ASSERT_EQ(fseek(f, 1000, SEEK_SET), 0);
	ASSERT_EQ(fread(raw.data(), 1, raw.size(), f), raw.size());
	fclose(f);
	EXPECT_EQ(raw, data);
	// Bounds.
	uint8_t b[16];
	EXPECT_EQ(err(dev->read(262144 - 8, lio::DataBuf(MutableBytes(b, sizeof(b))))), KABI_EINVAL);
	EXPECT_EQ(err(dev->write(262144, out_buf(Bytes(b, 1)), false)), KABI_EINVAL);
	EXPECT_TRUE(dev->read(262144 - 16, lio::DataBuf(MutableBytes(b, sizeof(b)))).is_ok());
}

TEST(Fileio, PunchHoleAndWriteZeroes) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	std::string path = dir.file("holes.img");
	auto dev = rig.enabled(path, "1048576");
	auto data = pattern(1048576, 9);
	ASSERT_TRUE(dev->write(0, out_buf(Bytes(data.data(), data.size())), false).is_ok());
	ASSERT_TRUE(dev->flush().is_ok());
	long long before = file_blocks(path);
	ASSERT_TRUE(dev->unmap(65536, 524288).is_ok());
	EXPECT_EQ(file_size(path), 1048576); // size kept
	std::vector<uint8_t> back(data.size());
	ASSERT_TRUE(dev->read(0, lio::DataBuf(MutableBytes(back.data(), back.size()))).is_ok());
	for (size_t i = 0; i < back.size(); i++) {
		uint8_t want = (i >= 65536 && i < 65536 + 524288) ? 0 : data[i];
		if (back[i] != want) {
			ADD_FAILURE() << "byte " << i << " is " << int(back[i]) << ", want " << int(want);
			break;
		}
	}
	EXPECT_LE(file_blocks(path), before); // deallocated where the file system can
	ASSERT_TRUE(dev->write_zeroes(3, 5000).is_ok());
	ASSERT_TRUE(dev->read(0, lio::DataBuf(MutableBytes(back.data(), 8000))).is_ok());
	EXPECT_EQ(back[0], data[0]);
	EXPECT_EQ(back[2], data[2]);
	for (size_t i = 3; i < 5003; i++)
		ASSERT_EQ(back[i], 0) << i;
	EXPECT_EQ(back[5003], data[5003]);
	ASSERT_TRUE(dev->write_zeroes(600000, 300000).is_ok()); // above the small zero buffer
	ASSERT_TRUE(dev->read(600000, lio::DataBuf(MutableBytes(back.data(), 300000))).is_ok());
	for (size_t i = 0; i < 300000; i++)
		ASSERT_EQ(back[i], 0) << i;
	EXPECT_EQ(err(dev->unmap(1048576 - 512, 1024)), KABI_EINVAL);
}

TEST(Fileio, IoBeforeEnableIsEnodev) {
	LeakCheck leaks;
	Rig rig;
	auto dev = rig.make();
	uint8_t b[8] = {};
	EXPECT_EQ(err(dev->read(0, lio::DataBuf(MutableBytes(b, sizeof(b))))), KABI_ENODEV);
	EXPECT_EQ(err(dev->write(0, out_buf(Bytes(b, sizeof(b))), false)), KABI_ENODEV);
	EXPECT_EQ(err(dev->flush()), KABI_ENODEV);
	EXPECT_EQ(err(dev->unmap(0, 8)), KABI_ENODEV);
	EXPECT_EQ(err(dev->write_zeroes(0, 8)), KABI_ENODEV);
}

TEST(Fileio, RegistersAndUnregisters) {
	EXPECT_EQ(lio::core::find_backend(lio::str_view("fileio")), nullptr);
	ASSERT_EQ(lio_fileio_init(nullptr), 0);
	EXPECT_EQ(lio::core::find_backend(lio::str_view("fileio")),
		  &lio::backstores::g_fileio_backend);
	EXPECT_EQ(lio_fileio_init(nullptr), -KABI_EEXIST); // twice
	lio_fileio_exit();
	EXPECT_EQ(lio::core::find_backend(lio::str_view("fileio")), nullptr);
}

// Scatter-gather through the vectored calls: more segments than one call takes (16), odd
// sizes, an empty one; FUA on a buffered device syncs the range.
TEST(Fileio, ScatterGatherVectored) {
	LeakCheck leaks;
	TempDir dir;
	Rig rig;
	for (bool buffered : {false, true}) {
		std::string path = dir.file(buffered ? "sgb.img" : "sg.img");
		auto dev = rig.enabled(path, "262144", buffered);
		auto data = pattern(40 * 1000 + 37 * 3, 7);
		std::vector<lio::DataSegment> ws, rs;
		std::vector<uint8_t> back(data.size(), 0xee);
		size_t off = 0;
		for (int i = 0; off < data.size(); i++) {
			size_t n = std::min<size_t>(data.size() - off, i % 7 == 3 ? 0 : 1000 + i % 5);
			ws.push_back({data.data() + off, n});
			off += n;
		}
		off = 0;
		for (int i = 0; off < back.size(); i++) {
			size_t n = std::min<size_t>(back.size() - off, 517 + 3 * i);
			rs.push_back({back.data() + off, n});
			off += n;
		}
		ASSERT_GT(ws.size(), 32u);
		lio::DataBuf w(lio::Span<const lio::DataSegment>(ws.data(), ws.size()));
		lio::DataBuf r(lio::Span<const lio::DataSegment>(rs.data(), rs.size()));
		ASSERT_TRUE(dev->write(4096 + 3, w, true).is_ok());
		ASSERT_TRUE(dev->read(4096 + 3, r).is_ok());
		EXPECT_EQ(back, data) << buffered;
		// A slice starting inside a segment.
		std::vector<uint8_t> part(3000);
		ASSERT_TRUE(dev->read(4096 + 3 + 1500,
				      lio::DataBuf(MutableBytes(part.data(), part.size())))
				.is_ok());
		EXPECT_EQ(part, std::vector<uint8_t>(data.begin() + 1500, data.begin() + 4500));
		EXPECT_EQ(err(dev->write(262144 - 100, w.slice(0, 101), true)), KABI_EINVAL);
	}
}

} // namespace
