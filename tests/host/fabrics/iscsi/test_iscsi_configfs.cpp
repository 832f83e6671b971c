// SPDX-License-Identifier: GPL-2.0
/*
 * The iSCSI fabric's configfs files (fabrics/iscsi/iscsi_configfs.cpp) over the host's
 * in-memory configfs: the tree of target/iscsi/ against stock LIO 6.1's
 * (../shared/reference/lio-6.1/configfs-tree.txt: names, modes, values of an idle target with
 * one portal and one ACL), LIO's value checks (EINVAL with one log line), read-only files,
 * demo-mode attributes through the core, and the fabric_statistics groups (F-HAL
 * FabricAttrs::wwn_fabric_stats / acl_fabric_stats).
 *
 * Until fabrics/iscsi/iscsi.cpp and params.cpp are in the host build, weak stand-ins below
 * provide what they will (the IscsiFabric factory, the objects' constructors, TpgParams,
 * lio_iscsi_init/exit); the real definitions replace them at link time once present.
 */
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "core/fabric.h"
#include "core/fabric_registry.h"
#include "fabrics/iscsi/iscsi.h"
#include "fabrics/iscsi/tpg_config.h"
#include "host_test_api.h"
#include "hostcfs.h"
#include "kabi/log.h"
#include "kabi/modules.h"
#include "configfs/target_fixture.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"
#include "test_support.h"

// ---------------------------------------------------------------- weak stand-ins

#define LIO_TEST_WEAK __attribute__((weak))

namespace lio::fabrics::iscsi {

LIO_TEST_WEAK constinit IscsiFabric g_iscsi_fabric;

namespace {
u64 g_stub_tiqn_used = 0;
} // namespace

LIO_TEST_WEAK Result<OwnPtr<core::FabricWwn>> IscsiFabric::make_wwn(StrView name) {
	if (name.size() >= kIqnLen || g_stub_tiqn_used == ~0ull)
		return Error::from_errno(KABI_EINVAL);
	u32 index = static_cast<u32>(__builtin_ctzll(~g_stub_tiqn_used));
	g_stub_tiqn_used |= 1ull << index;
	return OwnPtr<core::FabricWwn>(TRY(try_make<IscsiTiqn>(Gfp::Kernel, index, name)));
}

LIO_TEST_WEAK Result<OwnPtr<core::FabricTpg>> IscsiFabric::make_tpg(core::FabricWwn &wwn,
								   u16 tag) {
	return OwnPtr<core::FabricTpg>(
	    TRY(try_make<IscsiTpg>(Gfp::Kernel, static_cast<IscsiTiqn &>(wwn), tag)));
}

LIO_TEST_WEAK Result<OwnPtr<core::FabricNp>> IscsiFabric::make_np(core::FabricTpg &tpg, StrView) {
	static char portal; // never touched by the configfs files
	IscsiTpg &t = static_cast<IscsiTpg &>(tpg);
	OwnPtr<IscsiNp> np = TRY(try_make<IscsiNp>(Gfp::Kernel, t, reinterpret_cast<Portal &>(portal)));
	t.tiqn().stats.portals.fetch_add(1);
	return OwnPtr<core::FabricNp>(move(np));
}

LIO_TEST_WEAK Result<OwnPtr<core::FabricAcl>> IscsiFabric::make_acl(core::FabricTpg &tpg,
								   StrView initiator) {
	return OwnPtr<core::FabricAcl>(
	    TRY(try_make<IscsiAcl>(Gfp::Kernel, static_cast<IscsiTpg &>(tpg), initiator)));
}

LIO_TEST_WEAK IscsiTiqn::IscsiTiqn(u32 index, StrView name) : index_(index) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name);
}
LIO_TEST_WEAK IscsiTiqn::~IscsiTiqn() { g_stub_tiqn_used &= ~(1ull << index_); }

LIO_TEST_WEAK IscsiTpg::IscsiTpg(IscsiTiqn &tiqn, u16 tag) : tiqn_(tiqn), tag_(tag) {}
LIO_TEST_WEAK IscsiTpg::~IscsiTpg() {}
LIO_TEST_WEAK Result<void> IscsiTpg::set_enabled(bool enable) {
	enabled = enable;
	return {};
}
LIO_TEST_WEAK void IscsiTpg::shutdown() {}

LIO_TEST_WEAK IscsiNp::~IscsiNp() { tpg_.tiqn().stats.portals.fetch_sub(1); }

// LIO's iscsit_set_default_node_attribues: default_erl from the TPG's.
LIO_TEST_WEAK IscsiAcl::IscsiAcl(IscsiTpg &tpg, StrView initiator) : tpg_(tpg) {
	(void)str_copy(Span<char>(initiator_, sizeof(initiator_)), initiator);
	LockGuard guard(tpg.config.lock);
	config.attribs.default_erl = tpg.config.attribs.default_erl;
}
LIO_TEST_WEAK IscsiAcl::~IscsiAcl() {}

// TpgParams (params.cpp): LIO's defaults; numbers for the numeric keys, a few lists.
namespace {
const char *const kStubNames[kParamCount] = {
    "AuthMethod",	  "HeaderDigest",	  "DataDigest",
    "MaxConnections",	  "TargetAlias",	  "InitialR2T",
    "ImmediateData",	  "MaxRecvDataSegmentLength", "MaxXmitDataSegmentLength",
    "MaxBurstLength",	  "FirstBurstLength",	  "DefaultTime2Wait",
    "DefaultTime2Retain", "MaxOutstandingR2T",	  "DataPDUInOrder",
    "DataSequenceInOrder", "ErrorRecoveryLevel",  "IFMarker",
    "OFMarker",		  "IFMarkInt",		  "OFMarkInt",
};
const char *const kStubDefaults[kParamCount] = {
    "CHAP", "CRC32C,None", "CRC32C,None", "1", "LIO Target", "Yes", "Yes", "8192", "262144",
    "262144", "65536", "2", "20", "1", "Yes", "Yes", "0", "No", "No", "Reject", "Reject",
};
bool stub_numeric(ParamKey k) {
	switch (k) {
	case ParamKey::kMaxConnections: case ParamKey::kMaxRecvDataSegmentLength:
	case ParamKey::kMaxXmitDataSegmentLength: case ParamKey::kMaxBurstLength:
	case ParamKey::kFirstBurstLength: case ParamKey::kDefaultTime2Wait:
	case ParamKey::kDefaultTime2Retain: case ParamKey::kMaxOutstandingR2T:
	case ParamKey::kErrorRecoveryLevel:
		return true;
	default:
		return false;
	}
}
} // namespace

LIO_TEST_WEAK const char *param_name(ParamKey key) {
	return kStubNames[static_cast<u32>(key)];
}
LIO_TEST_WEAK TpgParams::TpgParams() {
	for (u32 i = 0; i < kParamCount; i++)
		(void)str_copy(Span<char>(values_[i], kParamValueLen), str_view(kStubDefaults[i]));
}
LIO_TEST_WEAK StrView TpgParams::value(ParamKey key) const {
	return str_view(values_[static_cast<u32>(key)]);
}
LIO_TEST_WEAK Result<void> TpgParams::store(ParamKey key, StrView value) {
	if (value.size() == 0 || value.size() >= kParamValueLen ||
	    (stub_numeric(key) && parse_u32(value, 10).is_error())) {
		log_err("iSCSI param %s: \"%.*s\" refused\n", param_name(key),
			static_cast<int>(value.size()), value.data());
		return Error::from_errno(KABI_EINVAL);
	}
	(void)str_copy(Span<char>(values_[static_cast<u32>(key)], kParamValueLen), value);
	return {};
}
LIO_TEST_WEAK void TpgParams::set_authentication(bool required) {
	char *v = values_[static_cast<u32>(ParamKey::kAuthMethod)];
	if (required) {
		if (str_equal(str_view(v), "CHAP,None"))
			(void)str_copy(Span<char>(v, kParamValueLen), str_view("CHAP"));
	} else if (str_equal(str_view(v), "CHAP")) {
		(void)str_copy(Span<char>(v, kParamValueLen), str_view("CHAP,None"));
	}
}

} // namespace lio::fabrics::iscsi

extern "C" LIO_TEST_WEAK int32_t lio_iscsi_init(struct kabi_module *self) {
	using namespace lio::fabrics::iscsi;
	if (discovery_config_init().is_error())
		return -KABI_ENOMEM;
	int32_t ret = kabi_fabric_register(
	    reinterpret_cast<lio_fabric *>(static_cast<lio::core::Fabric *>(&g_iscsi_fabric)), self);
	if (ret)
		discovery_config_exit();
	return ret;
}

extern "C" LIO_TEST_WEAK void lio_iscsi_exit(void) {
	using namespace lio::fabrics::iscsi;
	kabi_fabric_unregister(
	    reinterpret_cast<lio_fabric *>(static_cast<lio::core::Fabric *>(&g_iscsi_fabric)));
	discovery_config_exit();
}

// ---------------------------------------------------------------- the tests

namespace {

using namespace lio;

const std::string T = "target/iscsi/";
const std::string kW = "iqn.2003-01.org.linux-iscsi.vm:sn.ref";
const std::string kI = "iqn.1994-05.com.redhat:client1";
const std::string W = T + kW;
const std::string TP = W + "/tpgt_1";

// The np/ directory really listens: a free loopback port of this process, not 0.0.0.0:3260
// (tests run in parallel processes). Compared with the reference under the reference's name.
const std::string &test_portal() {
	static const std::string name = [] {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof(a);
		unsigned port = 0;
		if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0 &&
		    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
			port = ntohs(a.sin_port);
		if (fd >= 0)
			close(fd);
		return "127.0.0.1:" + std::to_string(port);
	}();
	return name;
}
const std::string A = TP + "/acls/" + kI;

// Stock LIO 6.1's iscsi/ lines (lio-6.1/configfs-tree.txt) but LUNs and mapped LUNs, the WWN
// named W and the ACL I in paths.
const char *const kReference[] = {
    "d iscsi 755",
    "f iscsi/cpus_allowed_list 644 = 0-1",
    "d iscsi/discovery_auth 755",
    "f iscsi/discovery_auth/authenticate_target 444 = 0",
    "f iscsi/discovery_auth/enforce_discovery_auth 644 = 0",
    "f iscsi/discovery_auth/password 644 = ",
    "f iscsi/discovery_auth/password_mutual 644 = ",
    "f iscsi/discovery_auth/userid 644 = ",
    "f iscsi/discovery_auth/userid_mutual 644 = ",
    "d iscsi/W 755",
    "d iscsi/W/fabric_statistics 755",
    "d iscsi/W/fabric_statistics/iscsi_instance 755",
    "f iscsi/W/fabric_statistics/iscsi_instance/description 444 = Storage Engine Target",
    "f iscsi/W/fabric_statistics/iscsi_instance/disc_time 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/fail_rem_name 444 = None",
    "f iscsi/W/fabric_statistics/iscsi_instance/fail_sess 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/fail_type 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/inst 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/max_ver 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/min_ver 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/nodes 444 = 1",
    "f iscsi/W/fabric_statistics/iscsi_instance/portals 444 = 1",
    "f iscsi/W/fabric_statistics/iscsi_instance/sessions 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_instance/vendor 444 = Datera, Inc. iSCSI-Target",
    "f iscsi/W/fabric_statistics/iscsi_instance/version 444 = v4.1.0",
    "d iscsi/W/fabric_statistics/iscsi_login_stats 755",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/accepts 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/authenticate_fails 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/authorize_fails 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/indx 444 = 1",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/inst 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/negotiate_fails 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/other_fails 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_login_stats/redirects 444 = 0",
    "d iscsi/W/fabric_statistics/iscsi_logout_stats 755",
    "f iscsi/W/fabric_statistics/iscsi_logout_stats/abnormal_logouts 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_logout_stats/indx 444 = 1",
    "f iscsi/W/fabric_statistics/iscsi_logout_stats/inst 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_logout_stats/normal_logouts 444 = 0",
    "d iscsi/W/fabric_statistics/iscsi_sess_err 755",
    "f iscsi/W/fabric_statistics/iscsi_sess_err/cxn_errors 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_sess_err/digest_errors 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_sess_err/format_errors 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_sess_err/inst 444 = 0",
    "d iscsi/W/fabric_statistics/iscsi_tgt_attr 755",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/fail_intr_addr 444 = (einval)",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/fail_intr_addr_type 444 = ipv4",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/fail_intr_name 444 = None",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/indx 444 = 1",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/inst 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/last_fail_time 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/last_fail_type 444 = 0",
    "f iscsi/W/fabric_statistics/iscsi_tgt_attr/login_fails 444 = 0",
    "d iscsi/W/param 755",
    "f iscsi/W/param/cmd_completion_affinity 644 = -1",
    "d iscsi/W/tpgt_1 755",
    "d iscsi/W/tpgt_1/acls 755",
    "d iscsi/W/tpgt_1/acls/I 755",
    "d iscsi/W/tpgt_1/acls/I/attrib 755",
    "f iscsi/W/tpgt_1/acls/I/attrib/authentication 644 = -1",
    "f iscsi/W/tpgt_1/acls/I/attrib/dataout_timeout 644 = 3",
    "f iscsi/W/tpgt_1/acls/I/attrib/dataout_timeout_retries 644 = 5",
    "f iscsi/W/tpgt_1/acls/I/attrib/default_erl 644 = 0",
    "f iscsi/W/tpgt_1/acls/I/attrib/nopin_response_timeout 644 = 30",
    "f iscsi/W/tpgt_1/acls/I/attrib/nopin_timeout 644 = 15",
    "f iscsi/W/tpgt_1/acls/I/attrib/random_datain_pdu_offsets 644 = 0",
    "f iscsi/W/tpgt_1/acls/I/attrib/random_datain_seq_offsets 644 = 0",
    "f iscsi/W/tpgt_1/acls/I/attrib/random_r2t_offsets 644 = 0",
    "d iscsi/W/tpgt_1/acls/I/auth 755",
    "f iscsi/W/tpgt_1/acls/I/auth/authenticate_target 444 = 0",
    "f iscsi/W/tpgt_1/acls/I/auth/password 644 = secret123456",
    "f iscsi/W/tpgt_1/acls/I/auth/password_mutual 644 = ",
    "f iscsi/W/tpgt_1/acls/I/auth/userid 644 = user1",
    "f iscsi/W/tpgt_1/acls/I/auth/userid_mutual 644 = ",
    "f iscsi/W/tpgt_1/acls/I/cmdsn_depth 644 = 64",
    "d iscsi/W/tpgt_1/acls/I/fabric_statistics 755",
    "d iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats 755",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/cmd_pdus 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/conn_digest_errors 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/conn_timeout_errors 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/indx 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/inst 444 = 0",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/node 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/rsp_pdus 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/rxdata_octs 444 = ",
    "f iscsi/W/tpgt_1/acls/I/fabric_statistics/iscsi_sess_stats/txdata_octs 444 = ",
    "f iscsi/W/tpgt_1/acls/I/info 444 = No active iSCSI Session for Initiator Endpoint: iqn.1994-05.com.redhat:client1",
    "d iscsi/W/tpgt_1/acls/I/param 755",
    "f iscsi/W/tpgt_1/acls/I/param/DataPDUInOrder 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/DataSequenceInOrder 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/DefaultTime2Retain 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/DefaultTime2Wait 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/ErrorRecoveryLevel 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/FirstBurstLength 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/ImmediateData 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/InitialR2T 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/MaxBurstLength 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/MaxConnections 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/param/MaxOutstandingR2T 444 = No Active iSCSI Session",
    "f iscsi/W/tpgt_1/acls/I/tag 644 = ",
    "d iscsi/W/tpgt_1/attrib 755",
    "f iscsi/W/tpgt_1/attrib/authentication 644 = 1",
    "f iscsi/W/tpgt_1/attrib/cache_dynamic_acls 644 = 0",
    "f iscsi/W/tpgt_1/attrib/default_cmdsn_depth 644 = 64",
    "f iscsi/W/tpgt_1/attrib/default_erl 644 = 0",
    "f iscsi/W/tpgt_1/attrib/demo_mode_discovery 644 = 1",
    "f iscsi/W/tpgt_1/attrib/demo_mode_write_protect 644 = 1",
    "f iscsi/W/tpgt_1/attrib/fabric_prot_type 644 = 0",
    "f iscsi/W/tpgt_1/attrib/generate_node_acls 644 = 0",
    "f iscsi/W/tpgt_1/attrib/login_keys_workaround 644 = 1",
    "f iscsi/W/tpgt_1/attrib/login_timeout 644 = 15",
    "f iscsi/W/tpgt_1/attrib/netif_timeout 644 = 2",
    "f iscsi/W/tpgt_1/attrib/prod_mode_write_protect 644 = 0",
    "f iscsi/W/tpgt_1/attrib/t10_pi 644 = 0",
    "f iscsi/W/tpgt_1/attrib/tpg_enabled_sendtargets 644 = 1",
    "d iscsi/W/tpgt_1/auth 755",
    "f iscsi/W/tpgt_1/auth/authenticate_target 444 = 0",
    "f iscsi/W/tpgt_1/auth/password 644 = ",
    "f iscsi/W/tpgt_1/auth/password_mutual 644 = ",
    "f iscsi/W/tpgt_1/auth/userid 644 = ",
    "f iscsi/W/tpgt_1/auth/userid_mutual 644 = ",
    "f iscsi/W/tpgt_1/dynamic_sessions 444 = ",
    "f iscsi/W/tpgt_1/enable 644 = 1",
    "d iscsi/W/tpgt_1/lun 755",
    "d iscsi/W/tpgt_1/np 755",
    "d iscsi/W/tpgt_1/np/0.0.0.0:3260 755",
    "f iscsi/W/tpgt_1/np/0.0.0.0:3260/cxgbit 644 = 0",
    "f iscsi/W/tpgt_1/np/0.0.0.0:3260/iser 644 = 0",
    "d iscsi/W/tpgt_1/param 755",
    "f iscsi/W/tpgt_1/param/AuthMethod 644 = CHAP",
    "f iscsi/W/tpgt_1/param/DataDigest 644 = CRC32C,None",
    "f iscsi/W/tpgt_1/param/DataPDUInOrder 644 = Yes",
    "f iscsi/W/tpgt_1/param/DataSequenceInOrder 644 = Yes",
    "f iscsi/W/tpgt_1/param/DefaultTime2Retain 644 = 20",
    "f iscsi/W/tpgt_1/param/DefaultTime2Wait 644 = 2",
    "f iscsi/W/tpgt_1/param/ErrorRecoveryLevel 644 = 0",
    "f iscsi/W/tpgt_1/param/FirstBurstLength 644 = 65536",
    "f iscsi/W/tpgt_1/param/HeaderDigest 644 = CRC32C,None",
    "f iscsi/W/tpgt_1/param/IFMarkInt 644 = Reject",
    "f iscsi/W/tpgt_1/param/IFMarker 644 = No",
    "f iscsi/W/tpgt_1/param/ImmediateData 644 = Yes",
    "f iscsi/W/tpgt_1/param/InitialR2T 644 = Yes",
    "f iscsi/W/tpgt_1/param/MaxBurstLength 644 = 262144",
    "f iscsi/W/tpgt_1/param/MaxConnections 644 = 1",
    "f iscsi/W/tpgt_1/param/MaxOutstandingR2T 644 = 1",
    "f iscsi/W/tpgt_1/param/MaxRecvDataSegmentLength 644 = 8192",
    "f iscsi/W/tpgt_1/param/MaxXmitDataSegmentLength 644 = 262144",
    "f iscsi/W/tpgt_1/param/OFMarkInt 644 = Reject",
    "f iscsi/W/tpgt_1/param/OFMarker 644 = No",
    "f iscsi/W/tpgt_1/param/TargetAlias 644 = LIO Target",
    "f iscsi/lio_version 444 = Datera Inc. iSCSI Target v4.1.0",
};

// Files of LIO 6.12 the core has whatever the fabric (6.12 reference).
const std::set<std::string> kFrom612 = {
    "f iscsi/W/param/default_submit_type 444",
    "f iscsi/W/param/direct_submit_supported 444",
    "f iscsi/W/tpgt_1/rtpi 644",
};

class IscsiTree : public TargetCoreTest {
  protected:
	void SetUp() override {
		TargetCoreTest::SetUp();
		ASSERT_EQ(lio_iscsi_init(nullptr), 0);
		kabi_host_log_clear();
	}
	void TearDown() override {
		if (hostcfs_exists("target/iscsi"))
			teardown("target/iscsi");
		lio_iscsi_exit();
		EXPECT_EQ(core::fabric_count(), 0u);
		TargetCoreTest::TearDown();
	}

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
				(void)hostcfs_rmdir(p);
		}
		(void)hostcfs_rmdir(path);
	}

	// The reference's setup: one target, tpgt_1 enabled, a portal, an ACL with CHAP.
	void make_reference() {
		ASSERT_EQ(hostcfs_mkdir("target/iscsi"), 0);
		ASSERT_EQ(hostcfs_mkdir(W), 0);
		ASSERT_EQ(hostcfs_mkdir(TP), 0);
		ASSERT_EQ(hostcfs_mkdir(TP + "/np/" + test_portal()), 0);
		ASSERT_EQ(hostcfs_mkdir(A), 0);
		ASSERT_EQ(hostcfs_write(A + "/auth/userid", "user1\n"), 0);
		ASSERT_EQ(hostcfs_write(A + "/auth/password", "secret123456\n"), 0);
		ASSERT_EQ(hostcfs_write(TP + "/enable", "1\n"), 0);
		kabi_host_log_clear();
	}

	void walk(const std::string &rel, std::vector<std::string> *out) {
		std::vector<std::string> names;
		ASSERT_EQ(hostcfs_list("target/" + rel, &names), 0) << rel;
		for (auto &n : names) {
			std::string r = rel + "/" + n;
			uint16_t m = 0;
			ASSERT_EQ(hostcfs_mode("target/" + r, &m), 0);
			char line[1024];
			std::vector<std::string> dummy;
			if (m == 0777) {
				snprintf(line, sizeof(line), "l %s 777", r.c_str());
				out->push_back(line);
			} else if (hostcfs_list("target/" + r, &dummy) == 0) {
				snprintf(line, sizeof(line), "d %s %o", r.c_str(), m);
				out->push_back(line);
				walk(r, out);
			} else {
				snprintf(line, sizeof(line), "f %s %o", r.c_str(), m);
				out->push_back(line);
			}
		}
	}

	static std::string rename(std::string s) {
		for (size_t at; (at = s.find(test_portal())) != std::string::npos;)
			s.replace(at, test_portal().size(), "0.0.0.0:3260");
		for (auto [from, to] : {std::pair{kW, std::string("W")}, {kI, std::string("I")}}) {
			size_t p;
			while ((p = s.find(from)) != std::string::npos)
				s.replace(p, from.size(), to);
		}
		return s;
	}

	// A write refused with err and exactly one log line (an error, or TpgParams' warning).
	void expect_refused(const std::string &path, const std::string &value, int err) {
		kabi_host_log_clear();
		EXPECT_EQ(hostcfs_write(path, value), err) << path << " <- " << value;
		int errs = 0;
		for (auto &l : kabi_host_log_take())
			errs += l.rfind("err: ", 0) == 0 || l.rfind("warn: ", 0) == 0;
		EXPECT_EQ(errs, 1) << path << " <- " << value;
	}
	void expect_ok(const std::string &path, const std::string &value) {
		kabi_host_log_clear();
		EXPECT_EQ(hostcfs_write(path, value), 0) << path << " <- " << value;
		int errs = 0;
		for (auto &l : kabi_host_log_take())
			errs += l.rfind("err: ", 0) == 0;
		EXPECT_EQ(errs, 0) << path << " <- " << value;
	}

	std::string read(const std::string &path) {
		std::string out;
		EXPECT_EQ(hostcfs_read(path, &out), 0) << path;
		return out;
	}
};

// Names and modes: every reference line is there, and nothing else but the core's 6.12 files.
TEST_F(IscsiTree, TreeMatchesStockLio) {
	make_reference();
	std::vector<std::string> raw;
	raw.push_back("d iscsi 755");
	walk("iscsi", &raw);
	std::set<std::string> have;
	for (auto &l : raw)
		have.insert(rename(l));
	std::set<std::string> want;
	for (const char *r : kReference) {
		std::string s = r;
		size_t eq = s.find(" = ");
		want.insert(eq == std::string::npos ? s : s.substr(0, eq));
	}
	for (auto &w : want)
		EXPECT_TRUE(have.count(w)) << "missing: " << w;
	for (auto &h : have)
		EXPECT_TRUE(want.count(h) || kFrom612.count(h)) << "extra: " << h;
}

// Values: every reference file reads as LIO's (the value then a newline; files LIO leaves
// empty read as nothing). cpus_allowed_list depends on the machine.
TEST_F(IscsiTree, ValuesMatchStockLio) {
	make_reference();
	for (const char *r : kReference) {
		std::string s = r;
		size_t eq = s.find(" = ");
		if (s[0] != 'f' || eq == std::string::npos)
			continue;
		std::string path = s.substr(2, s.find(' ', 2) - 2);
		std::string want = s.substr(eq + 3);
		if (path == "iscsi/cpus_allowed_list")
			continue;
		for (auto [from, to] : {std::pair{std::string("/W"), "/" + kW},
					{std::string("/I/"), "/" + kI + "/"},
					{std::string("0.0.0.0:3260"), test_portal()}}) {
			size_t p = path.find(from);
			if (p != std::string::npos)
				path.replace(p, from.size(), to);
		}
		std::string got;
		ASSERT_EQ(hostcfs_read("target/" + path, &got), 0) << path;
		if (want.empty())
			EXPECT_TRUE(got.empty() || got == "\n") << path << ": \"" << got << "\"";
		else
			EXPECT_EQ(got, want + "\n") << path;
	}
	// The empty ones LIO shows as nothing at all (no newline).
	EXPECT_EQ(read(A + "/tag"), "");
	EXPECT_EQ(read(TP + "/dynamic_sessions"), "");
	EXPECT_EQ(read(A + "/fabric_statistics/iscsi_sess_stats/indx"), "");
	EXPECT_EQ(read(A + "/fabric_statistics/iscsi_sess_stats/node"), "");
	EXPECT_EQ(read(T + "discovery_auth/userid"), "\n");
	std::string cpus = read(T + "cpus_allowed_list");
	EXPECT_FALSE(cpus.empty());
	EXPECT_EQ(cpus.back(), '\n');
}

TEST_F(IscsiTree, ReadOnlyFilesRefuseWrites) {
	make_reference();
	for (const std::string &p :
	     {T + "lio_version", T + "discovery_auth/authenticate_target",
	      TP + "/auth/authenticate_target", TP + "/dynamic_sessions", A + "/info",
	      A + "/auth/authenticate_target", A + "/param/MaxBurstLength",
	      W + "/fabric_statistics/iscsi_instance/inst",
	      W + "/fabric_statistics/iscsi_login_stats/accepts",
	      A + "/fabric_statistics/iscsi_sess_stats/inst"})
		EXPECT_EQ(hostcfs_write(p, "1\n"), -KABI_EACCES) << p;
}

TEST_F(IscsiTree, TpgAttribRangesFollowLio) {
	make_reference();
	const std::string At = TP + "/attrib/";
	struct Case {
		const char *name;
		std::vector<const char *> good, bad;
	};
	const Case cases[] = {
	    {"login_timeout", {"5", "30", "0x10"}, {"4", "31"}},
	    {"netif_timeout", {"2", "15"}, {"1", "16"}},
	    {"default_cmdsn_depth", {"1", "512"}, {"0", "513"}},
	    {"default_erl", {"0", "2"}, {"3"}},
	    {"demo_mode_discovery", {"0", "1"}, {"2"}},
	    {"t10_pi", {"1", "0"}, {"2"}},
	    {"fabric_prot_type", {"0", "1", "3"}, {"2", "4"}},
	    {"tpg_enabled_sendtargets", {"0", "1"}, {"2"}},
	    {"login_keys_workaround", {"0", "1"}, {"2"}},
	    {"authentication", {"0", "1"}, {"2"}},
	    {"generate_node_acls", {"0"}, {"2"}},
	    {"demo_mode_write_protect", {"0", "1"}, {"2"}},
	    {"prod_mode_write_protect", {"1", "0"}, {"2"}},
	};
	for (auto &c : cases) {
		std::string p = At + c.name;
		for (const char *g : c.good) {
			expect_ok(p, std::string(g) + "\n");
			EXPECT_EQ(read(p), std::to_string(strtoul(g, nullptr, 0)) + "\n") << p;
		}
		std::string before = read(p);
		for (const char *b : c.bad)
			expect_refused(p, std::string(b) + "\n", -KABI_EINVAL);
		expect_refused(p, "abc\n", -KABI_EINVAL);
		expect_refused(p, "-1\n", -KABI_EINVAL);
		EXPECT_EQ(read(p), before) << p;
	}
}

// generate_node_acls=1 also caches dynamic ACLs; cache_dynamic_acls=0 is then ignored; the
// values are the core's (TpgPort::demo_mode).
TEST_F(IscsiTree, DemoModeGoesThroughTheCore) {
	make_reference();
	const std::string At = TP + "/attrib/";
	EXPECT_EQ(read(At + "generate_node_acls"), "0\n");
	EXPECT_EQ(read(At + "cache_dynamic_acls"), "0\n");
	expect_ok(At + "generate_node_acls", "1\n");
	EXPECT_EQ(read(At + "cache_dynamic_acls"), "1\n");
	expect_ok(At + "cache_dynamic_acls", "0\n");
	EXPECT_EQ(read(At + "cache_dynamic_acls"), "1\n");
	expect_ok(At + "generate_node_acls", "0\n");
	expect_ok(At + "cache_dynamic_acls", "0\n");
	EXPECT_EQ(read(At + "cache_dynamic_acls"), "0\n");
	expect_ok(At + "demo_mode_write_protect", "0\n");
	expect_ok(At + "prod_mode_write_protect", "1\n");
	EXPECT_EQ(read(At + "demo_mode_write_protect"), "0\n");
	EXPECT_EQ(read(At + "prod_mode_write_protect"), "1\n");
}

// authentication switches AuthMethod between CHAP and CHAP,None.
TEST_F(IscsiTree, AuthenticationChangesAuthMethod) {
	make_reference();
	EXPECT_EQ(read(TP + "/param/AuthMethod"), "CHAP\n");
	expect_ok(TP + "/attrib/authentication", "0\n");
	EXPECT_EQ(read(TP + "/param/AuthMethod"), "CHAP,None\n");
	expect_ok(TP + "/attrib/authentication", "1\n");
	EXPECT_EQ(read(TP + "/param/AuthMethod"), "CHAP\n");
}

TEST_F(IscsiTree, TpgParamsStoreThroughTpgParams) {
	make_reference();
	expect_ok(TP + "/param/MaxBurstLength", "131072\n");
	EXPECT_EQ(read(TP + "/param/MaxBurstLength"), "131072\n");
	expect_ok(TP + "/param/TargetAlias", "my target\n");
	EXPECT_EQ(read(TP + "/param/TargetAlias"), "my target\n");
	expect_refused(TP + "/param/MaxBurstLength", "lots\n", -KABI_EINVAL);
	EXPECT_EQ(read(TP + "/param/MaxBurstLength"), "131072\n");
}

// CHAP secrets: NULL clears the flag, authenticate_target follows the mutual pair; the ACL and
// discovery refuse 256 bytes, tpgt_N/auth keeps 255.
TEST_F(IscsiTree, AuthFilesFollowLio) {
	make_reference();
	for (const std::string &d : {T + "discovery_auth/", TP + "/auth/", A + "/auth/"}) {
		EXPECT_EQ(read(d + "authenticate_target"), "0\n") << d;
		expect_ok(d + "userid_mutual", "tgt\n");
		EXPECT_EQ(read(d + "authenticate_target"), "0\n") << d;
		expect_ok(d + "password_mutual", "tgtsecret\n");
		EXPECT_EQ(read(d + "authenticate_target"), "1\n") << d;
		EXPECT_EQ(read(d + "password_mutual"), "tgtsecret\n") << d;
		expect_ok(d + "password_mutual", "NULL\n");
		EXPECT_EQ(read(d + "password_mutual"), "NULL\n") << d;
		EXPECT_EQ(read(d + "authenticate_target"), "0\n") << d;
		expect_ok(d + "userid", "\n");
		EXPECT_EQ(read(d + "userid"), "\n") << d;
	}
	std::string longv(300, 'a');
	expect_refused(T + "discovery_auth/password", longv + "\n", -KABI_EINVAL);
	expect_refused(A + "/auth/password", longv + "\n", -KABI_EINVAL);
	EXPECT_EQ(read(A + "/auth/password"), "secret123456\n");
	expect_ok(TP + "/auth/password", longv + "\n");
	EXPECT_EQ(read(TP + "/auth/password"), std::string(255, 'a') + "\n");
}

TEST_F(IscsiTree, DiscoveryAuthKeepsItsBehaviour) {
	make_reference();
	EXPECT_EQ(read(T + "lio_version"), "Datera Inc. iSCSI Target v4.1.0\n");
	EXPECT_EQ(read(T + "discovery_auth/enforce_discovery_auth"), "0\n");
	expect_ok(T + "discovery_auth/enforce_discovery_auth", "1\n");
	EXPECT_EQ(read(T + "discovery_auth/enforce_discovery_auth"), "1\n");
	expect_refused(T + "discovery_auth/enforce_discovery_auth", "2\n", -KABI_EINVAL);
	expect_refused(T + "discovery_auth/enforce_discovery_auth", "x\n", -KABI_EINVAL);
	EXPECT_EQ(read(T + "discovery_auth/enforce_discovery_auth"), "1\n");
	expect_refused(T + "cpus_allowed_list", "nonsense\n", -KABI_EINVAL);
}

TEST_F(IscsiTree, NpTransportsAreRefused) {
	make_reference();
	const std::string N = TP + "/np/" + test_portal() + "/";
	for (const char *f : {"iser", "cxgbit"}) {
		expect_ok(N + f, "0\n");
		expect_refused(N + f, "1\n", -KABI_EINVAL);
		expect_refused(N + f, "2\n", -KABI_EINVAL);
		expect_refused(N + f, "yes\n", -KABI_EINVAL);
		EXPECT_EQ(read(N + f), "0\n");
	}
}

TEST_F(IscsiTree, AclFilesFollowLio) {
	make_reference();
	const std::string At = A + "/attrib/";
	struct Case {
		const char *name;
		std::vector<const char *> good, bad;
	};
	const Case cases[] = {
	    {"dataout_timeout", {"2", "60"}, {"1", "61"}},
	    {"dataout_timeout_retries", {"1", "15"}, {"0", "16"}},
	    {"default_erl", {"0", "2"}, {"3"}},
	    {"nopin_timeout", {"0", "3", "60"}, {"2", "61"}},
	    {"nopin_response_timeout", {"3", "60"}, {"2", "61", "0"}},
	    {"random_datain_pdu_offsets", {"1", "0"}, {"2"}},
	    {"random_datain_seq_offsets", {"1", "0"}, {"2"}},
	    {"random_r2t_offsets", {"1", "0"}, {"2"}},
	};
	for (auto &c : cases) {
		std::string p = At + c.name;
		for (const char *g : c.good) {
			expect_ok(p, std::string(g) + "\n");
			EXPECT_EQ(read(p), std::string(g) + "\n") << p;
		}
		for (const char *b : c.bad)
			expect_refused(p, std::string(b) + "\n", -KABI_EINVAL);
		expect_refused(p, "z\n", -KABI_EINVAL);
	}
	for (const char *g : {"0", "1", "-1"}) {
		expect_ok(At + "authentication", std::string(g) + "\n");
		EXPECT_EQ(read(At + "authentication"), std::string(g) + "\n");
	}
	expect_refused(At + "authentication", "2\n", -KABI_EINVAL);
	expect_refused(At + "authentication", "-2\n", -KABI_EINVAL);

	expect_ok(A + "/cmdsn_depth", "128\n");
	EXPECT_EQ(read(A + "/cmdsn_depth"), "128\n");
	expect_ok(A + "/cmdsn_depth", "0\n"); // LIO: becomes 1, with a warning
	EXPECT_EQ(read(A + "/cmdsn_depth"), "1\n");
	expect_refused(A + "/cmdsn_depth", "513\n", -KABI_EINVAL);

	expect_ok(A + "/tag", "group1\n");
	EXPECT_EQ(read(A + "/tag"), "group1\n");
	expect_ok(A + "/tag", "NULL\n");
	EXPECT_EQ(read(A + "/tag"), "");
	expect_refused(A + "/tag", std::string(70, 't') + "\n", -KABI_EINVAL);

	EXPECT_EQ(read(A + "/info"),
		  "No active iSCSI Session for Initiator Endpoint: " + kI + "\n");
	for (const char *k : {"MaxConnections", "InitialR2T", "ImmediateData", "MaxBurstLength",
			      "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain",
			      "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder",
			      "ErrorRecoveryLevel"})
		EXPECT_EQ(read(A + "/param/" + k), "No Active iSCSI Session\n") << k;
}

// An ACL's default_erl is its TPG's at mkdir (LIO's iscsit_set_default_node_attribues).
TEST_F(IscsiTree, AclDefaultErlFromTpg) {
	make_reference();
	expect_ok(TP + "/attrib/default_erl", "2\n");
	ASSERT_EQ(hostcfs_mkdir(TP + "/acls/iqn.1994-05.com.redhat:client2"), 0);
	EXPECT_EQ(read(TP + "/acls/iqn.1994-05.com.redhat:client2/attrib/default_erl"), "2\n");
}

// fabric_statistics counters come from IscsiTiqn::stats; inst is the tiqn index.
TEST_F(IscsiTree, StatisticsFollowTheTiqn) {
	make_reference();
	ASSERT_EQ(hostcfs_mkdir(T + "iqn.2003-01.org.example:second"), 0);
	const std::string S2 = T + "iqn.2003-01.org.example:second/fabric_statistics/";
	EXPECT_EQ(read(S2 + "iscsi_instance/inst"), "1\n");
	EXPECT_EQ(read(S2 + "iscsi_instance/portals"), "0\n");
	EXPECT_EQ(read(S2 + "iscsi_tgt_attr/inst"), "1\n");
	std::vector<std::string> groups;
	ASSERT_EQ(hostcfs_list(W + "/fabric_statistics", &groups), 0);
	EXPECT_EQ(groups, (std::vector<std::string>{"iscsi_instance", "iscsi_login_stats",
						     "iscsi_logout_stats", "iscsi_sess_err",
						     "iscsi_tgt_attr"}));
	ASSERT_EQ(hostcfs_mkdir(TP + "/np/127.0.0.1:3261"), 0);
	EXPECT_EQ(read(W + "/fabric_statistics/iscsi_instance/portals"), "2\n");
	ASSERT_EQ(hostcfs_rmdir(TP + "/np/127.0.0.1:3261"), 0);
	EXPECT_EQ(read(W + "/fabric_statistics/iscsi_instance/portals"), "1\n");
}

// A failed directory allocation anywhere in a WWN's or an ACL's fabric_statistics groups
// fails the mkdir and leaks nothing (the fixture checks allocations and directories).
TEST_F(IscsiTree, StatGroupAllocationFailuresUnwind) {
	ASSERT_EQ(hostcfs_mkdir("target/iscsi"), 0);
	for (uint64_t n = 1; n <= 12; n++) {
		hostcfs_fail_nth_group_alloc(n);
		int ret = hostcfs_mkdir(W);
		hostcfs_fail_nth_group_alloc(0);
		if (ret == 0) {
			EXPECT_GT(n, 7u) << "the 5 stat groups, param and fabric_statistics";
			EXPECT_EQ(read(W + "/fabric_statistics/iscsi_logout_stats/indx"), "1\n");
			teardown(W);
			break;
		}
		EXPECT_EQ(ret, -KABI_ENOMEM) << n;
		EXPECT_FALSE(hostcfs_exists(W)) << n;
	}
	ASSERT_EQ(hostcfs_mkdir(W), 0);
	ASSERT_EQ(hostcfs_mkdir(TP), 0);
	for (uint64_t n = 1; n <= 12; n++) {
		hostcfs_fail_nth_group_alloc(n);
		int ret = hostcfs_mkdir(A);
		hostcfs_fail_nth_group_alloc(0);
		if (ret == 0) {
			EXPECT_EQ(read(A + "/fabric_statistics/iscsi_sess_stats/inst"), "0\n");
			break;
		}
		EXPECT_EQ(ret, -KABI_ENOMEM) << n;
		EXPECT_FALSE(hostcfs_exists(A)) << n;
	}
}

} // namespace
