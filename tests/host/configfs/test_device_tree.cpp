// SPDX-License-Identifier: GPL-2.0
/*
 * HBAs and devices over the host's in-memory configfs (configfs/device_tree.cpp): mkdir
 * core/rd_mcp_N and a device below it, the device tree as stock LIO shows it
 * (tests/reference/lio-6.12/configfs-tree.txt, core/rd_mcp_1/rd0), every attribute's default
 * and read format, good and bad writes with LIO's errnos, control, enable, LU group
 * membership, dbroot's EBUSY rule, and teardown leaving no allocation behind.
 */
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "host_test_api.h"
#include "hostcfs.h"
#include "kabi/modules.h"
#include "target_fixture.h"
#include "test_support.h"

namespace {

const std::string C = "target/core/";

class DeviceTree : public TargetCoreTest {
  protected:
	void SetUp() override {
		TargetCoreTest::SetUp();
		kabi_host_log_clear();
	}
	// Writes and expects `err`; a refusal must log exactly one error line.
	void write_expect(const std::string &path, const std::string &value, int err) {
		kabi_host_log_clear();
		EXPECT_EQ(hostcfs_write(path, value), err) << path << " <- " << value;
		if (err != 0 && err != -KABI_EACCES) {
			std::vector<std::string> lines = kabi_host_log_take();
			int errs = 0;
			for (auto &l : lines)
				errs += l.rfind("err: ", 0) == 0;
			EXPECT_EQ(errs, 1) << path << " <- " << value;
		}
	}
	// mkdir rd_mcp_1/rd0, control, enable: what targetcli does for a 64 MiB ramdisk.
	void make_rd(const std::string &hba, const std::string &dev, const std::string &control) {
		if (!hostcfs_exists(C + hba)) {
			ASSERT_EQ(hostcfs_mkdir(C + hba), 0);
		}
		ASSERT_EQ(hostcfs_mkdir(C + hba + "/" + dev), 0);
		ASSERT_EQ(hostcfs_write(C + hba + "/" + dev + "/control", control), 0);
		ASSERT_EQ(hostcfs_write(C + hba + "/" + dev + "/enable", "1\n"), 0);
	}

};

TEST_F(DeviceTree, HbaNamesFollowLio) {
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_1"), 0);
	EXPECT_EQ(read(C + "rd_mcp_1/hba_info"), "HBA Index: 0 plugin: rd_mcp version: v5.0\n");
	EXPECT_EQ(read(C + "rd_mcp_1/hba_mode"), "0\n");
	EXPECT_EQ(mode(C + "rd_mcp_1/hba_info"), 0444);
	EXPECT_EQ(mode(C + "rd_mcp_1/hba_mode"), 0644);
	write_expect(C + "rd_mcp_1/hba_mode", "1\n", -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_1"), -KABI_EEXIST);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_0x10"), 0); // kstrtoul base 0
	EXPECT_EQ(read(C + "rd_mcp_0x10/hba_info"), "HBA Index: 1 plugin: rd_mcp version: v5.0\n");
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_4294967295"), 0);
	EXPECT_EQ(hostcfs_mkdir(C + "nounderscore"), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir(C + "fileio_0"), -KABI_EINVAL); // not registered here
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_x"), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_"), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_1_2"), -KABI_EINVAL);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp"), -KABI_EINVAL); // "rd" with index "mcp"
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_99999999999999999999"), -KABI_ERANGE);
	EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_" + std::string(60, '1')), -KABI_ENAMETOOLONG);
	EXPECT_EQ(hostcfs_mkdir(C + "alua"), -KABI_EEXIST);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0x10"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_4294967295"), 0);
}

TEST_F(DeviceTree, DeviceDirectoryNamesAndModes) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1"), 0);
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1/rd0"), 0);
	const std::string d = C + "rd_mcp_1/rd0/";
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list(d, &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"action", "alias", "alua", "alua_lu_gp", "attrib",
						   "control", "enable", "info", "lba_map", "pr",
						   "statistics", "udev_path", "wwn"}));
	std::map<std::string, uint16_t> modes = {
	    {"alias", 0644}, {"alua_lu_gp", 0644}, {"control", 0200}, {"enable", 0644},
	    {"info", 0444},  {"lba_map", 0644},	   {"udev_path", 0644}};
	for (auto &[n, m] : modes)
		EXPECT_EQ(mode(d + n), m) << n;
	ASSERT_EQ(hostcfs_list(d + "action", &names), 0);
	EXPECT_TRUE(names.empty());
	ASSERT_EQ(hostcfs_list(d + "alua", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"default_tg_pt_gp"}));
	ASSERT_EQ(hostcfs_list(d + "statistics", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"scsi_dev", "scsi_lu", "scsi_tgt_dev"}));
	ASSERT_EQ(hostcfs_list(d + "wwn", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{
			     "company_id", "product_id", "revision", "vendor_id",
			     "vpd_assoc_logical_unit", "vpd_assoc_scsi_target_device",
			     "vpd_assoc_target_port", "vpd_protocol_identifier", "vpd_unit_serial"}));
	ASSERT_EQ(hostcfs_list(d + "pr", &names), 0);
	EXPECT_EQ(names.size(), 9u);
	ASSERT_EQ(hostcfs_list(d + "attrib", &names), 0);
	EXPECT_EQ(names.size(), 36u);
	for (const char *ro : {"hw_block_size", "hw_max_sectors", "hw_pi_prot_type", "hw_queue_depth"}) {
		EXPECT_EQ(mode(d + "attrib/" + ro), 0444) << ro;
		EXPECT_EQ(hostcfs_write(d + "attrib/" + ro, "1\n"), -KABI_EACCES) << ro;
	}
	EXPECT_EQ(hostcfs_read(d + "control", &names[0]), -KABI_EACCES);
	EXPECT_EQ(hostcfs_write(d + "info", "x"), -KABI_EACCES);
	EXPECT_EQ(hostcfs_rmdir(d + "attrib"), -KABI_EPERM);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), -KABI_ENOTEMPTY);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
}

// The reference's values for rd_mcp_1/rd0 (an enabled 64 MiB ramdisk; values that depend on
// exports, creation order and the UUID rtslib writes are checked separately).
// The reference's modes: read-only are hw_*, pr/* but res_aptpl_metadata, statistics/*, the
// VPD identifiers and default_tg_pt_gp/members.
uint16_t expected_mode(const std::string &p) {
	auto starts = [&](const char *s) { return p.rfind(s, 0) == 0; };
	if (starts("attrib/hw_") || starts("statistics/") || starts("wwn/vpd_assoc") ||
	    p == "wwn/vpd_protocol_identifier" || p == "alua/default_tg_pt_gp/members")
		return 0444;
	if (starts("pr/"))
		return p == "pr/res_aptpl_metadata" ? 0644 : 0444;
	return 0644;
}

TEST_F(DeviceTree, EnabledRamdiskMatchesReference) {
	make_rd("rd_mcp_1", "rd0", "rd_pages=16384");
	const std::string d = C + "rd_mcp_1/rd0/";
	std::map<std::string, std::string> expect = {
	    {"attrib/alua_support", "1"},
	    {"attrib/block_size", "512"},
	    {"attrib/emulate_3pc", "1"},
	    {"attrib/emulate_caw", "1"},
	    {"attrib/emulate_dpo", "1"},
	    {"attrib/emulate_fua_read", "1"},
	    {"attrib/emulate_fua_write", "1"},
	    {"attrib/emulate_model_alias", "1"},
	    {"attrib/emulate_pr", "1"},
	    {"attrib/emulate_rest_reord", "0"},
	    {"attrib/emulate_rsoc", "1"},
	    {"attrib/emulate_tas", "1"},
	    {"attrib/emulate_tpu", "0"},
	    {"attrib/emulate_tpws", "0"},
	    {"attrib/emulate_ua_intlck_ctrl", "0"},
	    {"attrib/emulate_write_cache", "0"},
	    {"attrib/enforce_pr_isids", "1"},
	    {"attrib/force_pr_aptpl", "0"},
	    {"attrib/hw_block_size", "512"},
	    {"attrib/hw_max_sectors", "4294967288"},
	    {"attrib/hw_pi_prot_type", "0"},
	    {"attrib/hw_queue_depth", "128"},
	    {"attrib/is_nonrot", "1"},
	    {"attrib/max_unmap_block_desc_count", "0"},
	    {"attrib/max_unmap_lba_count", "0"},
	    {"attrib/max_write_same_len", "0"},
	    {"attrib/optimal_sectors", "4294967288"},
	    {"attrib/pgr_support", "1"},
	    {"attrib/pi_prot_format", "0"},
	    {"attrib/pi_prot_type", "0"},
	    {"attrib/pi_prot_verify", "0"},
	    {"attrib/queue_depth", "128"},
	    {"attrib/submit_type", "0"},
	    {"attrib/unmap_granularity", "0"},
	    {"attrib/unmap_granularity_alignment", "0"},
	    {"attrib/unmap_zeroes_data", "0"},
	    {"alua/default_tg_pt_gp/alua_access_state", "0"},
	    {"alua/default_tg_pt_gp/alua_access_status", "None"},
	    {"alua/default_tg_pt_gp/alua_access_type", "Implicit and Explicit"},
	    {"alua/default_tg_pt_gp/alua_support_active_nonoptimized", "1"},
	    {"alua/default_tg_pt_gp/alua_support_active_optimized", "1"},
	    {"alua/default_tg_pt_gp/alua_support_lba_dependent", "0"},
	    {"alua/default_tg_pt_gp/alua_support_offline", "1"},
	    {"alua/default_tg_pt_gp/alua_support_standby", "1"},
	    {"alua/default_tg_pt_gp/alua_support_transitioning", "1"},
	    {"alua/default_tg_pt_gp/alua_support_unavailable", "1"},
	    {"alua/default_tg_pt_gp/alua_write_metadata", "0"},
	    {"alua/default_tg_pt_gp/implicit_trans_secs", "0"},
	    {"alua/default_tg_pt_gp/nonop_delay_msecs", "100"},
	    {"alua/default_tg_pt_gp/preferred", "0"},
	    {"alua/default_tg_pt_gp/tg_pt_gp_id", "0"},
	    {"alua/default_tg_pt_gp/trans_delay_msecs", "0"},
	    {"pr/res_aptpl_active", "APTPL Bit Status: Disabled"},
	    {"pr/res_aptpl_metadata", "Ready to process PR APTPL metadata.."},
	    {"pr/res_holder", "No SPC-3 Reservation holder"},
	    {"pr/res_pr_all_tgt_pts", "No SPC-3 Reservation holder"},
	    {"pr/res_pr_generation", "0x00000000"},
	    {"pr/res_pr_holder_tg_port", "No SPC-3 Reservation holder"},
	    {"pr/res_pr_type", "No SPC-3 Reservation holder"},
	    {"pr/res_type", "SPC3_PERSISTENT_RESERVATIONS"},
	    {"statistics/scsi_dev/role", "Target"},
	    {"statistics/scsi_lu/dev_type", "0"},
	    {"statistics/scsi_lu/full_stat", "0"},
	    {"statistics/scsi_lu/hs_num_cmds", "0"},
	    {"statistics/scsi_lu/indx", "1"},
	    {"statistics/scsi_lu/lun", "0"},
	    {"statistics/scsi_lu/num_cmds", "0"},
	    {"statistics/scsi_lu/prod", "rd0             "},
	    {"statistics/scsi_lu/read_mbytes", "0"},
	    {"statistics/scsi_lu/resets", "0"},
	    {"statistics/scsi_lu/rev", "4.0 "},
	    {"statistics/scsi_lu/state_bit", "exposed"},
	    {"statistics/scsi_lu/vend", "LIO-ORG "},
	    {"statistics/scsi_lu/write_mbytes", "0"},
	    {"statistics/scsi_tgt_dev/aborts_complete", "0"},
	    {"statistics/scsi_tgt_dev/aborts_no_task", "0"},
	    {"statistics/scsi_tgt_dev/num_lus", "1"},
	    {"statistics/scsi_tgt_dev/resets", "0"},
	    {"wwn/company_id", "0x001405"},
	    {"wwn/product_id", "rd0"},
	    {"wwn/revision", "4.0"},
	    {"wwn/vendor_id", "LIO-ORG"},
	    {"enable", "1"},
	    {"alua_lu_gp", "LU Group Alias: default_lu_gp"},
	};
	for (auto &[path, value] : expect) {
		std::string v = read(d + path);
		EXPECT_EQ(v.substr(0, v.find('\n')), value) << path;
		EXPECT_EQ(mode(d + path), expected_mode(path)) << path;
	}
	EXPECT_EQ(read(d + "alua_lu_gp"), "LU Group Alias: default_lu_gp\nLU Group ID: 0\n");
	// Without exports: LIO's "not exported" forms.
	EXPECT_EQ(read(d + "info"),
		  "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 4294967288\n"
		  "        TCM RamDisk ID: 0  RamDisk Makeup: rd_mcp\n"
		  "        PAGES/PAGE_SIZE: 16384*4096  SG_table_count: 9  nullio: 0 dummy: 0\n");
	EXPECT_EQ(read(d + "statistics/scsi_tgt_dev/status"), "deactivated");
	EXPECT_EQ(read(d + "statistics/scsi_tgt_dev/non_access_lus"), "1\n");
	EXPECT_EQ(read(d + "statistics/scsi_lu/status"), "notavailable\n");
	EXPECT_EQ(read(d + "statistics/scsi_dev/ports"), "0\n");
	EXPECT_EQ(read(d + "statistics/scsi_dev/indx"), read(d + "statistics/scsi_lu/dev"));
	EXPECT_EQ(read(d + "statistics/scsi_dev/inst"), read(d + "statistics/scsi_lu/inst"));
	EXPECT_EQ(read(d + "pr/res_pr_registered_i_pts"), "SPC-3 PR Registrations:\nNone\n");
	EXPECT_EQ(read(d + "alias"), "");
	EXPECT_EQ(read(d + "udev_path"), "");
	EXPECT_EQ(read(d + "lba_map"), "");
	EXPECT_EQ(read(d + "wwn/vpd_unit_serial"), "T10 VPD Unit Serial Number: \n");
	EXPECT_EQ(read(d + "statistics/scsi_lu/lu_name"), "None\n");
	for (const char *p : {"wwn/vpd_protocol_identifier", "wwn/vpd_assoc_logical_unit",
			      "wwn/vpd_assoc_target_port", "wwn/vpd_assoc_scsi_target_device",
			      "alua/default_tg_pt_gp/members"})
		EXPECT_EQ(read(d + p), "") << p;
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"), "rd_mcp_1/rd0\n");
	EXPECT_EQ(hostcfs_rmdir(d), 0);
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"), "");
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
}

TEST_F(DeviceTree, BeforeEnable) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0"), 0);
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0/d"), 0);
	const std::string d = C + "rd_mcp_0/d/";
	EXPECT_EQ(read(d + "enable"), "0\n");
	EXPECT_EQ(read(d + "attrib/block_size"), "0\n");
	EXPECT_EQ(read(d + "attrib/hw_max_sectors"), "0\n");
	EXPECT_EQ(read(d + "attrib/queue_depth"), "0\n");
	EXPECT_EQ(read(d + "attrib/is_nonrot"), "0\n");
	EXPECT_EQ(read(d + "alua_lu_gp"), "");
	EXPECT_EQ(read(d + "info"),
		  "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: 0\n"
		  "        TCM RamDisk ID: 0  RamDisk Makeup: rd_mcp\n"
		  "        PAGES/PAGE_SIZE: 0*4096  SG_table_count: 0  nullio: 0 dummy: 0\n");
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"), "");
	// enable: only with rd_pages, only "1"-containing values, once.
	write_expect(d + "enable", "1\n", -KABI_EINVAL); // no rd_pages yet
	write_expect(d + "control", "rd_pages=0", 0);
	write_expect(d + "enable", "1\n", -KABI_EINVAL); // 0 pages
	write_expect(d + "control", "rd_pages=8", 0);
	write_expect(d + "enable", "0\n", -KABI_EINVAL);
	write_expect(d + "enable", "yes\n", -KABI_EINVAL);
	EXPECT_EQ(read(d + "enable"), "0\n");
	write_expect(d + "enable", "1\n", 0);
	EXPECT_EQ(read(d + "enable"), "1\n");
	write_expect(d + "enable", "1\n", -KABI_EEXIST);
	write_expect(d + "control", "rd_pages=16", -KABI_EBUSY);
	EXPECT_EQ(hostcfs_rmdir(d), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
}

TEST_F(DeviceTree, ControlParsing) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0"), 0);
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0/d"), 0);
	const std::string d = C + "rd_mcp_0/d/";
	EXPECT_EQ(mode(d + "control"), 0200);
	write_expect(d + "control", "rd_pages=10,rd_nullio=1\n", 0);
	write_expect(d + "control", "rd_pages=0x20\nrd_dummy=0", 0);
	write_expect(d + "control", "rd_sizes=3", -KABI_EINVAL);
	write_expect(d + "control", "rd_pages", -KABI_EINVAL);
	write_expect(d + "control", "rd_pages=", -KABI_EINVAL);
	write_expect(d + "control", "rd_pages=12x", -KABI_EINVAL);
	write_expect(d + "control", "rd_pages=-1", -KABI_EINVAL);
	write_expect(d + "control", "rd_pages=99999999999", -KABI_EINVAL);
	write_expect(d + "control", "rd_nullio=2", -KABI_EINVAL);
	write_expect(d + "control", "rd_nullio=yes", -KABI_EINVAL);
	write_expect(d + "control", std::string("rd_pages=1\0x", 12), -KABI_EINVAL);
	write_expect(d + "enable", "1", 0);
	EXPECT_EQ(read(d + "info"),
		  "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 4294967288\n"
		  "        TCM RamDisk ID: 0  RamDisk Makeup: rd_mcp\n"
		  "        PAGES/PAGE_SIZE: 32*4096  SG_table_count: 0  nullio: 1 dummy: 0\n");
	EXPECT_EQ(hostcfs_rmdir(d), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
}

TEST_F(DeviceTree, AttribWrites) {
	make_rd("rd_mcp_1", "rd0", "rd_pages=16");
	const std::string a = C + "rd_mcp_1/rd0/attrib/";
	// Booleans: kstrtobool.
	for (const char *b : {"emulate_fua_write", "emulate_caw", "emulate_3pc", "emulate_pr",
			      "emulate_rsoc", "enforce_pr_isids", "is_nonrot", "emulate_write_cache",
			      "emulate_tas", "force_pr_aptpl", "emulate_model_alias"}) {
		write_expect(a + b, "0\n", 0);
		EXPECT_EQ(read(a + b), "0\n") << b;
		write_expect(a + b, "y", 0);
		EXPECT_EQ(read(a + b), "1\n") << b;
		write_expect(a + b, "off", 0);
		EXPECT_EQ(read(a + b), "0\n") << b;
		write_expect(a + b, "on\n", 0);
		EXPECT_EQ(read(a + b), "1\n") << b;
		write_expect(a + b, "2\n", -KABI_EINVAL);
		write_expect(a + b, "abc", -KABI_EINVAL);
		write_expect(a + b, "o", -KABI_EINVAL);
		EXPECT_EQ(read(a + b), "1\n") << b;
	}
	// Plain numbers: kstrtou32 base 0.
	for (const char *n : {"max_unmap_lba_count", "max_unmap_block_desc_count",
			      "unmap_granularity", "unmap_granularity_alignment", "max_write_same_len"}) {
		write_expect(a + n, "0x10\n", 0);
		EXPECT_EQ(read(a + n), "16\n") << n;
		write_expect(a + n, "4294967296", -KABI_ERANGE);
		write_expect(a + n, "12 ", -KABI_EINVAL);
		write_expect(a + n, "-1", -KABI_EINVAL);
		EXPECT_EQ(read(a + n), "16\n") << n;
		write_expect(a + n, "0", 0);
	}
	// block_size: 512/1024/2048/4096 only.
	write_expect(a + "block_size", "4096\n", 0);
	EXPECT_EQ(read(a + "block_size"), "4096\n");
	write_expect(a + "block_size", "513\n", -KABI_EINVAL);
	write_expect(a + "block_size", "8192", -KABI_EINVAL);
	write_expect(a + "block_size", "0", -KABI_EINVAL);
	EXPECT_EQ(read(a + "block_size"), "4096\n");
	// Ranges.
	write_expect(a + "emulate_ua_intlck_ctrl", "2", 0);
	write_expect(a + "emulate_ua_intlck_ctrl", "3", -KABI_EINVAL);
	EXPECT_EQ(read(a + "emulate_ua_intlck_ctrl"), "2\n");
	write_expect(a + "queue_depth", "0", -KABI_EINVAL);
	write_expect(a + "queue_depth", "129", -KABI_EINVAL);
	write_expect(a + "queue_depth", "64", 0);
	EXPECT_EQ(read(a + "queue_depth"), "64\n");
	write_expect(a + "optimal_sectors", "4294967289", -KABI_EINVAL);
	write_expect(a + "optimal_sectors", "1024", 0);
	EXPECT_EQ(read(a + "optimal_sectors"), "1024\n");
	write_expect(a + "submit_type", "2", 0);
	write_expect(a + "submit_type", "3", -KABI_EINVAL);
	// Features the ramdisk does not have: LIO's ENOSYS.
	write_expect(a + "emulate_tpu", "1", -KABI_ENOSYS);
	write_expect(a + "emulate_tpws", "1", -KABI_ENOSYS);
	write_expect(a + "unmap_zeroes_data", "1", -KABI_ENOSYS);
	write_expect(a + "max_unmap_block_desc_count", "1", 0);
	write_expect(a + "emulate_tpu", "1", 0);
	write_expect(a + "emulate_tpws", "1", 0);
	write_expect(a + "unmap_zeroes_data", "1", 0);
	EXPECT_EQ(read(a + "emulate_tpu"), "1\n");
	write_expect(a + "emulate_rest_reord", "1", -KABI_ENOSYS);
	write_expect(a + "emulate_rest_reord", "0", 0);
	write_expect(a + "alua_support", "0", -KABI_ENOSYS);
	write_expect(a + "alua_support", "1", 0);
	write_expect(a + "pgr_support", "0", -KABI_ENOSYS);
	write_expect(a + "pi_prot_type", "4", -KABI_EINVAL);
	write_expect(a + "pi_prot_format", "1", -KABI_ENODEV); // no type yet
	write_expect(a + "pi_prot_format", "0", 0);
	write_expect(a + "pi_prot_verify", "1", 0); // ignored with a warning, as LIO
	EXPECT_EQ(read(a + "pi_prot_verify"), "0\n");
	// The ramdisk keeps protection information (test_device_pi.cpp has the rest).
	write_expect(a + "pi_prot_type", "1", 0);
	EXPECT_EQ(read(a + "pi_prot_verify"), "1\n");
	write_expect(a + "pi_prot_type", "0", 0);
	EXPECT_EQ(read(a + "pi_prot_verify"), "0\n");
	// Deprecated: anything accepted.
	write_expect(a + "emulate_dpo", "whatever", 0);
	EXPECT_EQ(read(a + "emulate_dpo"), "1\n");
	// emulate_model_alias switches the model between the name and the backend's product.
	write_expect(a + "emulate_model_alias", "0", 0);
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/wwn/product_id"), "RAMDISK-MCP\n");
	write_expect(a + "emulate_model_alias", "1", 0);
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/wwn/product_id"), "rd0\n");
	// pr/ follows emulate_pr.
	write_expect(a + "emulate_pr", "0", 0);
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/pr/res_type"), "SPC_RESERVATIONS_DISABLED\n");
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/pr/res_aptpl_active"), "");
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
}

TEST_F(DeviceTree, WwnWrites) {
	make_rd("rd_mcp_1", "rd0", "rd_pages=16");
	const std::string w = C + "rd_mcp_1/rd0/wwn/";
	write_expect(w + "vendor_id", "ACME\n", 0);
	EXPECT_EQ(read(w + "vendor_id"), "ACME\n");
	write_expect(w + "vendor_id", "12345678\n", 0);
	write_expect(w + "vendor_id", "123456789", -75); // EOVERFLOW
	write_expect(w + "vendor_id", "bad\tx", -KABI_EINVAL);
	EXPECT_EQ(read(w + "vendor_id"), "12345678\n");
	write_expect(w + "product_id", "0123456789abcdef", 0);
	write_expect(w + "product_id", "0123456789abcdefg", -75);
	EXPECT_EQ(read(w + "product_id"), "0123456789abcdef\n");
	write_expect(w + "revision", "9.9\n", 0);
	write_expect(w + "revision", "12345", -75);
	EXPECT_EQ(read(w + "revision"), "9.9\n");
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/statistics/scsi_lu/rev"), "9.9 \n");
	write_expect(w + "company_id", "0x123456", 0);
	EXPECT_EQ(read(w + "company_id"), "0x123456\n");
	write_expect(w + "company_id", "0x1000000", -75);
	write_expect(w + "company_id", "zz", -KABI_EINVAL);
	write_expect(w + "vpd_unit_serial", "a2fa8f04-4bb9-43f0-938d-718526c032fb\n", 0);
	EXPECT_EQ(read(w + "vpd_unit_serial"),
		  "T10 VPD Unit Serial Number: a2fa8f04-4bb9-43f0-938d-718526c032fb\n");
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/statistics/scsi_lu/lu_name"),
		  "a2fa8f04-4bb9-43f0-938d-718526c032fb\n");
	write_expect(w + "vpd_unit_serial", std::string(254, 'x'), -75);
	for (const char *ro : {"vpd_protocol_identifier", "vpd_assoc_logical_unit",
			       "vpd_assoc_target_port", "vpd_assoc_scsi_target_device"}) {
		EXPECT_EQ(mode(w + ro), 0444);
		EXPECT_EQ(hostcfs_write(w + ro, "x"), -KABI_EACCES);
	}
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
}

TEST_F(DeviceTree, DeviceFilesAndAlua) {
	make_rd("rd_mcp_1", "rd0", "rd_pages=16");
	const std::string d = C + "rd_mcp_1/rd0/";
	write_expect(d + "alias", "my disk\n", 0);
	EXPECT_EQ(read(d + "alias"), "my disk\n");
	write_expect(d + "alias", std::string(512, 'a'), -KABI_EINVAL);
	write_expect(d + "udev_path", "/dev/null", 0);
	EXPECT_EQ(read(d + "udev_path"), "/dev/null\n");
	write_expect(d + "lba_map", "1 1\n", -KABI_EINVAL);
	write_expect(d + "alua_lu_gp", "nosuchgroup\n", -KABI_ENODEV);
	write_expect(d + "alua_lu_gp", "NULL\n", 0);
	EXPECT_EQ(read(d + "alua_lu_gp"), "");
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"), "");
	write_expect(d + "alua_lu_gp", "default_lu_gp\n", 0);
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"), "rd_mcp_1/rd0\n");
	const std::string g = d + "alua/default_tg_pt_gp/";
	write_expect(g + "nonop_delay_msecs", "10000", 0);
	write_expect(g + "nonop_delay_msecs", "10001", -KABI_EINVAL);
	EXPECT_EQ(read(g + "nonop_delay_msecs"), "10000\n");
	write_expect(g + "trans_delay_msecs", "30001", -KABI_EINVAL);
	write_expect(g + "implicit_trans_secs", "256", -KABI_EINVAL);
	write_expect(g + "alua_access_type", "1", 0);
	EXPECT_EQ(read(g + "alua_access_type"), "Implicit\n");
	write_expect(g + "alua_access_type", "4", -KABI_EINVAL);
	write_expect(g + "alua_access_status", "2", 0);
	EXPECT_EQ(read(g + "alua_access_status"), "Altered by Implicit ALUA\n");
	write_expect(g + "alua_access_status", "3", -KABI_EINVAL);
	write_expect(g + "alua_support_lba_dependent", "1", 0);
	EXPECT_EQ(read(g + "alua_support_lba_dependent"), "1\n");
	write_expect(g + "alua_support_standby", "2", -KABI_EINVAL);
	write_expect(g + "preferred", "x", -KABI_EINVAL);
	write_expect(g + "tg_pt_gp_id", "5", -KABI_EINVAL);
	EXPECT_EQ(hostcfs_write(g + "members", "x"), -KABI_EACCES);
	// A second device joins too; members lists both.
	make_rd("rd_mcp_1", "rd1", "rd_pages=1,rd_nullio=1");
	EXPECT_EQ(read("target/core/alua/lu_gps/default_lu_gp/members"),
		  "rd_mcp_1/rd0\nrd_mcp_1/rd1\n");
	EXPECT_NE(read(C + "rd_mcp_1/rd1/info").find("TCM RamDisk ID: 1 "), std::string::npos);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd1"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1"), 0);
}

TEST_F(DeviceTree, DbrootBusyWhileDevicesExist) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0"), 0);
	EXPECT_EQ(hostcfs_write("target/dbroot", "/tmp\n"), 0); // an HBA alone is no device
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0/d"), 0);
	write_expect("target/dbroot", "/tmp\n", -KABI_EBUSY);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0/d"), 0);
	EXPECT_EQ(hostcfs_write("target/dbroot", "/tmp\n"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
}

TEST_F(DeviceTree, RamdiskAllocationFreedAtRmdir) {
	int64_t before = kabi_mem_live();
	make_rd("rd_mcp_0", "big", "rd_pages=1030"); // 3 tables of pages
	EXPECT_GE(kabi_mem_live() - before, 1030 + 3 + 1);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0/big"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
	EXPECT_EQ(kabi_mem_live(), before);
	make_rd("rd_mcp_0", "null", "rd_pages=100000,rd_nullio=1");
	EXPECT_LT(kabi_mem_live() - before, 40); // nodes only, no pages
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0/null"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
}

TEST_F(DeviceTree, AllocationFailuresLeaveNothing) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0"), 0);
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_0/d"), 0);
	ASSERT_EQ(hostcfs_write(C + "rd_mcp_0/d/control", "rd_pages=600"), 0);
	int64_t before = kabi_mem_live();
	for (uint64_t n : {1, 2, 3, 300, 601}) {
		kabi_host_mem_fail_nth(n);
		write_expect(C + "rd_mcp_0/d/enable", "1", -KABI_ENOMEM);
		EXPECT_EQ(kabi_mem_live(), before) << n;
		kabi_host_mem_fail_nth(0);
	}
	EXPECT_EQ(read(C + "rd_mcp_0/d/enable"), "0\n");
	EXPECT_EQ(hostcfs_write(C + "rd_mcp_0/d/enable", "1"), 0);
	// mkdir of a device failing at each directory allocation leaves nothing.
	for (uint64_t n = 1; n <= 11; n++) { // the device and its 10 default groups
		int64_t live = kabi_mem_live();
		size_t groups = hostcfs_live_groups();
		hostcfs_fail_nth_group_alloc(n);
		EXPECT_EQ(hostcfs_mkdir(C + "rd_mcp_0/e"), -KABI_ENOMEM) << n;
		EXPECT_EQ(kabi_mem_live(), live) << n;
		EXPECT_EQ(hostcfs_live_groups(), groups) << n;
	}
	hostcfs_fail_nth_group_alloc(0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0/d"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_0"), 0);
}

TEST_F(DeviceTree, ExitWithDevicesLeftTearsDown) {
	make_rd("rd_mcp_3", "a", "rd_pages=4");
	make_rd("rd_mcp_3", "b", "rd_pages=4,rd_nullio=1");
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_3/c"), 0);
	// TearDown's exit destroys the tree with them in it; LeakCheck proves it all went.
}

} // namespace

// ---- persistent reservations ----

namespace {

class DeviceTreePr : public DeviceTree {};

// rtslib restores APTPL registrations by writing each record of dbroot/pr/aptpl_<serial>
// to res_aptpl_metadata (joined with ','); the pr/ files then show them in LIO's formats.
TEST_F(DeviceTreePr, AptplMetadataRestoresAndShows) {
	make_rd("rd_mcp_1", "rd0", "rd_pages=16");
	const std::string d = C + "rd_mcp_1/rd0/pr/";
	write_expect(d + "res_aptpl_metadata",
		     "PR_REG_START:,0,initiator_fabric=iSCSI,initiator_node=iqn.2003-01.org.x:a,"
		     "initiator_sid=23d000000001,sa_res_key=170,res_holder=0,res_all_tg_pt=0,"
		     "mapped_lun=0,target_fabric=iSCSI,target_node=iqn.2003-01.org.t:1,tpgt=1,"
		     "port_rtpi=1,target_lun=0",
		     0);
	write_expect(d + "res_aptpl_metadata",
		     "initiator_fabric=iSCSI,initiator_node=iqn.2003-01.org.x:b,sa_res_key=187,"
		     "res_holder=1,res_type=1,res_scope=0,res_all_tg_pt=1,mapped_lun=0,"
		     "target_fabric=iSCSI,target_node=iqn.2003-01.org.t:1,tpgt=1,port_rtpi=1,"
		     "target_lun=3",
		     0);
	EXPECT_EQ(read(d + "res_pr_registered_i_pts"),
		  "SPC-3 PR Registrations:\n"
		  "iSCSI Node: iqn.2003-01.org.x:a,i,0x23d000000001 Key: 0x00000000000000aa "
		  "PRgen: 0x00000000\n"
		  "iSCSI Node: iqn.2003-01.org.x:b Key: 0x00000000000000bb PRgen: 0x00000000\n");
	EXPECT_EQ(read(d + "res_holder"), "SPC-3 Reservation: iSCSI Initiator: iqn.2003-01.org.x:b\n");
	EXPECT_EQ(read(d + "res_pr_type"), "SPC-3 Reservation Type: Write Exclusive Access\n");
	EXPECT_EQ(read(d + "res_pr_all_tgt_pts"),
		  "SPC-3 Reservation: All Target Ports registration\n");
	EXPECT_EQ(read(d + "res_pr_holder_tg_port"),
		  "SPC-3 Reservation: iSCSI Target Node Endpoint: iqn.2003-01.org.t:1\n"
		  "SPC-3 Reservation: Relative Port Identifier Tag: 0 iSCSI Portal Group Tag: 1 "
		  "iSCSI Logical Unit: 3\n");
	EXPECT_EQ(read(d + "res_aptpl_active"), "APTPL Bit Status: Activated\n");
	EXPECT_EQ(read(d + "res_type"), "SPC3_PERSISTENT_RESERVATIONS\n");
	EXPECT_EQ(read(d + "res_pr_generation"), "0x00000000\n");
	// Bad records: EINVAL with one log line; a second holder is refused too.
	write_expect(d + "res_aptpl_metadata", "initiator_node=iqn.x:c,sa_res_key=5", -KABI_EINVAL);
	write_expect(d + "res_aptpl_metadata",
		     "initiator_node=iqn.x:c,sa_res_key=5,target_node=iqn.t:1,res_holder=1,"
		     "res_type=3",
		     -KABI_EINVAL);
	write_expect(d + "res_aptpl_metadata", "garbage", -KABI_EINVAL);
}

TEST_F(DeviceTreePr, AptplMetadataNeedsAnEnabledDeviceAndIsIgnoredWithoutEmulation) {
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1"), 0);
	ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1/rd0"), 0);
	const std::string rec = "initiator_node=iqn.x:a,sa_res_key=5,target_node=iqn.t:1,tpgt=1";
	write_expect(C + "rd_mcp_1/rd0/pr/res_aptpl_metadata", rec, -KABI_EINVAL);
	make_rd("rd_mcp_1", "rd1", "rd_pages=16");
	ASSERT_EQ(hostcfs_write(C + "rd_mcp_1/rd1/attrib/emulate_pr", "0\n"), 0);
	write_expect(C + "rd_mcp_1/rd1/pr/res_aptpl_metadata", rec, 0);
	ASSERT_EQ(hostcfs_write(C + "rd_mcp_1/rd1/attrib/emulate_pr", "1\n"), 0);
	EXPECT_EQ(read(C + "rd_mcp_1/rd1/pr/res_pr_registered_i_pts"),
		  "SPC-3 PR Registrations:\nNone\n");
}

} // namespace
