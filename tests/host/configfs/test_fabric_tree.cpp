// SPDX-License-Identifier: GPL-2.0
/*
 * The generic fabric tree (configfs/fabric_tree.cpp, configfs/fabric_lun.cpp) over the host's
 * in-memory configfs, with test fabrics: a loopback-like one (tcm_loop's files) and an
 * iSCSI-like one (enable, ACL files). Checks the tree against stock LIO 6.12's
 * (tests/reference: ../shared/reference/lio-6.12/configfs-tree.txt), mkdir name rules, the
 * LUN -> device and mapped LUN -> LUN links with LIO's errnos, export_count and device rmdir,
 * LUN lookups for sessions, LUN in-flight draining and fabric (un)registration.
 */
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/fabric.h"
#include "core/fabric_registry.h"
#include "core/lun.h"
#include "core/tpg.h"
#include "host_test_api.h"
#include "hostcfs.h"
#include "kabi/log.h"
#include "kabi/modules.h"
#include "target_fixture.h"
#include "test_support.h"

namespace {

using namespace lio;
using core::Fabric;
using core::FabricAcl;
using core::FabricAttr;
using core::FabricAttrs;
using core::FabricNp;
using core::FabricTpg;
using core::FabricWwn;

// ---------------------------------------------------------------- test fabrics

class TestWwn final : public FabricWwn {};
class TestNp final : public FabricNp {};
class TestAcl final : public FabricAcl {
  public:
	std::string userid;
};

class TestTpg final : public FabricTpg {
  public:
	std::vector<std::string> *events = nullptr;
	Result<void> set_enabled(bool e) override {
		if (events)
			events->push_back(e ? "enable" : "disable");
		return {};
	}
	void shutdown() override {
		if (events)
			events->push_back("shutdown");
	}
	void lun_linked(u64 lun) override {
		if (events)
			events->push_back("linked " + std::to_string(lun));
	}
	void lun_unlinking(u64 lun) override {
		if (events)
			events->push_back("unlinking " + std::to_string(lun));
	}
};

s64 put(MutableBytes out, const char *s) {
	return kabi_snprintf(reinterpret_cast<char *>(out.data()), out.size(), "%s", s);
}

// tcm_loop's files.
const FabricAttr<Fabric> kLoopRoot[] = {
    {"version", 0444,
     [](Fabric &, MutableBytes out) { return put(out, "TCM Loopback Fabric module v2.1-rc2\n"); },
     nullptr}};
const FabricAttr<FabricTpg> kLoopTpg[] = {
    {"nexus", 0644, [](FabricTpg &, MutableBytes) -> s64 { return 0; },
     [](FabricTpg &, StrView) -> Result<void> { return {}; }},
    {"address", 0444, [](FabricTpg &, MutableBytes out) { return put(out, "1:0:1\n"); },
     nullptr},
    {"transport_status", 0644, [](FabricTpg &, MutableBytes out) { return put(out, "online\n"); },
     [](FabricTpg &, StrView) -> Result<void> { return {}; }}};
const FabricAttr<FabricTpg> kLoopTpgAttrib[] = {
    {"fabric_prot_type", 0644, [](FabricTpg &, MutableBytes out) { return put(out, "0\n"); },
     [](FabricTpg &, StrView) -> Result<void> { return {}; }}};

class LoopFabric final : public Fabric {
  public:
	LoopFabric() {
		attrs_.fabric_root = kLoopRoot;
		attrs_.tpg = kLoopTpg;
		attrs_.tpg_attrib = kLoopTpgAttrib;
	}
	const char *name() const override { return name_; }
	core::ProtocolId protocol_id() const override { return core::ProtocolId::kSas; }
	const FabricAttrs &attrs() const override { return attrs_; }
	Result<OwnPtr<FabricWwn>> make_wwn(StrView name) override {
		if (!starts_with(name, str_view("naa.")))
			return Error::from_errno(KABI_EINVAL);
		return OwnPtr<FabricWwn>(make<TestWwn>(Gfp::Kernel));
	}
	Result<OwnPtr<FabricTpg>> make_tpg(FabricWwn &, u16) override {
		OwnPtr<TestTpg> t = make<TestTpg>(Gfp::Kernel);
		t->events = &events;
		tpgs.push_back(t.get());
		return OwnPtr<FabricTpg>(move(t));
	}
	Result<OwnPtr<FabricAcl>> make_acl(FabricTpg &, StrView initiator) override {
		if (initiator.size() == 0 || initiator.data()[0] == '-')
			return Error::from_errno(KABI_EINVAL);
		return OwnPtr<FabricAcl>(make<TestAcl>(Gfp::Kernel));
	}
	bool default_generate_node_acls() const override { return true; }
	bool default_demo_mode_write_protect() const override { return false; }

	const char *name_ = "loopback";
	FabricAttrs attrs_;
	std::vector<std::string> events;
	std::vector<TestTpg *> tpgs; // in creation order (tests keep them alive)
};

// iSCSI-like: enable, np, ACL files.
const FabricAttr<FabricAcl> kIscsiAclAuth[] = {
    {"userid", 0644,
     [](FabricAcl &a, MutableBytes out) -> s64 {
	     return kabi_snprintf(reinterpret_cast<char *>(out.data()), out.size(), "%s\n",
				  static_cast<TestAcl &>(a).userid.c_str());
     },
     [](FabricAcl &a, StrView v) -> Result<void> {
	     static_cast<TestAcl &>(a).userid.assign(v.data(), v.size());
	     return {};
     }},
    {"authenticate_target", 0444, [](FabricAcl &, MutableBytes out) { return put(out, "0\n"); },
     nullptr}};
const FabricAttr<core::FabricNp> kIscsiNp[] = {
    {"iser", 0644, [](core::FabricNp &, MutableBytes out) { return put(out, "0\n"); },
     [](core::FabricNp &, StrView) -> Result<void> { return {}; }}};

class IscsiFabric final : public Fabric {
  public:
	IscsiFabric() {
		attrs_.acl_auth = kIscsiAclAuth;
		attrs_.np = kIscsiNp;
	}
	const char *name() const override { return "iscsi"; }
	const char *fabric_name() const override { return "iSCSI"; }
	u32 default_submit_type() const override { return 1; }
	bool direct_submit_supported() const override { return true; }
	core::ProtocolId protocol_id() const override { return core::ProtocolId::kIscsi; }
	const FabricAttrs &attrs() const override { return attrs_; }
	bool has_tpg_enable() const override { return true; }
	Result<OwnPtr<FabricWwn>> make_wwn(StrView) override {
		return OwnPtr<FabricWwn>(make<TestWwn>(Gfp::Kernel));
	}
	Result<OwnPtr<FabricTpg>> make_tpg(FabricWwn &, u16) override {
		OwnPtr<TestTpg> t = make<TestTpg>(Gfp::Kernel);
		t->events = &events;
		return OwnPtr<FabricTpg>(move(t));
	}
	Result<OwnPtr<core::FabricNp>> make_np(FabricTpg &, StrView) override {
		return OwnPtr<core::FabricNp>(make<TestNp>(Gfp::Kernel));
	}
	Result<OwnPtr<FabricAcl>> make_acl(FabricTpg &, StrView) override {
		return OwnPtr<FabricAcl>(make<TestAcl>(Gfp::Kernel));
	}

	FabricAttrs attrs_;
	std::vector<std::string> events;
};

lio_fabric *as_c(Fabric &f) { return reinterpret_cast<lio_fabric *>(&f); }

const std::string T = "target/";
const std::string W = T + "loopback/naa.5001405abcdef012";
const std::string TP = W + "/tpgt_1";

class FabricTree : public TargetCoreTest {
  protected:
	void SetUp() override {
		TargetCoreTest::SetUp();
		ASSERT_EQ(kabi_fabric_register(as_c(loop_), nullptr), 0);
		ASSERT_EQ(kabi_fabric_register(as_c(iscsi_), nullptr), 0);
		kabi_host_log_clear();
	}
	void TearDown() override {
		// As the kernel forces: every directory of a fabric is gone before its module
		// unregisters.
		for (const char *f : {"loopback", "iscsi"})
			if (hostcfs_exists(T + f))
				teardown(T + f);
		kabi_fabric_unregister(as_c(loop_));
		kabi_fabric_unregister(as_c(iscsi_));
		EXPECT_EQ(core::fabric_count(), 0u);
		for (const char *d : {"rd_mcp_1/rd0", "rd_mcp_1/rd1", "rd_mcp_1"})
			if (hostcfs_exists(C + d)) {
				EXPECT_EQ(hostcfs_rmdir(C + d), 0) << d;
			}
		TargetCoreTest::TearDown();
	}

	// Removes what a user made below path (links first, then directories, deepest first).
	void teardown(const std::string &path) {
		std::vector<std::string> names;
		if (hostcfs_list(path, &names) != 0)
			return;
		for (auto &n : names) {
			std::string p = path + "/" + n;
			uint16_t m = 0;
			if (hostcfs_mode(p, &m) == 0 && m == 0777) {
				EXPECT_EQ(hostcfs_unlink(p), 0) << p;
			}
		}
		for (auto &n : names) {
			std::string p = path + "/" + n;
			uint16_t m = 0;
			if (hostcfs_mode(p, &m) == 0 && m == 0755)
				teardown(p);
		}
		for (auto &n : names) {
			std::string p = path + "/" + n;
			uint16_t m = 0;
			if (hostcfs_mode(p, &m) == 0 && m == 0755)
				(void)hostcfs_rmdir(p); // default groups refuse: fine
		}
		(void)hostcfs_rmdir(path);
	}

	void make_rd(const std::string &dev, bool enable = true) {
		if (!hostcfs_exists(C + "rd_mcp_1")) {
			ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1"), 0);
		}
		ASSERT_EQ(hostcfs_mkdir(C + "rd_mcp_1/" + dev), 0);
		ASSERT_EQ(hostcfs_write(C + "rd_mcp_1/" + dev + "/control", "rd_pages=32\n"), 0);
		if (enable) {
			ASSERT_EQ(hostcfs_write(C + "rd_mcp_1/" + dev + "/enable", "1\n"), 0);
		}
	}

	void make_loop_lun0() {
		make_rd("rd0");
		ASSERT_EQ(hostcfs_mkdir(T + "loopback"), 0);
		ASSERT_EQ(hostcfs_mkdir(W), 0);
		ASSERT_EQ(hostcfs_mkdir(TP), 0);
		ASSERT_EQ(hostcfs_mkdir(TP + "/lun/lun_0"), 0);
		ASSERT_EQ(hostcfs_symlink(C + "rd_mcp_1/rd0", TP + "/lun/lun_0/link"), 0);
	}

	// Expects err and, for a refusal, exactly one error line in the log.
	void expect_one_err(int got, int err, const std::string &what) {
		EXPECT_EQ(got, err) << what;
		std::vector<std::string> lines = kabi_host_log_take();
		int errs = 0;
		for (auto &l : lines)
			errs += l.rfind("err: ", 0) == 0;
		if (err != 0) {
			EXPECT_EQ(errs, 1) << what;
		}
	}

	void walk(const std::string &base, const std::string &rel, std::vector<std::string> *out) {
		std::vector<std::string> names;
		ASSERT_EQ(hostcfs_list(base + rel, &names), 0) << rel;
		for (auto &n : names) {
			std::string r = rel + "/" + n;
			uint16_t m = 0;
			ASSERT_EQ(hostcfs_mode(base + r, &m), 0);
			char line[512];
			std::vector<std::string> dummy;
			if (m == 0777) {
				snprintf(line, sizeof(line), "l %s 777", r.c_str() + 1);
				out->push_back(line);
			} else if (hostcfs_list(base + r, &dummy) == 0) {
				snprintf(line, sizeof(line), "d %s %o", r.c_str() + 1, m);
				out->push_back(line);
				walk(base, r, out);
			} else {
				snprintf(line, sizeof(line), "f %s %o", r.c_str() + 1, m);
				out->push_back(line);
			}
		}
	}

	// The core's TPG behind the n-th TPG the loopback fabric made.
	core::Tpg *loop_tpg(size_t n) {
		if (n >= loop_.tpgs.size())
			return nullptr;
		return static_cast<core::Tpg *>(loop_.tpgs[n]->port());
	}

	const std::string C = "target/core/";
	LoopFabric loop_;
	IscsiFabric iscsi_;
};

// The reference's loopback tree (6.12, lun_0 only; the symlink's name is the user's).
const char *const kLoopbackReference[] = {
    "d loopback 755",
    "d loopback/discovery_auth 755",
    "d loopback/W 755",
    "d loopback/W/fabric_statistics 755",
    "d loopback/W/param 755",
    "f loopback/W/param/cmd_completion_affinity 644",
    "f loopback/W/param/default_submit_type 444",
    "f loopback/W/param/direct_submit_supported 444",
    "d loopback/W/tpgt_1 755",
    "d loopback/W/tpgt_1/acls 755",
    "f loopback/W/tpgt_1/address 444",
    "d loopback/W/tpgt_1/attrib 755",
    "f loopback/W/tpgt_1/attrib/fabric_prot_type 644",
    "d loopback/W/tpgt_1/auth 755",
    "d loopback/W/tpgt_1/lun 755",
    "d loopback/W/tpgt_1/lun/lun_0 755",
    "f loopback/W/tpgt_1/lun/lun_0/alua_tg_pt_gp 644",
    "f loopback/W/tpgt_1/lun/lun_0/alua_tg_pt_offline 644",
    "f loopback/W/tpgt_1/lun/lun_0/alua_tg_pt_status 644",
    "f loopback/W/tpgt_1/lun/lun_0/alua_tg_pt_write_md 644",
    "l loopback/W/tpgt_1/lun/lun_0/link 777",
    "d loopback/W/tpgt_1/lun/lun_0/statistics 755",
    "d loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port 755",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port/busy_count 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port/dev 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port/indx 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port/inst 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_port/role 444",
    "d loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port 755",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/dev 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/hs_in_cmds 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/in_cmds 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/indx 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/inst 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/name 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/port_index 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/read_mbytes 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_tgt_port/write_mbytes 444",
    "d loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport 755",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport/dev_name 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport/device 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport/indx 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport/inst 444",
    "f loopback/W/tpgt_1/lun/lun_0/statistics/scsi_transport/proto_id 444",
    "f loopback/W/tpgt_1/nexus 644",
    "d loopback/W/tpgt_1/np 755",
    "d loopback/W/tpgt_1/param 755",
    "f loopback/W/tpgt_1/rtpi 644",
    "f loopback/W/tpgt_1/transport_status 644",
    "f loopback/version 444",
};

TEST_F(FabricTree, LoopbackTreeMatchesStockLio) {
	make_loop_lun0();
	std::vector<std::string> got;
	// Walk from target/loopback, with the WWN renamed as in the table.
	std::vector<std::string> raw;
	walk(T, "/loopback", &raw);
	got.push_back("d loopback 755");
	for (auto &l : raw) {
		std::string s = l;
		size_t p = s.find("naa.5001405abcdef012");
		if (p != std::string::npos)
			s.replace(p, 20, "W");
		got.push_back(s);
	}
	std::set<std::string> want(std::begin(kLoopbackReference), std::end(kLoopbackReference));
	std::set<std::string> have(got.begin(), got.end());
	for (auto &w : want)
		EXPECT_TRUE(have.count(w)) << "missing: " << w;
	for (auto &h : have)
		EXPECT_TRUE(want.count(h)) << "extra: " << h;
}

TEST_F(FabricTree, DefaultsAndFormatsFollowLio) {
	make_loop_lun0();
	EXPECT_EQ(read(T + "loopback/version"), "TCM Loopback Fabric module v2.1-rc2\n");
	EXPECT_EQ(read(W + "/param/cmd_completion_affinity"), "-1\n");
	EXPECT_EQ(read(W + "/param/default_submit_type"), "2\n");
	EXPECT_EQ(read(W + "/param/direct_submit_supported"), "0\n");
	EXPECT_EQ(read(TP + "/rtpi"), "0x0\n");
	EXPECT_EQ(read(TP + "/address"), "1:0:1\n");
	const std::string L = TP + "/lun/lun_0/";
	EXPECT_EQ(read(L + "alua_tg_pt_gp"),
		  "TG Port Alias: default_tg_pt_gp\nTG Port Group ID: 0\nTG Port Primary Access "
		  "State: Active/Optimized\nTG Port Primary Access Status: None\nTG Port Secondary "
		  "Access State: None\nTG Port Secondary Access Status: None\n");
	EXPECT_EQ(read(L + "alua_tg_pt_offline"), "0\n");
	EXPECT_EQ(read(L + "alua_tg_pt_status"), "0\n");
	EXPECT_EQ(read(L + "alua_tg_pt_write_md"), "0\n");
	std::string idx = read(C + "rd_mcp_1/rd0/statistics/scsi_dev/indx");
	std::string inst = read(C + "rd_mcp_1/rd0/statistics/scsi_dev/inst");
	const std::string S = L + "statistics/";
	EXPECT_EQ(read(S + "scsi_port/inst"), inst);
	EXPECT_EQ(read(S + "scsi_port/dev"), idx);
	EXPECT_EQ(read(S + "scsi_port/indx"), "0\n");
	EXPECT_EQ(read(S + "scsi_port/role"), "Device" + idx);
	EXPECT_EQ(read(S + "scsi_port/busy_count"), "0\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/name"), "loopbackPort#0\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/port_index"), "naa.5001405abcdef012+t+1\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/in_cmds"), "0\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/read_mbytes"), "0\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/write_mbytes"), "0\n");
	EXPECT_EQ(read(S + "scsi_tgt_port/hs_in_cmds"), "0\n");
	EXPECT_EQ(read(S + "scsi_transport/device"), "scsiTransportloopback\n");
	EXPECT_EQ(read(S + "scsi_transport/indx"), "1\n");
	EXPECT_EQ(read(S + "scsi_transport/proto_id"), "6\n");
	EXPECT_EQ(read(S + "scsi_transport/dev_name"), "naa.5001405abcdef012+LIO-ORG\n");
	// The device counts the export (LIO's info and MIB).
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/statistics/scsi_dev/ports"), "1\n");
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/info").rfind("Status: ACTIVATED", 0), 0u);
	EXPECT_EQ(loop_.events, (std::vector<std::string>{"linked 0"}));
}

TEST_F(FabricTree, WritesAreValidated) {
	make_loop_lun0();
	const std::string L = TP + "/lun/lun_0/";
	expect_one_err(hostcfs_write(W + "/param/cmd_completion_affinity", "x\n"), -KABI_EINVAL,
		       "affinity x");
	expect_one_err(hostcfs_write(W + "/param/cmd_completion_affinity", "-2\n"), 0, "-2");
	EXPECT_EQ(read(W + "/param/cmd_completion_affinity"), "-2\n");
	EXPECT_EQ(hostcfs_write(W + "/param/default_submit_type", "1\n"), -KABI_EACCES);
	expect_one_err(hostcfs_write(L + "alua_tg_pt_offline", "2\n"), -KABI_EINVAL, "offline 2");
	expect_one_err(hostcfs_write(L + "alua_tg_pt_offline", "1\n"), 0, "offline 1");
	expect_one_err(hostcfs_write(L + "alua_tg_pt_status", "3\n"), -KABI_EINVAL, "status 3");
	expect_one_err(hostcfs_write(L + "alua_tg_pt_status", "2\n"), 0, "status 2");
	EXPECT_NE(read(L + "alua_tg_pt_gp").find("Secondary Access State: Offline\nTG Port "
						 "Secondary Access Status: Altered by Implicit ALUA"),
		  std::string::npos);
	expect_one_err(hostcfs_write(L + "alua_tg_pt_write_md", "abc\n"), -KABI_EINVAL, "md");
	expect_one_err(hostcfs_write(L + "alua_tg_pt_gp", "other_gp\n"), -KABI_ENODEV, "gp");
	expect_one_err(hostcfs_write(L + "alua_tg_pt_gp", "default_tg_pt_gp\n"), 0, "gp default");
	expect_one_err(hostcfs_write(TP + "/rtpi", "0\n"), -KABI_EINVAL, "rtpi 0");
	expect_one_err(hostcfs_write(TP + "/rtpi", "zz\n"), -KABI_EINVAL, "rtpi zz");
	expect_one_err(hostcfs_write(TP + "/rtpi", "0x12\n"), 0, "rtpi 0x12");
	EXPECT_EQ(read(TP + "/rtpi"), "0x12\n");
	EXPECT_EQ(read(L + "statistics/scsi_tgt_port/name"), "loopbackPort#18\n");
	// Unlinked: LIO's files of a LUN without a device say ENODEV.
	ASSERT_EQ(hostcfs_unlink(L + "link"), 0);
	std::string out;
	EXPECT_EQ(hostcfs_read(L + "alua_tg_pt_offline", &out), -KABI_ENODEV);
	EXPECT_EQ(hostcfs_read(L + "statistics/scsi_port/inst", &out), -KABI_ENODEV);
	EXPECT_EQ(hostcfs_write(L + "alua_tg_pt_offline", "0\n"), -KABI_ENODEV);
}

TEST_F(FabricTree, MalformedNamesAreRefused) {
	ASSERT_EQ(hostcfs_mkdir(T + "loopback"), 0);
	expect_one_err(hostcfs_mkdir(T + "nosuchfabric"), -KABI_EINVAL, "unknown fabric");
	EXPECT_EQ(hostcfs_mkdir(T + "loopback/iqn.bad"), -KABI_EINVAL); // the fabric's rule
	ASSERT_EQ(hostcfs_mkdir(W), 0);
	for (const char *bad : {"tpgt_0", "tpgt_65536", "tpgt_x", "tpgt_", "tpgt_-1", "tpg_1",
				"tpgt_1x", "tpgt_0x1"})
		expect_one_err(hostcfs_mkdir(W + "/" + bad), -KABI_EINVAL, bad);
	EXPECT_EQ(hostcfs_mkdir(W + "/tpgt_65535"), 0);
	ASSERT_EQ(hostcfs_mkdir(TP), 0);
	for (const char *bad : {"lun_abc", "lun_65536", "lun_", "lun_-1", "lun0", "LUN_1",
				"lun_99999999999999999999"})
		expect_one_err(hostcfs_mkdir(TP + "/lun/" + bad), -KABI_EINVAL, bad);
	EXPECT_EQ(hostcfs_mkdir(TP + "/lun/lun_65535"), 0);
	EXPECT_EQ(hostcfs_mkdir(TP + "/lun/lun_0x10"), 0);     // kstrtoull base 0
	expect_one_err(hostcfs_mkdir(TP + "/lun/lun_16"), -KABI_EEXIST, "same number");
	ASSERT_EQ(hostcfs_mkdir(TP + "/acls/iqn.1994-05.com.redhat:client1"), 0);
	const std::string A = TP + "/acls/iqn.1994-05.com.redhat:client1";
	for (const char *bad : {"lun_x", "lun_65536", "foo"})
		expect_one_err(hostcfs_mkdir(A + "/" + bad), -KABI_EINVAL, bad);
	ASSERT_EQ(hostcfs_mkdir(A + "/lun_1"), 0);
	expect_one_err(hostcfs_mkdir(A + "/lun_0x1"), -KABI_EEXIST, "mapped twice");
	EXPECT_EQ(hostcfs_mkdir(TP + "/acls/-bad"), -KABI_EINVAL); // the fabric's rule
	expect_one_err(hostcfs_mkdir(TP + "/acls/" + std::string(224, 'a')), -KABI_EINVAL,
		       "long acl");
	EXPECT_EQ(hostcfs_mkdir(TP + "/np/0.0.0.0:3260"), -KABI_EPERM); // no portals
}

TEST_F(FabricTree, DeviceLinkRules) {
	make_rd("rd0");
	make_rd("rd1", false);
	ASSERT_EQ(hostcfs_mkdir(T + "loopback"), 0);
	ASSERT_EQ(hostcfs_mkdir(W), 0);
	ASSERT_EQ(hostcfs_mkdir(TP), 0);
	ASSERT_EQ(hostcfs_mkdir(TP + "/lun/lun_0"), 0);
	const std::string L = TP + "/lun/lun_0/";
	expect_one_err(hostcfs_symlink(T + "core/alua", L + "x"), -KABI_EFAULT, "not a device");
	expect_one_err(hostcfs_symlink(C + "rd_mcp_1/rd1", L + "x"), -KABI_ENODEV, "disabled");
	expect_one_err(hostcfs_symlink(C + "rd_mcp_1/rd0", L + "x"), 0, "first");
	expect_one_err(hostcfs_symlink(C + "rd_mcp_1/rd0", L + "y"), -KABI_EEXIST, "second");
	// The device cannot go or change its exported geometry while exported.
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), -KABI_EBUSY);
	EXPECT_EQ(hostcfs_write(C + "rd_mcp_1/rd0/attrib/block_size", "4096\n"), -KABI_EINVAL);
	// The LUN cannot go while linked.
	EXPECT_EQ(hostcfs_rmdir(TP + "/lun/lun_0"), -KABI_ENOTEMPTY);
	ASSERT_EQ(hostcfs_unlink(L + "x"), 0);
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/statistics/scsi_dev/ports"), "0\n");
	EXPECT_EQ(hostcfs_rmdir(TP + "/lun/lun_0"), 0);
	EXPECT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd0"), 0);
	EXPECT_EQ(loop_.events, (std::vector<std::string>{"linked 0", "unlinking 0"}));
}

TEST_F(FabricTree, MappedLunsAndLookups) {
	make_loop_lun0();
	make_rd("rd1");
	ASSERT_EQ(hostcfs_mkdir(TP + "/lun/lun_5"), 0);
	ASSERT_EQ(hostcfs_symlink(C + "rd_mcp_1/rd1", TP + "/lun/lun_5/l"), 0);
	ASSERT_EQ(hostcfs_mkdir(W + "/tpgt_2"), 0);
	ASSERT_EQ(hostcfs_mkdir(W + "/tpgt_2/lun/lun_0"), 0);
	ASSERT_EQ(hostcfs_symlink(C + "rd_mcp_1/rd1", W + "/tpgt_2/lun/lun_0/l"), 0);
	const std::string A = TP + "/acls/iqn.1994-05.com.redhat:client1";
	ASSERT_EQ(hostcfs_mkdir(A), 0);
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list(A, &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"attrib", "auth", "fabric_statistics", "param"}));
	ASSERT_EQ(hostcfs_mkdir(A + "/lun_3"), 0);
	ASSERT_EQ(hostcfs_list(A + "/lun_3", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"statistics", "write_protect"}));
	EXPECT_EQ(mode(A + "/lun_3/write_protect"), 0644);
	ASSERT_EQ(hostcfs_list(A + "/lun_3/statistics", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"scsi_att_intr_port", "scsi_auth_intr"}));
	ASSERT_EQ(hostcfs_list(A + "/lun_3/statistics/scsi_auth_intr", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"att_count", "creation_time", "dev",
						   "dev_or_port", "hs_num_cmds", "indx", "inst",
						   "intr_name", "map_indx", "num_cmds", "port",
						   "read_mbytes", "row_status", "write_mbytes"}));
	ASSERT_EQ(hostcfs_list(A + "/lun_3/statistics/scsi_att_intr_port", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"dev", "indx", "inst", "port", "port_auth_indx",
						   "port_ident"}));
	EXPECT_EQ(read(A + "/lun_3/write_protect"), ""); // not mapped yet
	expect_one_err(hostcfs_symlink(W + "/tpgt_2/lun/lun_0", A + "/lun_3/x"), -KABI_EINVAL,
		       "other tpg");
	expect_one_err(hostcfs_symlink(C + "rd_mcp_1/rd1", A + "/lun_3/x"), -KABI_EFAULT,
		       "not a lun");
	expect_one_err(hostcfs_symlink(TP + "/lun/lun_5", A + "/lun_3/x"), 0, "same tpg");
	expect_one_err(hostcfs_symlink(TP + "/lun/lun_0", A + "/lun_3/y"), -KABI_EEXIST, "twice");
	EXPECT_EQ(read(A + "/lun_3/write_protect"), "0\n");
	EXPECT_EQ(read(A + "/lun_3/statistics/scsi_auth_intr/intr_name"),
		  "iqn.1994-05.com.redhat:client1\n");
	EXPECT_EQ(read(A + "/lun_3/statistics/scsi_auth_intr/row_status"), "Ready\n");
	EXPECT_EQ(read(A + "/lun_3/statistics/scsi_auth_intr/port"), "1\n");
	EXPECT_EQ(read(A + "/lun_3/statistics/scsi_auth_intr/dev"),
		  read(C + "rd_mcp_1/rd1/statistics/scsi_dev/indx"));
	std::string out;
	EXPECT_EQ(hostcfs_read(A + "/lun_3/statistics/scsi_att_intr_port/port_ident", &out),
		  -KABI_ENODEV); // no session
	// The LUN a mapping points at cannot go.
	EXPECT_EQ(hostcfs_rmdir(TP + "/lun/lun_5"), -KABI_EBUSY);
	ASSERT_EQ(hostcfs_unlink(TP + "/lun/lun_5/l"), 0);
	EXPECT_EQ(hostcfs_rmdir(TP + "/lun/lun_5"), -KABI_EBUSY);
	ASSERT_EQ(hostcfs_symlink(C + "rd_mcp_1/rd1", TP + "/lun/lun_5/l"), 0);

	expect_one_err(hostcfs_write(A + "/lun_3/write_protect", "2\n"), -KABI_EINVAL, "wp 2");
	expect_one_err(hostcfs_write(A + "/lun_3/write_protect", "1\n"), 0, "wp 1");
	EXPECT_EQ(read(A + "/lun_3/write_protect"), "1\n");

	// Lookups as the session code makes them.
	RefPtr<core::NodeAcl> acl;
	struct Collect final : scsi::LunVisitor {
		std::vector<u64> luns;
		void visit(u64 l) override { luns.push_back(l); }
	};
	core::Tpg *tpg = loop_tpg(0); // the fabric's port is the core's TPG
	ASSERT_NE(tpg, nullptr);
	acl = tpg->find_acl(str_view("iqn.1994-05.com.redhat:client1"));
	ASSERT_TRUE(acl);
	bool ro = false;
	RefPtr<core::Lun> lun = tpg->lookup_lun_for(acl.get(), 3, &ro);
	ASSERT_TRUE(lun);
	EXPECT_EQ(lun->number(), 5u);
	EXPECT_TRUE(ro);
	EXPECT_FALSE(tpg->lookup_lun_for(acl.get(), 5, &ro));
	Collect c;
	tpg->for_each_lun_for(acl.get(), c);
	EXPECT_EQ(c.luns, (std::vector<u64>{3}));
	// Demo mode (tcm_loop: generate_node_acls, no write protect): every TPG LUN.
	Collect d;
	tpg->for_each_lun_for(nullptr, d);
	EXPECT_EQ(d.luns, (std::vector<u64>{0, 5}));
	lun = tpg->lookup_lun_for(nullptr, 0, &ro);
	ASSERT_TRUE(lun);
	EXPECT_FALSE(ro);
	EXPECT_TRUE(lun->get_io());
	lun->count_command(3 << 20, 1 << 20);
	lun->put_io();
	EXPECT_EQ(read(TP + "/lun/lun_0/statistics/scsi_tgt_port/in_cmds"), "1\n");
	EXPECT_EQ(read(TP + "/lun/lun_0/statistics/scsi_tgt_port/read_mbytes"), "3\n");
	EXPECT_EQ(read(TP + "/lun/lun_0/statistics/scsi_tgt_port/write_mbytes"), "1\n");
	core::TpgDemoMode m = tpg->demo_mode();
	m.generate_node_acls = false;
	tpg->set_demo_mode(m);
	EXPECT_FALSE(tpg->lookup_lun_for(nullptr, 0, &ro));
	lun = nullptr;
	acl = nullptr;
	// rmdir of the ACL with its mapping gone.
	ASSERT_EQ(hostcfs_unlink(A + "/lun_3/x"), 0);
	EXPECT_EQ(read(A + "/lun_3/write_protect"), "");
	ASSERT_EQ(hostcfs_rmdir(A + "/lun_3"), 0);
	ASSERT_EQ(hostcfs_rmdir(A), 0);
}

TEST_F(FabricTree, IscsiLikeEnableRtpiAndFabricFiles) {
	ASSERT_EQ(hostcfs_mkdir(T + "iscsi"), 0);
	const std::string IW = T + "iscsi/iqn.2003-01.org.linux-iscsi.vm:sn.ref";
	ASSERT_EQ(hostcfs_mkdir(IW), 0);
	EXPECT_EQ(read(IW + "/param/default_submit_type"), "1\n");
	EXPECT_EQ(read(IW + "/param/direct_submit_supported"), "1\n");
	ASSERT_EQ(hostcfs_mkdir(IW + "/tpgt_1"), 0);
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list(IW + "/tpgt_1", &names), 0);
	EXPECT_EQ(names, (std::vector<std::string>{"acls", "attrib", "auth", "enable", "lun", "np",
						   "param", "rtpi"}));
	EXPECT_EQ(read(IW + "/tpgt_1/enable"), "0\n");
	EXPECT_EQ(read(IW + "/tpgt_1/rtpi"), "0x0\n");
	expect_one_err(hostcfs_write(IW + "/tpgt_1/enable", "maybe\n"), -KABI_EINVAL, "enable");
	ASSERT_EQ(hostcfs_write(IW + "/tpgt_1/enable", "1\n"), 0);
	EXPECT_EQ(read(IW + "/tpgt_1/enable"), "1\n");
	std::string rtpi = read(IW + "/tpgt_1/rtpi");
	EXPECT_NE(rtpi, "0x0\n");
	expect_one_err(hostcfs_write(IW + "/tpgt_1/rtpi", "0x5\n"), -KABI_EINVAL, "enabled");
	ASSERT_EQ(hostcfs_mkdir(IW + "/tpgt_2"), 0);
	ASSERT_EQ(hostcfs_write(IW + "/tpgt_2/enable", "1\n"), 0);
	EXPECT_NE(read(IW + "/tpgt_2/rtpi"), rtpi); // one global pool
	ASSERT_EQ(hostcfs_mkdir(IW + "/tpgt_1/np/0.0.0.0:3260"), 0);
	EXPECT_EQ(read(IW + "/tpgt_1/np/0.0.0.0:3260/iser"), "0\n");
	const std::string A = IW + "/tpgt_1/acls/iqn.1994-05.com.redhat:client1";
	ASSERT_EQ(hostcfs_mkdir(A), 0);
	ASSERT_EQ(hostcfs_write(A + "/auth/userid", "user1\n"), 0);
	EXPECT_EQ(read(A + "/auth/userid"), "user1\n");
	EXPECT_EQ(mode(A + "/auth/authenticate_target"), 0444);
	EXPECT_EQ(hostcfs_write(A + "/auth/authenticate_target", "1\n"), -KABI_EACCES);
	ASSERT_EQ(hostcfs_rmdir(A), 0);
	ASSERT_EQ(hostcfs_rmdir(IW + "/tpgt_2"), 0);
	EXPECT_EQ(iscsi_.events,
		  (std::vector<std::string>{"enable", "enable", "shutdown"}));
}

TEST_F(FabricTree, RegistrationRules) {
	EXPECT_EQ(core::fabric_count(), 2u);
	LoopFabric dup;
	expect_one_err(kabi_fabric_register(as_c(dup), nullptr), -KABI_EEXIST, "dup name");
	// Too many files for the trampolines.
	static FabricAttr<FabricTpg> many[129];
	for (auto &a : many)
		a = {"x", 0444, [](FabricTpg &, MutableBytes) -> s64 { return 0; }, nullptr};
	LoopFabric big;
	big.name_ = "big";
	big.attrs_.tpg = many;
	expect_one_err(kabi_fabric_register(as_c(big), nullptr), -KABI_EINVAL, "129 files");
	// Unregistered: mkdir refuses; registered again: works.
	ASSERT_EQ(hostcfs_mkdir(T + "loopback"), 0);
	ASSERT_EQ(hostcfs_rmdir(T + "loopback"), 0);
	kabi_fabric_unregister(as_c(loop_));
	EXPECT_EQ(core::fabric_count(), 1u);
	expect_one_err(hostcfs_mkdir(T + "loopback"), -KABI_EINVAL, "gone");
	ASSERT_EQ(kabi_fabric_register(as_c(loop_), nullptr), 0);
	EXPECT_EQ(hostcfs_mkdir(T + "loopback"), 0);
}

TEST_F(FabricTree, UnlinkWaitsForInFlightCommands) {
	make_loop_lun0();
	core::Tpg *tpg = loop_tpg(0);
	ASSERT_NE(tpg, nullptr);
	RefPtr<core::Lun> lun = tpg->lookup_lun_for(nullptr, 0, nullptr);
	ASSERT_TRUE(lun);
	ASSERT_TRUE(lun->get_io());
	std::atomic<bool> unlinked{false};
	std::thread t([&] {
		EXPECT_EQ(hostcfs_unlink(TP + "/lun/lun_0/link"), 0);
		unlinked = true;
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_FALSE(unlinked.load());
	EXPECT_FALSE(lun->get_io()); // dying: new commands are refused
	lun->put_io();
	t.join();
	EXPECT_TRUE(unlinked.load());
	EXPECT_FALSE(lun->linked());
	EXPECT_EQ(read(C + "rd_mcp_1/rd0/statistics/scsi_dev/ports"), "0\n");
	lun = nullptr;
}

} // namespace

// ---- T10-PI attributes (LIO's pi_prot_type_store / pi_prot_format_store rules) ----
TEST_F(FabricTree, PiAttributesFollowLioRules) {
	make_loop_lun0(); // rd0 exported as lun_0
	make_rd("rd1");
	make_rd("rd2", false);
	const std::string a0 = C + "rd_mcp_1/rd0/attrib/", a1 = C + "rd_mcp_1/rd1/attrib/",
			  a2 = C + "rd_mcp_1/rd2/attrib/";
	kabi_host_log_clear();
	expect_one_err(hostcfs_write(a2 + "pi_prot_type", "1"), -KABI_ENODEV, "not enabled");
	expect_one_err(hostcfs_write(a2 + "pi_prot_format", "1"), -KABI_ENODEV, "format, not enabled");
	expect_one_err(hostcfs_write(a0 + "pi_prot_type", "1"), -KABI_EINVAL, "exported");
	expect_one_err(hostcfs_write(a0 + "pi_prot_format", "1"), -KABI_EINVAL, "format, exported");
	expect_one_err(hostcfs_write(a1 + "pi_prot_type", "4"), -KABI_EINVAL, "4");
	expect_one_err(hostcfs_write(a1 + "pi_prot_type", "x"), -KABI_EINVAL, "not a number");
	expect_one_err(hostcfs_write(a1 + "pi_prot_format", "1"), -KABI_ENODEV, "format, type 0");
	for (const char *type : {"1", "2", "3"}) {
		expect_one_err(hostcfs_write(a1 + "pi_prot_type", type), 0, type);
		EXPECT_EQ(read(a1 + "pi_prot_type"), std::string(type) + "\n");
		EXPECT_EQ(read(a1 + "pi_prot_verify"), "1\n");
		expect_one_err(hostcfs_write(a1 + "pi_prot_verify", "0"), 0, "verify off");
		EXPECT_EQ(read(a1 + "pi_prot_verify"), "0\n");
		expect_one_err(hostcfs_write(a1 + "pi_prot_format", "1"), 0, "format");
		EXPECT_EQ(read(a1 + "pi_prot_format"), "0\n");
		expect_one_err(hostcfs_write(a1 + "pi_prot_type", "0"), 0, "back to 0");
		EXPECT_EQ(read(a1 + "pi_prot_verify"), "0\n");
	}
	// Exported with a type: the LUN's LU reports it (the snapshot is published).
	expect_one_err(hostcfs_write(a1 + "pi_prot_type", "3"), 0, "type 3 before export");
	ASSERT_EQ(hostcfs_mkdir(TP + "/lun/lun_1"), 0);
	ASSERT_EQ(hostcfs_symlink(C + "rd_mcp_1/rd1", TP + "/lun/lun_1/link"), 0);
	expect_one_err(hostcfs_write(a1 + "pi_prot_type", "0"), -KABI_EINVAL, "exported, type 3");
	EXPECT_EQ(read(a1 + "pi_prot_type"), "3\n");
	ASSERT_EQ(hostcfs_unlink(TP + "/lun/lun_1/link"), 0);
	ASSERT_EQ(hostcfs_rmdir(TP + "/lun/lun_1"), 0);
	ASSERT_EQ(hostcfs_rmdir(C + "rd_mcp_1/rd2"), 0);
}

// ---- ALUA target port groups (core/alua_tg_pt_group.cpp through configfs) ----

TEST_F(FabricTree, AluaGroupMkdirHasLiosFilesAndNoIdUntilSet) {
	make_rd("rd0");
	const std::string A = C + "rd_mcp_1/rd0/alua/";
	ASSERT_EQ(hostcfs_mkdir(A + "east"), 0);
	std::vector<std::string> names;
	ASSERT_EQ(hostcfs_list(A + "east", &names), 0);
	std::vector<std::string> def;
	ASSERT_EQ(hostcfs_list(A + "default_tg_pt_gp", &def), 0);
	EXPECT_EQ(names, def);
	EXPECT_EQ(names.size(), 17u);
	for (auto &n : names) {
		EXPECT_EQ(mode(A + "east/" + n), n == "members" ? 0444 : 0644) << n;
	}
	EXPECT_EQ(read(A + "east/tg_pt_gp_id"), "") << "no id until set";
	EXPECT_EQ(read(A + "east/alua_access_state"), "0\n");
	EXPECT_EQ(read(A + "east/alua_access_type"), "Implicit and Explicit\n");
	EXPECT_EQ(read(A + "east/nonop_delay_msecs"), "100\n");
	EXPECT_EQ(read(A + "east/alua_support_lba_dependent"), "0\n");
	EXPECT_EQ(read(A + "east/alua_support_transitioning"), "1\n");
	EXPECT_EQ(read(A + "east/members"), "");
	// LIO refuses these before an id exists.
	expect_one_err(hostcfs_write(A + "east/alua_access_state", "2\n"), -KABI_EINVAL, "state");
	expect_one_err(hostcfs_write(A + "east/alua_support_standby", "0\n"), -KABI_EINVAL, "sup");
	expect_one_err(hostcfs_write(A + "east/alua_access_status", "1\n"), -KABI_EINVAL, "status");
	expect_one_err(hostcfs_write(A + "east/tg_pt_gp_id", "65536\n"), -KABI_EINVAL, "65536");
	expect_one_err(hostcfs_write(A + "east/tg_pt_gp_id", "0x10\n"), 0, "id 16");
	EXPECT_EQ(read(A + "east/tg_pt_gp_id"), "16\n");
	expect_one_err(hostcfs_write(A + "east/tg_pt_gp_id", "17\n"), -KABI_EINVAL, "id twice");
	ASSERT_EQ(hostcfs_mkdir(A + "west"), 0);
	expect_one_err(hostcfs_write(A + "west/tg_pt_gp_id", "16\n"), -KABI_EINVAL, "duplicate");
	expect_one_err(hostcfs_write(A + "west/tg_pt_gp_id", "0\n"), 0, "id 0: next free");
	EXPECT_EQ(read(A + "west/tg_pt_gp_id"), "1\n");
	expect_one_err(hostcfs_write(A + "west/alua_support_standby", "0\n"), 0, "sup 0");
	EXPECT_EQ(read(A + "west/alua_support_standby"), "0\n");
	expect_one_err(hostcfs_write(A + "west/preferred", "2\n"), -KABI_EINVAL, "pref 2");
	expect_one_err(hostcfs_write(A + "west/preferred", "1\n"), 0, "pref 1");
	expect_one_err(hostcfs_write(A + "west/trans_delay_msecs", "30001\n"), -KABI_EINVAL, "td");
	expect_one_err(hostcfs_write(A + "west/implicit_trans_secs", "255\n"), 0, "its");
	EXPECT_EQ(hostcfs_rmdir(A + "default_tg_pt_gp"), -KABI_EPERM) << "a default group";
	EXPECT_EQ(hostcfs_rmdir(A + "east"), 0);
	EXPECT_EQ(hostcfs_rmdir(A + "west"), 0);
}

TEST_F(FabricTree, AluaLunMovesBetweenGroupsAndImplicitTransitions) {
	make_loop_lun0();
	const std::string A = C + "rd_mcp_1/rd0/alua/";
	const std::string L = TP + "/lun/lun_0/";
	const std::string member = "loopback/" + W.substr(T.size() + 9) + "/tpgt_1/lun_0\n";
	EXPECT_EQ(read(A + "default_tg_pt_gp/members"), member);
	EXPECT_EQ(read(L + "alua_tg_pt_gp"),
		  "TG Port Alias: default_tg_pt_gp\nTG Port Group ID: 0\nTG Port Primary Access "
		  "State: Active/Optimized\nTG Port Primary Access Status: None\nTG Port "
		  "Secondary Access State: None\nTG Port Secondary Access Status: None\n");
	ASSERT_EQ(hostcfs_mkdir(A + "b"), 0);
	expect_one_err(hostcfs_write(L + "alua_tg_pt_gp", "b\n"), -KABI_ENODEV, "b has no id");
	ASSERT_EQ(hostcfs_write(A + "b/tg_pt_gp_id", "2\n"), 0);
	expect_one_err(hostcfs_write(L + "alua_tg_pt_gp", "b\n"), 0, "to b");
	EXPECT_EQ(read(A + "b/members"), member);
	EXPECT_EQ(read(A + "default_tg_pt_gp/members"), "");
	EXPECT_EQ(read(L + "alua_tg_pt_gp").substr(0, 37), "TG Port Alias: b\nTG Port Group ID: 2\n");
	// Implicit transitions: LIO's checks.
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "2\n"), 0, "standby");
	EXPECT_EQ(read(A + "b/alua_access_state"), "2\n");
	EXPECT_EQ(read(A + "b/alua_access_status"), "Altered by Implicit ALUA\n");
	EXPECT_NE(read(L + "alua_tg_pt_gp").find("Primary Access State: Standby\n"),
		  std::string::npos);
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "4\n"), -KABI_EINVAL, "lbd+expl");
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "7\n"), -KABI_EINVAL, "7");
	ASSERT_EQ(hostcfs_write(A + "b/alua_support_unavailable", "0\n"), 0);
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "3\n"), -KABI_EINVAL, "unsupp");
	ASSERT_EQ(hostcfs_write(A + "b/alua_access_type", "2\n"), 0);
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "0\n"), -KABI_EINVAL, "explicit");
	ASSERT_EQ(hostcfs_write(A + "b/alua_access_type", "1\n"), 0);
	expect_one_err(hostcfs_write(A + "b/alua_access_state", "1\n"), 0, "non-optimized");
	EXPECT_EQ(read(A + "b/alua_access_state"), "1\n");
	// rmdir of a group with members: they go back to default_tg_pt_gp (LIO).
	EXPECT_EQ(hostcfs_rmdir(A + "b"), 0);
	EXPECT_EQ(read(A + "default_tg_pt_gp/members"), member);
	EXPECT_EQ(read(L + "alua_tg_pt_gp").substr(0, 31), "TG Port Alias: default_tg_pt_gp");
	// "NULL" means default_tg_pt_gp, as LIO.
	expect_one_err(hostcfs_write(L + "alua_tg_pt_gp", "NULL\n"), 0, "NULL");
	// Unlinked: the LUN leaves its group.
	ASSERT_EQ(hostcfs_unlink(L + "link"), 0);
	EXPECT_EQ(read(A + "default_tg_pt_gp/members"), "");
}

TEST_F(FabricTree, AluaStateNeedsAnEnabledDevice) {
	make_rd("rd0", false);
	const std::string A = C + "rd_mcp_1/rd0/alua/";
	expect_one_err(hostcfs_write(A + "default_tg_pt_gp/alua_access_state", "1\n"),
		       -KABI_ENODEV, "not enabled");
}
