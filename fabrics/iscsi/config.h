// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/config.h: the iSCSI configuration values shared by the configfs files
 * (iscsi_configfs.cpp, tpg_config.cpp), the login (login.cpp, params.cpp, chap.cpp) and the
 * connections (conn.cpp): the 21 session keys of LIO's tpgt_N/param/ directory, CHAP
 * secrets, LIO's tpgt_N/attrib and acls/<x>/attrib values, and what a login establishes.
 *
 * Plain values, no locks: the owners (TpgConfig, AclConfig in tpg_config.h) lock them and hand
 * copies to a login (LoginConfig), so a login never sees a half-written value.
 */
#ifndef LIO_FABRICS_ISCSI_CONFIG_H
#define LIO_FABRICS_ISCSI_CONFIG_H

#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

constexpr usize kIqnLen = 224;     // ISCSI_IQN_LEN, with the NUL
constexpr usize kAliasLen = 256;   // ISCSI alias, with the NUL
constexpr usize kAuthLen = 256;    // MAX_USER_LEN, MAX_PASS_LEN, with the NUL
constexpr usize kParamValueLen = 256; // longest value of a param/ file, with the NUL

// LIO's tpgt_N/param/ files, in LIO's order (lio_target_tpg_param_attrs). The negotiable
// session keys of RFC 7143 13 (and RFC 7144) that LIO lets an administrator set per TPG.
enum class ParamKey : u8 {
	kAuthMethod,
	kHeaderDigest,
	kDataDigest,
	kMaxConnections,
	kTargetAlias,
	kInitialR2T,
	kImmediateData,
	kMaxRecvDataSegmentLength,
	kMaxXmitDataSegmentLength,
	kMaxBurstLength,
	kFirstBurstLength,
	kDefaultTime2Wait,
	kDefaultTime2Retain,
	kMaxOutstandingR2T,
	kDataPDUInOrder,
	kDataSequenceInOrder,
	kErrorRecoveryLevel,
	kIFMarker,
	kOFMarker,
	kIFMarkInt,
	kOFMarkInt,
};
constexpr u32 kParamCount = 21;

// The key's name as the param/ file and the wire spell it ("MaxBurstLength").
const char *param_name(ParamKey key);

// The values of one TPG's param/ files (implemented in params.cpp). Defaults are LIO's
// (AuthMethod "CHAP", HeaderDigest "CRC32C,None", MaxRecvDataSegmentLength "8192", ...).
class TpgParams final {
  public:
	TpgParams();

	// The value as the param/ file shows it (without newline).
	StrView value(ParamKey key) const;
	// A write to the param/ file: the value is checked against the key's type and RFC 7143
	// range (numbers in range, Yes/No for booleans, a list of known values for AuthMethod and
	// the digests, ...) and stored; EINVAL and one log line naming the key otherwise.
	Result<void> store(ParamKey key, StrView value);
	// attrib/authentication (LIO: adds or removes "None" from AuthMethod's list).
	void set_authentication(bool required);

  private:
	char values_[kParamCount][kParamValueLen];
};

// CHAP credentials of one ACL, one TPG (demo mode), or discovery (discovery_auth/). An empty
// field is unset. userid/password: what the initiator must answer with (one-way);
// userid_mutual/password_mutual: what the target answers with (mutual).
struct ChapSecrets {
	char userid[kAuthLen] = {};
	char password[kAuthLen] = {};
	char userid_mutual[kAuthLen] = {};
	char password_mutual[kAuthLen] = {};

	bool has_one_way() const { return userid[0] != '\0' && password[0] != '\0'; }
	bool has_mutual() const { return userid_mutual[0] != '\0' && password_mutual[0] != '\0'; }
};

// tpgt_N/attrib/ values that are iSCSI's own (LIO's iscsi_tpg_attrib; the demo-mode ones
// generate_node_acls, cache_dynamic_acls, demo_mode_write_protect, prod_mode_write_protect
// are the core's: core::TpgDemoMode through TpgPort).
struct TpgAttribs {
	u32 authentication = 1;
	u32 login_timeout = 15; // seconds
	u32 netif_timeout = 2;
	u32 default_cmdsn_depth = 64;
	u32 default_erl = 0;
	u32 demo_mode_discovery = 1;
	u32 t10_pi = 0;
	u32 fabric_prot_type = 0;
	u32 tpg_enabled_sendtargets = 1;
	u32 login_keys_workaround = 1;
};

// acls/<x>/attrib/ (LIO's iscsi_node_attrib) and acls/<x>/cmdsn_depth.
struct AclAttribs {
	s32 authentication = -1; // -1: as the TPG's attrib/authentication
	u32 dataout_timeout = 3;
	u32 dataout_timeout_retries = 5;
	u32 default_erl = 0;
	u32 nopin_timeout = 15;          // seconds of idle before a NOP-In ping
	u32 nopin_response_timeout = 30; // seconds to wait for the NOP-Out answer
	u32 random_datain_pdu_offsets = 0;
	u32 random_datain_seq_offsets = 0;
	u32 random_r2t_offsets = 0;
	u32 cmdsn_depth = 64;
};

// What one login is checked against, copied at the first Login Request by the connection
// layer (LoginHost::resolve) from the TPG, the initiator's ACL and discovery_auth/.
struct LoginConfig {
	TpgParams params;    // the TPG's param/ values (AuthMethod already reflects authentication)
	ChapSecrets secrets; // the ACL's (or the TPG's in demo mode, or discovery_auth/'s)
	u16 tpgt = 1;        // TargetPortalGroupTag, sent on the leading login of a normal session
	u32 cmdsn_depth = 64;
	u32 initial_stat_sn = 0; // StatSN of the first response on this connection
};

// What the initiator is and asks for, as the Login Requests said.
struct LoginIdentity {
	char initiator_name[kIqnLen] = {};
	char initiator_alias[kAliasLen] = {};
	char target_name[kIqnLen] = {}; // empty for discovery
	bool discovery = false;         // SessionType=Discovery
	u8 isid[6] = {};
	u16 tsih = 0;   // as requested (0: a new session)
	u16 cid = 0;
	u32 cmd_sn = 0; // CmdSN of the Login Requests (the first command's CmdSN)
	u32 exp_stat_sn = 0;
};

// The operational parameters a completed login established (RFC 7143 13).
struct SessionParams {
	bool header_digest = false;
	bool data_digest = false;
	u32 max_connections = 1;
	bool initial_r2t = true;
	bool immediate_data = true;
	u32 max_recv_dsl = 8192;  // the largest data segment the target accepts (it declared)
	u32 max_xmit_dsl = 8192;  // the largest data segment the target sends (the initiator's
				  // MaxRecvDataSegmentLength, bounded by param MaxXmitDataSegmentLength)
	u32 max_burst_length = 262144;
	u32 first_burst_length = 65536;
	u32 default_time2wait = 2;
	u32 default_time2retain = 20;
	u32 max_outstanding_r2t = 1;
	bool data_pdu_in_order = true;
	bool data_sequence_in_order = true;
	u8 error_recovery_level = 0;
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_CONFIG_H
