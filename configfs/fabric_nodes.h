// SPDX-License-Identifier: GPL-2.0
// configfs/fabric_nodes.h: what configfs/fabric_tree.cpp and configfs/fabric_lun.cpp share
// (internal to the fabric tree).
#ifndef LIO_CONFIGFS_FABRIC_NODES_H
#define LIO_CONFIGFS_FABRIC_NODES_H

#include "configfs/node.h"
#include "core/fabric.h"
#include "core/tpg.h"
#include "kabi/log.h"
#include "lio/log.h"

namespace lio::cfs {

#define SHOW(...) kabi_snprintf(reinterpret_cast<char *>(out.data()), out.size(), __VA_ARGS__)
#define VAL_ARGS(v) static_cast<int>((v).size()), (v).data()

// The directories whose files differ per fabric (one NodeType each per fabric).
enum FabricKind : u32 {
	kRoot,
	kDiscovery,
	kWwn,
	kTpg,
	kTpgAttrib,
	kTpgAuth,
	kTpgParam,
	kNp,
	kAcl,
	kAclAttrib,
	kAclAuth,
	kAclParam,
	kFabricKinds,
};

// Built by register_fabric_types: per kind, the generic files (generic[k] of them) then the
// fabric's table.
struct FabricTypes {
	core::Fabric *fabric = nullptr;
	NodeType *type[kFabricKinds] = {};
	kabi_cfs_attr *attrs[kFabricKinds] = {};
	u32 generic[kFabricKinds] = {};
	// The fabric's own directories in <wwn>/fabric_statistics/ (FabricAttrs::wwn_fabric_stats)
	// then in acls/<x>/fabric_statistics/ (acl_fabric_stats): one type each, in that order.
	NodeType **group_type = nullptr;
	kabi_cfs_attr **group_attrs = nullptr;
	u32 wwn_groups = 0;
	u32 acl_groups = 0;
};

// A fabric attribute file of obj (null: the fabric made no object, e.g. no FabricAcl).
template <typename Obj>
s64 table_show(const core::FabricAttrTable<Obj> &t, u32 i, Obj *obj, MutableBytes out) {
	if (i >= t.count || !t.attrs[i].show || !(t.attrs[i].mode & 0444))
		return -KABI_EACCES;
	if (!obj)
		return -KABI_ENODEV;
	return t.attrs[i].show(*obj, out);
}

template <typename Obj>
Result<void> table_store(const core::FabricAttrTable<Obj> &t, u32 i, Obj *obj,
			 const StoreInput &in) {
	if (i >= t.count || !t.attrs[i].store)
		return Error::from_errno(KABI_EACCES);
	if (!obj)
		return Error::from_errno(KABI_ENODEV);
	return t.attrs[i].store(*obj, in.value());
}

class PlainNode final : public Node {};

// Static types of fabric_lun.cpp used by fabric_tree.cpp.
extern NodeType tpg_lun_type;
extern NodeType tpg_np_type;
extern NodeType tpg_acls_type;

OwnPtr<Node> make_lun_group(core::Tpg &tpg);
OwnPtr<Node> make_acl_group(FabricTypes &types, core::Tpg &tpg);

Result<void> register_fabric_lun_types(kabi_module *owner);
void unregister_fabric_lun_types();

} // namespace lio::cfs

#endif // LIO_CONFIGFS_FABRIC_NODES_H
