// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/session_info.h: what the configfs files of an ACL show about its live session
 * (LIO's acls/<x>/info, acls/<x>/param/<key>, acls/<x>/fabric_statistics/iscsi_sess_stats/).
 * iscsi_configfs.cpp calls these; session_info.cpp implements them over the session layer.
 *
 * Each formats into out (a configfs page) and returns the length written or a negative errno.
 */
#ifndef LIO_FABRICS_ISCSI_SESSION_INFO_H
#define LIO_FABRICS_ISCSI_SESSION_INFO_H

#include "fabrics/iscsi/config.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

class IscsiAcl;

// acls/<x>/info. Without a session: "No active iSCSI Session for Initiator Endpoint: <name>\n".
s64 format_acl_info(IscsiAcl &acl, MutableBytes out);

// acls/<x>/param/<key> (the 11 keys of LIO's lio_target_nacl_param_attrs): the session's
// negotiated value as a number ("%u\n"); without a session "No Active iSCSI Session\n".
s64 format_acl_param(IscsiAcl &acl, ParamKey key, MutableBytes out);

// acls/<x>/fabric_statistics/iscsi_sess_stats/<file> but inst (the tiqn index, shown by
// iscsi_configfs.cpp): "%u\n" / "%lu\n" of the session's value, nothing (length 0) without a
// session, as LIO.
enum class SessStat : u8 {
	kNode,              // 0 for a discovery session, 1 (ISCSI_NODE_INDEX) otherwise
	kIndx,              // the session's index
	kCmdPdus,
	kRspPdus,
	kTxdataOcts,
	kRxdataOcts,
	kConnDigestErrors,
	kConnTimeoutErrors,
};
s64 format_acl_sess_stat(IscsiAcl &acl, SessStat stat, MutableBytes out);

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_SESSION_INFO_H
