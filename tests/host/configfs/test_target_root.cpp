// SPDX-License-Identifier: GPL-2.0
/*
 * End to end over the host boundary: target_core_mod's init/exit (core/target_core_entry.cpp)
 * build LIO's `target` tree (configfs/target_root.cpp) in the in-memory configfs, and a
 * shell-like session drives it, as tests/guest/core_configfs.sh does in a guest. Also proves
 * module exit leaves no allocation and no directory behind.
 */
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hostcfs.h"
#include "kabi/modules.h"
#include "kabi/sys.h"
#include "target_fixture.h"
#include "test_support.h"

namespace {

class TargetRoot : public TargetCoreTest {};

TEST_F(TargetRoot, TreeAndVersion) {
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list("target", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"core", "dbroot", "version"}));
	ASSERT_EQ(hostcfs_list("target/core/alua/lu_gps", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"default_lu_gp"}));
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/lu_gp_id"), "0\n");

	kabi_uts uts;
	kabi_sys_uts(&uts);
	EXPECT_EQ(read("target/version"),
		  std::string("Target Engine Core ConfigFS Infrastructure v5.0 on ") + uts.sysname +
			  "/" + uts.machine + " on " + uts.release + "\n");
	EXPECT_EQ(hostcfs_write("target/version", "x"), -KABI_EACCES);
	uint16_t mode = 0;
	EXPECT_EQ(hostcfs_mode("target/core/alua/lu_gps/default_lu_gp/members", &mode), 0);
	EXPECT_EQ(mode, 0444);
	EXPECT_EQ(hostcfs_rmdir("target/core/alua/lu_gps/default_lu_gp"), -KABI_EPERM);
}

TEST_F(TargetRoot, Dbroot) {
	std::string initial = kabi_fs_check_dir("/etc/target") == 0 ? "/etc/target" : "/var/target";
	EXPECT_EQ(read("target/dbroot"), initial + "\n");
	EXPECT_EQ(hostcfs_write("target/dbroot", "/nonexistent/lio\n"), -KABI_ENOENT);
	EXPECT_EQ(hostcfs_write("target/dbroot", "relative\n"), -KABI_EINVAL);
	EXPECT_EQ(read("target/dbroot"), initial + "\n");
	EXPECT_EQ(hostcfs_write("target/dbroot", "/tmp\n"), 0);
	EXPECT_EQ(read("target/dbroot"), "/tmp\n");
}

TEST_F(TargetRoot, LuGroups) {
	const std::string g = "target/core/alua/lu_gps/";
	ASSERT_EQ(hostcfs_mkdir(g + "grp1"), 0);
	EXPECT_EQ(read(g + "grp1/lu_gp_id"), "");
	EXPECT_EQ(hostcfs_write(g + "grp1/lu_gp_id", "5\n"), 0);
	EXPECT_EQ(read(g + "grp1/lu_gp_id"), "5\n");
	EXPECT_EQ(hostcfs_write(g + "grp1/lu_gp_id", "6\n"), -KABI_EINVAL); // ids are fixed
	ASSERT_EQ(hostcfs_mkdir(g + "grp2"), 0);
	EXPECT_EQ(hostcfs_write(g + "grp2/lu_gp_id", "5\n"), -KABI_EINVAL);     // taken
	EXPECT_EQ(hostcfs_write(g + "grp2/lu_gp_id", "65536\n"), -KABI_EINVAL); // too big
	EXPECT_EQ(hostcfs_write(g + "grp2/lu_gp_id", "12abc\n"), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir("target/core/foo_0"), -KABI_EINVAL); // no backstores yet
	EXPECT_EQ(hostcfs_rmdir(g + "grp1"), 0);
	EXPECT_EQ(hostcfs_rmdir(g + "grp2"), 0);
}

} // namespace
