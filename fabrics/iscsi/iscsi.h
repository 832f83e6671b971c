// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/iscsi.h: LIO's iSCSI fabric (module iscsi_target_mod): its configfs objects.
 *
 *   IscsiFabric            "iscsi": the factory the core calls for target/iscsi/...
 *   IscsiTiqn  (FabricWwn) target/iscsi/<iqn>/: a target name, its TPGs, its statistics
 *   IscsiTpg   (FabricTpg) .../tpgt_N/: param/, attrib/, auth/ (TpgConfig), portals, ACLs
 *   IscsiNp    (FabricNp)  .../tpgt_N/np/<addr:port>/: this TPG's use of a Portal
 *   IscsiAcl   (FabricAcl) .../acls/<initiator>/: CHAP secrets and attributes (AclConfig)
 *
 * Listening sockets (Portal) are shared: the same address may be a portal of several TPGs of
 * several targets, as in LIO; a login on it picks the TPG by TargetName. The registry that
 * ties names, TPGs and portals together for logins and SendTargets is in registry.h; it
 * keeps every object below on one list per kind (few hundred at most; searched linearly).
 *
 * Files: iscsi.cpp (these objects), iscsi_configfs.cpp (their configfs attribute files),
 * tpg_config.cpp (the values behind them), registry.cpp, conn*.cpp (connections and
 * sessions), login.cpp / params.cpp / chap.cpp / text.cpp (the login phase).
 */
#ifndef LIO_FABRICS_ISCSI_ISCSI_H
#define LIO_FABRICS_ISCSI_ISCSI_H

#include "core/fabric.h"
#include "fabrics/iscsi/tpg_config.h"
#include "lio/atomic.h"
#include "lio/list.h"

namespace lio::fabrics::iscsi {

class Portal;
class IscsiSession;

class IscsiFabric final : public core::Fabric {
  public:
	constexpr IscsiFabric() = default;

	const char *name() const override { return "iscsi"; }
	core::ProtocolId protocol_id() const override { return core::ProtocolId::kIscsi; }
	const core::FabricAttrs &attrs() const override; // iscsi_configfs.cpp
	Result<OwnPtr<core::FabricWwn>> make_wwn(StrView name) override;
	Result<OwnPtr<core::FabricTpg>> make_tpg(core::FabricWwn &wwn, u16 tag) override;
	Result<OwnPtr<core::FabricNp>> make_np(core::FabricTpg &tpg, StrView name) override;
	Result<OwnPtr<core::FabricAcl>> make_acl(core::FabricTpg &tpg, StrView initiator) override;

	// LIO's iscsi_ops.fabric_name.
	const char *fabric_name() const override { return "iSCSI"; }
	// LIO 6.12: iscsi_ops.default_submit_type TARGET_DIRECT_SUBMIT, direct_submit_supp 1.
	u32 default_submit_type() const override { return 1; }
	bool direct_submit_supported() const override { return true; }
	// LIO: fabric_enable_tpg is set (tpgt_N/enable).
	bool has_tpg_enable() const override { return true; }
	// LIO's iSCSI TPG defaults (TA_GENERATE_NODE_ACLS 0, TA_DEMO_MODE_WRITE_PROTECT 1,
	// TA_CACHE_DYNAMIC_ACLS 0).
	bool default_generate_node_acls() const override { return false; }
	bool default_demo_mode_write_protect() const override { return true; }
	bool default_cache_dynamic_acls() const override { return false; }
};

extern constinit IscsiFabric g_iscsi_fabric;

// LIO's iscsi_tiqn statistics (fabric_statistics/iscsi_login_stats, iscsi_logout_stats,
// iscsi_sess_err, iscsi_tgt_attr), counted by the login and the connections.
struct TiqnStats {
	Atomic<u32> login_accepts{0};
	Atomic<u32> login_other_fails{0};
	Atomic<u32> login_redirects{0};
	Atomic<u32> login_authorize_fails{0};
	Atomic<u32> login_authenticate_fails{0};
	Atomic<u32> login_negotiate_fails{0};
	Atomic<u32> logout_normal{0};
	Atomic<u32> logout_abnormal{0};
	Atomic<u32> digest_errors{0};
	Atomic<u32> cxn_timeout_errors{0};
	Atomic<u32> pdu_format_errors{0};
	Atomic<u64> last_fail_time{0}; // ms (iscsi_glue_now_ms) of the last failed login
	Atomic<u32> last_fail_type{0}; // LIO's ISCSI_LOGIN_FAIL_* of the last failed login
	Atomic<u32> portals{0};  // (configfs) np/ dirs of all its TPGs (LIO's tiqn_num_tpg_nps)
	Atomic<u32> sessions{0}; // (configfs) its sessions (LIO's tiqn_nsessions)
};

// target/iscsi/<iqn>/.
class IscsiTiqn final : public core::FabricWwn {
  public:
	IscsiTiqn(u32 index, StrView name);
	~IscsiTiqn() override;

	u32 index() const { return index_; }
	const char *name() const { return name_; }
	TiqnStats stats;

	ListNode registry_node; // the registry's list of targets (under its lock)

  private:
	const u32 index_;
	char name_[kIqnLen] = {};
};

// target/iscsi/<iqn>/tpgt_N/.
class IscsiTpg final : public core::FabricTpg {
  public:
	IscsiTpg(IscsiTiqn &tiqn, u16 tag);
	~IscsiTpg() override;

	IscsiTiqn &tiqn() const { return tiqn_; }
	u16 tag() const { return tag_; }
	u32 inst_index() const override { return tiqn_.index(); }
	Result<void> set_enabled(bool enable) override;
	void shutdown() override;

	// param/, attrib/, auth/ (tpg_config.h; its own lock).
	TpgConfig config;

	// Under the registry's lock:
	bool enabled = false;
	bool shutting_down = false;
	u32 users = 0;          // connections (login or full feature) that use this TPG
	ListNode registry_node; // the registry's list of TPGs

  private:
	IscsiTiqn &tiqn_;
	const u16 tag_;
};

// .../tpgt_N/np/<addr:port>/.
class IscsiNp final : public core::FabricNp {
  public:
	IscsiNp(IscsiTpg &tpg, Portal &portal) : tpg_(tpg), portal_(portal) {}
	~IscsiNp() override;

	IscsiTpg &tpg() const { return tpg_; }
	Portal &portal() const { return portal_; }

	ListNode registry_node; // the registry's list of portals in use (under its lock)
	// np/<x>/iser and cxgbit (LIO): accepted values 0/1; 1 is refused (no iSER / cxgbit
	// transport yet), under the registry's lock.
	bool iser = false;

  private:
	IscsiTpg &tpg_;
	Portal &portal_; // one reference held
};

// .../acls/<initiator>/.
class IscsiAcl final : public core::FabricAcl {
  public:
	IscsiAcl(IscsiTpg &tpg, StrView initiator);
	~IscsiAcl() override;

	IscsiTpg &tpg() const { return tpg_; }
	const char *initiator() const { return initiator_; }

	// attrib/, auth/, cmdsn_depth (tpg_config.h; its own lock).
	AclConfig config;

	ListNode registry_node; // the registry's list of ACLs (under its lock)

  private:
	IscsiTpg &tpg_;
	char initiator_[kIqnLen] = {};
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_ISCSI_H
