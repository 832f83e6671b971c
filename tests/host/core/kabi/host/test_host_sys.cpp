// SPDX-License-Identifier: GPL-2.0
// Tests for core/kabi/host/kabi_host_sys.cpp and kabi_host_log.cpp's capture.
#include <gtest/gtest.h>

#include <cstring>

#include "host_test_api.h"
#include "kabi/configfs.h"
#include "kabi/log.h"
#include "kabi/sys.h"

namespace {

TEST(HostSys, Uts) {
	kabi_uts uts;
	kabi_sys_uts(&uts);
	EXPECT_STREQ(uts.sysname, "Linux");
	EXPECT_GT(strlen(uts.machine), 0u);
	EXPECT_GT(strlen(uts.release), 0u);
}

TEST(HostSys, CheckDir) {
	EXPECT_EQ(kabi_fs_check_dir("/"), 0);
	EXPECT_EQ(kabi_fs_check_dir("/proc/self/status"), -KABI_ENOTDIR);
	EXPECT_EQ(kabi_fs_check_dir("/nonexistent/lio-cxx"), -KABI_ENOENT);
	EXPECT_EQ(kabi_this_module(), nullptr);
}

TEST(HostLog, CaptureKeepsOrderAndDropsNewline) {
	kabi_host_log_clear();
	kabi_log(KABI_LOG_INFO, "one\n");
	kabi_log(KABI_LOG_ERR, "two %d", 2);
	std::vector<std::string> lines = kabi_host_log_take();
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0], "info: one");
	EXPECT_EQ(lines[1], "err: two 2");
}

} // namespace
