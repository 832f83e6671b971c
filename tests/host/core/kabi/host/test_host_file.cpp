// SPDX-License-Identifier: GPL-2.0
// kabi/file.h on the host: the contract the fileio backstore relies on.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "kabi/file.h"

namespace {

class KabiFile : public ::testing::Test {
  protected:
	void SetUp() override {
		char tmpl[] = "/tmp/lio-kabi-file-XXXXXX";
		ASSERT_NE(mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
		path_ = dir_ + "/backing.img";
	}
	void TearDown() override {
		unlink(path_.c_str());
		rmdir(dir_.c_str());
	}
	std::string dir_, path_;
};

TEST_F(KabiFile, CreateSizeWriteReadBack) {
	kabi_file *f = nullptr;
	ASSERT_EQ(kabi_file_open(path_.c_str(), KABI_FILE_WRITE | KABI_FILE_CREATE, &f), 0);
	ASSERT_EQ(kabi_file_truncate(f, 1 << 20), 0);
	kabi_file_info info{};
	ASSERT_EQ(kabi_file_get_info(f, &info), 0);
	EXPECT_EQ(info.size, 1u << 20);
	EXPECT_FALSE(info.is_block_device);
	EXPECT_EQ(info.logical_block_size, 512u);
	EXPECT_TRUE(info.volatile_cache);

	std::vector<uint8_t> out(8192), in(8192);
	for (size_t i = 0; i < out.size(); i++)
		out[i] = static_cast<uint8_t>(i * 7 + 3);
	EXPECT_EQ(kabi_file_pwrite(f, out.data(), out.size(), 4096), 8192);
	EXPECT_EQ(kabi_file_sync(f, 4096, 8192), 0);
	EXPECT_EQ(kabi_file_pread(f, in.data(), in.size(), 4096), 8192);
	EXPECT_EQ(in, out);
	kabi_file_close(f);
}

TEST_F(KabiFile, ShortReadOnlyAtEndOfFile) {
	kabi_file *f = nullptr;
	ASSERT_EQ(kabi_file_open(path_.c_str(), KABI_FILE_WRITE | KABI_FILE_CREATE, &f), 0);
	ASSERT_EQ(kabi_file_truncate(f, 1000), 0);
	std::vector<uint8_t> buf(4096, 0xee);
	EXPECT_EQ(kabi_file_pread(f, buf.data(), buf.size(), 512), 488);
	EXPECT_EQ(kabi_file_pread(f, buf.data(), buf.size(), 5000), 0);
	kabi_file_close(f);
}

TEST_F(KabiFile, PunchHoleReadsZeroesAndKeepsSize) {
	kabi_file *f = nullptr;
	ASSERT_EQ(kabi_file_open(path_.c_str(), KABI_FILE_WRITE | KABI_FILE_CREATE, &f), 0);
	std::vector<uint8_t> data(65536, 0x5a);
	ASSERT_EQ(kabi_file_pwrite(f, data.data(), data.size(), 0), 65536);
	int rc = kabi_file_punch_hole(f, 4096, 8192);
	if (rc == -EOPNOTSUPP)
		GTEST_SKIP() << "this file system cannot punch holes";
	ASSERT_EQ(rc, 0);
	kabi_file_info info{};
	ASSERT_EQ(kabi_file_get_info(f, &info), 0);
	EXPECT_EQ(info.size, 65536u);
	std::vector<uint8_t> in(16384);
	ASSERT_EQ(kabi_file_pread(f, in.data(), in.size(), 0), 16384);
	for (size_t i = 0; i < in.size(); i++) {
		uint8_t want = (i >= 4096 && i < 12288) ? 0 : 0x5a;
		ASSERT_EQ(in[i], want) << "at byte " << i;
	}
	kabi_file_close(f);
}

TEST_F(KabiFile, OpenErrors) {
	kabi_file *f = nullptr;
	EXPECT_EQ(kabi_file_open((dir_ + "/missing").c_str(), KABI_FILE_WRITE, &f), -ENOENT);
	EXPECT_EQ(kabi_file_open("relative/path", KABI_FILE_WRITE, &f), -EINVAL);
	EXPECT_EQ(kabi_file_open(dir_.c_str(), 0, &f), -EISDIR);
	EXPECT_EQ(kabi_file_open("/dev/null", 0, &f), -EINVAL); // a character device
}

TEST_F(KabiFile, RangeOverflowIsRefused) {
	kabi_file *f = nullptr;
	ASSERT_EQ(kabi_file_open(path_.c_str(), KABI_FILE_WRITE | KABI_FILE_CREATE, &f), 0);
	uint8_t b = 0;
	EXPECT_EQ(kabi_file_pread(f, &b, 1, UINT64_MAX), -EINVAL);
	EXPECT_EQ(kabi_file_pwrite(f, &b, 2, static_cast<uint64_t>(INT64_MAX)), -EINVAL);
	EXPECT_EQ(kabi_file_punch_hole(f, static_cast<uint64_t>(INT64_MAX), 2), -EINVAL);
	EXPECT_EQ(kabi_file_sync(f, UINT64_MAX, 0), -EINVAL);
	kabi_file_close(f);
}

} // namespace

// ---- persistent reservations ---- (APTPL metadata goes to dbroot/pr, made when missing)
namespace {

TEST_F(KabiFile, Mkdir) {
	std::string d = dir_ + "/pr";
	EXPECT_EQ(kabi_mkdir(d.c_str()), 0);
	struct stat st;
	ASSERT_EQ(stat(d.c_str(), &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0700u);
	EXPECT_EQ(kabi_mkdir(d.c_str()), -EEXIST);
	EXPECT_EQ(kabi_mkdir((dir_ + "/missing/pr").c_str()), -ENOENT);
	EXPECT_EQ(kabi_mkdir("relative/pr"), -EINVAL);
	EXPECT_EQ(kabi_mkdir(nullptr), -EINVAL);
	rmdir(d.c_str());
}

} // namespace
