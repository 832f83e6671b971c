// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/iscsi.h: LIO's iSCSI fabric (module iscsi_target_mod), configfs only.
 *
 * What this skeleton is: the fabric "iscsi" registered with the core, so that the generic
 * fabric tree works (target IQNs, tpgt_N with `enable`, LUNs, node ACLs: all made by the core),
 * plus the fabric's own root files (lio_version, cpus_allowed_list) and discovery_auth/ with
 * LIO's semantics. That is what rtslib/targetcli need for clearconfig, saveconfig and
 * restoreconfig.
 *
 * What it is not: an iSCSI target. Network portals (tpgt_N/np/<addr>) are refused with
 * EOPNOTSUPP and one log line, no socket is ever opened, no login is served, and none of LIO's
 * per-TPG / per-ACL iSCSI files (tpgt_N/attrib, auth, param iSCSI keys, acls/<x>/auth, ...)
 * exist yet.
 */
#ifndef LIO_FABRICS_ISCSI_ISCSI_H
#define LIO_FABRICS_ISCSI_ISCSI_H

#include "core/fabric.h"

namespace lio::fabrics::iscsi {

class IscsiFabric final : public core::Fabric {
  public:
	constexpr IscsiFabric() = default;

	const char *name() const override { return "iscsi"; }
	core::ProtocolId protocol_id() const override { return core::ProtocolId::kIscsi; }
	const core::FabricAttrs &attrs() const override;
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

// target/iscsi/<iqn>/: LIO's iscsi_tiqn, reduced to its index (tiqn_index: the lowest free
// one, from 0, as LIO's idr; shown as statistics inst through the TPG's inst_index()).
class IscsiTiqn final : public core::FabricWwn {
  public:
	explicit IscsiTiqn(u32 index) : index_(index) {}
	~IscsiTiqn() override;

	u32 index() const { return index_; }

  private:
	const u32 index_;
};

// target/iscsi/<iqn>/tpgt_N/: nothing to serve, so enabling it changes nothing here (the
// core keeps the `enable` value).
class IscsiTpg final : public core::FabricTpg {
  public:
	explicit IscsiTpg(IscsiTiqn &tiqn) : tiqn_(tiqn) {}

	u32 inst_index() const override { return tiqn_.index(); }

  private:
	IscsiTiqn &tiqn_;
};

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_ISCSI_H
