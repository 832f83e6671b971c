// SPDX-License-Identifier: GPL-2.0
// fabrics/iscsi/session_info.cpp: the live-session part of the ACL configfs files (see
// session_info.h), over a copy of the session's state (session_view_for_acl). kabi_snprintf
// returns the length it wrote (scnprintf), what a show() returns.
#include "fabrics/iscsi/session_info.h"

#include "fabrics/iscsi/conn.h"
#include "fabrics/iscsi/iscsi.h"
#include "lio/alloc.h"
#include "kabi/log.h"

namespace lio::fabrics::iscsi {

namespace {

char *page(MutableBytes out) { return reinterpret_cast<char *>(out.data()); }

} // namespace

// LIO's lio_target_nacl_info_show layout, over a copy of the session's state.
s64 format_acl_info(IscsiAcl &acl, MutableBytes out) {
	OwnPtr<SessionView> v = make<SessionView>(Gfp::Kernel);
	if (!v)
		return -KABI_ENOMEM;
	if (!session_view_for_acl(acl, v.get()))
		return kabi_snprintf(page(out), out.size(),
				     "No active iSCSI Session for Initiator Endpoint: %s\n",
				     acl.initiator());
	const u8 *i = v->id.isid;
	u32 max_cmd_sn = v->exp_cmd_sn + v->cmdsn_depth - 1;
	return kabi_snprintf(page(out), out.size(),
			     "InitiatorName: %s\nInitiatorAlias: %s\n"
			     "LIO Session ID: %u   ISID: 0x%02x %02x %02x %02x %02x %02x  TSIH: %u  "
			     "SessionType: Normal\nSession State: TARG_SESS_STATE_LOGGED_IN\n"
			     "---------------------[iSCSI Session Values]-----------------------\n"
			     "  CmdSN/WR  :  CmdSN/WC  :  ExpCmdSN  :  MaxCmdSN  :     ITT    :     TTT\n"
			     " 0x%08x   0x%08x   0x%08x   0x%08x   0x%08x   0x%08x\n"
			     "----------------------[iSCSI Connections]-------------------------\n"
			     "CID: %u  Connection State: TARG_CONN_STATE_LOGGED_IN\n"
			     "   Address %s TCP  StatSN: 0x%08x\n",
			     v->id.initiator_name, v->id.initiator_alias, v->sid, i[0], i[1], i[2], i[3],
			     i[4], i[5], static_cast<u32>(v->tsih), v->cmdsn_depth,
			     max_cmd_sn - v->exp_cmd_sn + 1, v->exp_cmd_sn, max_cmd_sn, 0u, 0u,
			     static_cast<u32>(v->id.cid), v->peer_addr, v->stat_sn);
}

// LIO's iscsi_nacl_param show: the session's negotiated value of the key.
s64 format_acl_param(IscsiAcl &acl, ParamKey key, MutableBytes out) {
	OwnPtr<SessionView> v = make<SessionView>(Gfp::Kernel);
	if (!v)
		return -KABI_ENOMEM;
	if (!session_view_for_acl(acl, v.get()))
		return kabi_snprintf(page(out), out.size(), "No Active iSCSI Session\n");
	const SessionParams &p = v->params;
	auto yn = [](bool b) { return b ? "Yes" : "No"; };
	auto num = [&](u32 n) -> s64 { return kabi_snprintf(page(out), out.size(), "%u\n", n); };
	auto str = [&](const char *t) -> s64 {
		return kabi_snprintf(page(out), out.size(), "%s\n", t);
	};
	switch (key) {
	case ParamKey::kDataPDUInOrder: return str(yn(p.data_pdu_in_order));
	case ParamKey::kDataSequenceInOrder: return str(yn(p.data_sequence_in_order));
	case ParamKey::kDefaultTime2Retain: return num(p.default_time2retain);
	case ParamKey::kDefaultTime2Wait: return num(p.default_time2wait);
	case ParamKey::kErrorRecoveryLevel: return num(p.error_recovery_level);
	case ParamKey::kFirstBurstLength: return num(p.first_burst_length);
	case ParamKey::kImmediateData: return str(yn(p.immediate_data));
	case ParamKey::kInitialR2T: return str(yn(p.initial_r2t));
	case ParamKey::kMaxBurstLength: return num(p.max_burst_length);
	case ParamKey::kMaxConnections: return num(p.max_connections);
	case ParamKey::kMaxOutstandingR2T: return num(p.max_outstanding_r2t);
	case ParamKey::kMaxRecvDataSegmentLength: return num(p.max_recv_dsl);
	case ParamKey::kMaxXmitDataSegmentLength: return num(p.max_xmit_dsl);
	case ParamKey::kHeaderDigest: return str(p.header_digest ? "CRC32C" : "None");
	case ParamKey::kDataDigest: return str(p.data_digest ? "CRC32C" : "None");
	default: return str("No Active iSCSI Session");
	}
}

// LIO's iscsi_stat_sess_* files.
s64 format_acl_sess_stat(IscsiAcl &acl, SessStat stat, MutableBytes out) {
	OwnPtr<SessionView> v = make<SessionView>(Gfp::Kernel);
	if (!v)
		return -KABI_ENOMEM;
	if (!session_view_for_acl(acl, v.get()))
		return 0;
	u64 n = 0;
	switch (stat) {
	case SessStat::kNode: n = v->id.discovery ? 0 : 1; break;
	case SessStat::kIndx: n = v->sid; break;
	case SessStat::kCmdPdus: n = v->cmd_pdus; break;
	case SessStat::kRspPdus: n = v->rsp_pdus; break;
	case SessStat::kTxdataOcts: n = v->tx_data_octets; break;
	case SessStat::kRxdataOcts: n = v->rx_data_octets; break;
	case SessStat::kConnDigestErrors: n = v->digest_errors; break;
	case SessStat::kConnTimeoutErrors: n = v->timeout_errors; break;
	}
	return kabi_snprintf(page(out), out.size(), "%llu\n", static_cast<unsigned long long>(n));
}

} // namespace lio::fabrics::iscsi
