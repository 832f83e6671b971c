// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/tpg_config.h: the configuration behind the iSCSI configfs files, each with its
 * lock: TpgConfig (tpgt_N/param, attrib, auth), AclConfig (acls/<x>/attrib, auth,
 * cmdsn_depth) and DiscoveryConfig (target/iscsi/discovery_auth/). The configfs attribute
 * functions (iscsi_configfs.cpp) change them; a login copies them (LoginConfig) once.
 */
#ifndef LIO_FABRICS_ISCSI_TPG_CONFIG_H
#define LIO_FABRICS_ISCSI_TPG_CONFIG_H

#include "fabrics/iscsi/config.h"
#include "lio/lock.h"

namespace lio::fabrics::iscsi {

// LIO's iscsi_node_auth naf_flags: which auth/ field was last written with a value not
// starting with "NULL". authenticate_target shows whether both mutual ones are (configfs).
enum : u32 {
	kAuthUseridSet = 0x01,
	kAuthPasswordSet = 0x02,
	kAuthUseridInSet = 0x04,
	kAuthPasswordInSet = 0x08,
};

constexpr usize kAclTagLen = 64; // MAX_ACL_TAG_SIZE, with the NUL (configfs)

class TpgConfig final {
  public:
	TpgConfig();

	Mutex lock;
	// Serialises the configfs read-modify-write of the core's TpgDemoMode (taken alone, never
	// with lock, since TpgPort::set_demo_mode takes core locks).
	Mutex demo_lock;
	// Under lock:
	TpgParams params;
	TpgAttribs attribs;
	ChapSecrets auth; // tpgt_N/auth: the secrets of demo-mode (dynamic ACL) logins
	u32 auth_flags = 0; // LIO's naf_flags of auth (kAuth*Set; configfs)
};

class AclConfig final {
  public:
	AclConfig();

	Mutex lock;
	// Under lock:
	AclAttribs attribs;
	ChapSecrets auth;
	u32 auth_flags = 0;             // LIO's naf_flags of auth (kAuth*Set; configfs)
	char tag[kAclTagLen] = {};      // acls/<x>/tag (LIO's acl_tag; configfs)
};

// target/iscsi/discovery_auth/ (LIO's iscsit_global->discovery_acl).
class DiscoveryConfig final {
  public:
	DiscoveryConfig();

	Mutex lock;
	// Under lock:
	ChapSecrets auth;
	u32 auth_flags = 0; // LIO's naf_flags of auth (kAuth*Set; configfs)
	bool enforce_discovery_auth = false;
};

// The module's one DiscoveryConfig (made in lio_iscsi_init, gone in lio_iscsi_exit).
DiscoveryConfig &discovery_config();
// Makes / frees it: lio_iscsi_init calls discovery_config_init() before registering the
// fabric, lio_iscsi_exit calls discovery_config_exit() after unregistering it.
Result<void> discovery_config_init();
void discovery_config_exit();

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_TPG_CONFIG_H
