// SPDX-License-Identifier: GPL-2.0
// fabrics/iscsi/tpg_config.cpp: the locked owners of the iSCSI configuration values (see
// tpg_config.h) and the module's one DiscoveryConfig.
#include "fabrics/iscsi/tpg_config.h"

#include "lio/alloc.h"
#include "lio/own_ptr.h"
#include "lio/utility.h"

namespace lio::fabrics::iscsi {

namespace {

constinit LockClass g_tpg_config_lock_class("iscsi_tpg_config");
constinit LockClass g_tpg_demo_lock_class("iscsi_tpg_demo_mode");
constinit LockClass g_acl_config_lock_class("iscsi_acl_config");
constinit LockClass g_discovery_config_lock_class("iscsi_discovery_config");

constinit DiscoveryConfig *g_discovery = nullptr;

} // namespace

TpgConfig::TpgConfig() : lock(g_tpg_config_lock_class), demo_lock(g_tpg_demo_lock_class) {}

AclConfig::AclConfig() : lock(g_acl_config_lock_class) {}

DiscoveryConfig::DiscoveryConfig() : lock(g_discovery_config_lock_class) {}

DiscoveryConfig &discovery_config() { return *g_discovery; }

Result<void> discovery_config_init() {
	if (g_discovery)
		return {};
	OwnPtr<DiscoveryConfig> made = make<DiscoveryConfig>(Gfp::Kernel);
	if (!made)
		return Error::from_errno(KABI_ENOMEM);
	g_discovery = made.release();
	return {};
}

void discovery_config_exit() { adopt_own(exchange(g_discovery, nullptr)); }

} // namespace lio::fabrics::iscsi
