// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/host/iscsi_glue_host.h: test hooks of the host build of the iSCSI glue
 * (tests only; never engine code).
 *
 * Accepted connections go to lio_iscsi_np_accepted(), the C++ fabric's, when that is linked.
 * A test of the glue alone installs its own callback instead; nullptr restores the default.
 * Without either, accepted connections are closed at once.
 */
#ifndef ISCSI_GLUE_HOST_H
#define ISCSI_GLUE_HOST_H

#include <cstdint>

#include "fabrics/iscsi/iscsi_abi.h"

using IscsiHostAcceptFn = int32_t (*)(void *np_cookie, struct iscsi_glue_conn *conn);
void iscsi_glue_host_set_accept_hook(IscsiHostAcceptFn fn);

// The send timeout (30 s as in the kernel); tests shorten it.
void iscsi_glue_host_set_send_timeout_ms(uint32_t ms);

#endif // ISCSI_GLUE_HOST_H
