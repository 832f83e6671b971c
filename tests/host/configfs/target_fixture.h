// SPDX-License-Identifier: GPL-2.0
// A loaded target_core_mod over the in-memory configfs, for tests of its configfs tree: init in
// SetUp, exit in TearDown, and proof that exit leaves no directory and no allocation behind.
#ifndef LIO_TESTS_HOST_CONFIGFS_TARGET_FIXTURE_H
#define LIO_TESTS_HOST_CONFIGFS_TARGET_FIXTURE_H

#include <gtest/gtest.h>

#include <string>

#include "hostcfs.h"
#include "kabi/modules.h"
#include "test_support.h"

class TargetCoreTest : public ::testing::Test {
  protected:
	void SetUp() override {
		groups_ = hostcfs_live_groups();
		ASSERT_EQ(lio_target_core_init(nullptr), 0);
	}
	void TearDown() override {
		lio_target_core_exit();
		EXPECT_FALSE(hostcfs_exists("target"));
		EXPECT_EQ(hostcfs_live_groups(), groups_);
	}
	std::string read(const std::string &path) {
		std::string out;
		EXPECT_EQ(hostcfs_read(path, &out), 0) << path;
		return out;
	}
	uint16_t mode(const std::string &path) {
		uint16_t m = 0;
		EXPECT_EQ(hostcfs_mode(path, &m), 0) << path;
		return m;
	}

	LeakCheck leaks_; // constructed before SetUp's init, checked after TearDown's exit
	size_t groups_ = 0;
};

#endif // LIO_TESTS_HOST_CONFIGFS_TARGET_FIXTURE_H
