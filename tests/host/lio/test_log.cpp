// SPDX-License-Identifier: GPL-2.0
// Tests for include/lio/log.h (over the host's kabi_log capture).
#include "lio/log.h"

#include <gtest/gtest.h>

#include "host_test_api.h"

namespace lio {
namespace {

TEST(Log, LevelsAndFormatting) {
	kabi_host_log_clear();
	log_err("a %d %s\n", 1, "x");
	log_warn("b %u\n", 2u);
	log_notice("c\n");
	log_info("d %llu\n", 3ull);
	log_debug("e %.*s\n", 2, "xyz");
	std::vector<std::string> lines = kabi_host_log_take();
	ASSERT_EQ(lines.size(), 5u);
	EXPECT_EQ(lines[0], "err: a 1 x");
	EXPECT_EQ(lines[1], "warn: b 2");
	EXPECT_EQ(lines[2], "notice: c");
	EXPECT_EQ(lines[3], "info: d 3");
	EXPECT_EQ(lines[4], "debug: e xy");
	EXPECT_TRUE(kabi_host_log_take().empty());
}

TEST(Snprintf, ScnprintfSemantics) {
	char buf[8];
	EXPECT_EQ(kabi_snprintf(buf, sizeof(buf), "%s", "abc"), 3);
	EXPECT_STREQ(buf, "abc");
	EXPECT_EQ(kabi_snprintf(buf, sizeof(buf), "%s", "0123456789"), 7); // written, not wanted
	EXPECT_STREQ(buf, "0123456");
	EXPECT_EQ(kabi_snprintf(buf, 0, "%s", "x"), 0);
	EXPECT_EQ(kabi_snprintf(buf, 1, "%s", "x"), 0);
	EXPECT_STREQ(buf, "");
}

} // namespace
} // namespace lio
