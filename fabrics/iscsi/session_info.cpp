// SPDX-License-Identifier: GPL-2.0
// fabrics/iscsi/session_info.cpp: the live-session part of the ACL configfs files (see
// session_info.h). For now no session is ever attached to an ACL: LIO's no-session texts.
#include "fabrics/iscsi/session_info.h"

#include "fabrics/iscsi/iscsi.h"
#include "kabi/log.h"
#include "lio/utility.h"

namespace lio::fabrics::iscsi {

namespace {

// The length kabi_snprintf wrote into out (it returns the length it wanted).
s64 written(MutableBytes out, s32 n) {
	if (n < 0)
		return n;
	if (out.size() == 0)
		return 0;
	return min<s64>(n, static_cast<s64>(out.size()) - 1);
}

char *page(MutableBytes out) { return reinterpret_cast<char *>(out.data()); }

} // namespace

s64 format_acl_info(IscsiAcl &acl, MutableBytes out) {
	return written(out, kabi_snprintf(page(out), out.size(),
					  "No active iSCSI Session for Initiator Endpoint: %s\n",
					  acl.initiator()));
}

s64 format_acl_param(IscsiAcl &, ParamKey, MutableBytes out) {
	return written(out, kabi_snprintf(page(out), out.size(), "No Active iSCSI Session\n"));
}

s64 format_acl_sess_stat(IscsiAcl &, SessStat, MutableBytes) { return 0; }

} // namespace lio::fabrics::iscsi
