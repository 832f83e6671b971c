// SPDX-License-Identifier: GPL-2.0
#include "configfs/target_root.h"

#include "configfs/device_tree.h"
#include "configfs/fabric_tree.h"
#include "configfs/node.h"
#include "kabi/sys.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::cfs {

namespace {

// The version line rtslib and users read; LIO's wording and version number, kept so that
// tools comparing it keep working.
constexpr const char kCoreVersion[] = "v5.0";

// ---- target/core/alua/lu_gps/<group> ----

constexpr kabi_cfs_attr kLuGroupAttrs[] = {
    {"lu_gp_id", 0644},
    {"members", 0444},
};
enum LuGroupAttr : u32 { kLuGpId, kLuGpMembers };
constinit NodeType lu_group_type("lu_gp", kLuGroupAttrs);

class LuGroupNode final : public Node {
  public:
	explicit LuGroupNode(core::TargetCore &core)
	    : group_(core.lu_groups()), registry_(core.lu_groups()), core_(core) {
		registry_.add(group_);
	}
	~LuGroupNode() override { registry_.remove(group_); }

	core::LuGroup &group() { return group_; }

	s64 show(u32 index, MutableBytes out) override {
		switch (index) {
		case kLuGpId:
			if (!group_.has_id())
				return 0;
			return kabi_snprintf(reinterpret_cast<char *>(out.data()), out.size(), "%u\n",
					     group_.id());
		case kLuGpMembers:
			// One "<hba>/<device>" line per member device.
			return core_.format_lu_members(group_, reinterpret_cast<char *>(out.data()),
						       out.size());
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		if (index != kLuGpId)
			return Error::from_errno(KABI_EACCES);
		Result<u64> id = parse_u64(in.value(), 0);
		if (id.is_error()) {
			log_err("alua: lu_gp_id: \"%.*s\" is not a number from 0 to 65535\n",
				static_cast<int>(in.value().size()), in.value().data());
			return Error::from_errno(KABI_EINVAL);
		}
		return registry_.set_id(group_, id.value());
	}

  private:
	core::LuGroup group_;
	core::LuGroupRegistry &registry_;
	core::TargetCore &core_;
};

// ---- target/core/alua/lu_gps ----

constinit NodeType lu_gps_type("lu_gps");

class LuGroupsNode final : public Node {
  public:
	explicit LuGroupsNode(core::TargetCore &core) : core_(core) {}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		OwnPtr<LuGroupNode> node = make<LuGroupNode>(Gfp::Kernel, core_);
		if (!node)
			return Error::from_errno(KABI_ENOMEM);
		bind_child(group, lu_group_type, node.release());
		return {};
	}

  private:
	core::TargetCore &core_;
};

// ---- target/core/alua, target/core ----

constinit NodeType alua_type("alua");
constinit NodeType core_type("core");

class PlainNode final : public Node {};

// mkdir core/<backend>_<index> makes an HBA (configfs/device_tree.cpp); rmdir removes it
// (configfs refuses with ENOTEMPTY while it holds devices).
class CoreNode final : public Node {
  public:
	explicit CoreNode(core::TargetCore &core) : core_(core) {}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		return make_hba(core_, name, group);
	}

  private:
	core::TargetCore &core_;
};

// ---- target/ ----

constexpr kabi_cfs_attr kRootAttrs[] = {
    {"dbroot", 0644},
    {"version", 0444},
};
enum RootAttr : u32 { kDbRoot, kVersion };
constinit NodeType root_type("target", kRootAttrs);

class RootNode final : public Node {
  public:
	explicit RootNode(core::TargetCore &core) : core_(core) {}

	s64 show(u32 index, MutableBytes out) override {
		char *buf = reinterpret_cast<char *>(out.data());
		switch (index) {
		case kDbRoot: {
			u32 n = core_.read_dbroot(buf, out.size() > 1 ? out.size() - 1 : 0);
			return n + kabi_snprintf(buf + n, out.size() - n, "\n");
		}
		case kVersion: {
			kabi_uts uts;
			kabi_sys_uts(&uts);
			return kabi_snprintf(buf, out.size(),
					     "Target Engine Core ConfigFS Infrastructure %s on %s/%s on %s\n",
					     kCoreVersion, uts.sysname, uts.machine, uts.release);
		}
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		if (index != kDbRoot)
			return Error::from_errno(KABI_EACCES);
		return core_.set_dbroot(in.value());
	}

	// mkdir target/<fabric>: the registered fabric (its module loaded on demand), pinned for
	// the directory's life.
	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		return make_fabric_root(core_, name, group);
	}

  private:
	core::TargetCore &core_;
};

NodeType *const kTypes[] = {&root_type, &core_type, &alua_type, &lu_gps_type, &lu_group_type};
constexpr u32 kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

kabi_cfs_group *g_subsystem = nullptr;

Result<void> build_tree(core::TargetCore &core, kabi_cfs_group *root) {
	kabi_cfs_group *core_group = TRY(adopt_default(root, "core", core_type,
						       make<CoreNode>(Gfp::Kernel, core)));
	kabi_cfs_group *alua = TRY(adopt_default(core_group, "alua", alua_type,
						 make<PlainNode>(Gfp::Kernel)));
	kabi_cfs_group *lu_gps = TRY(adopt_default(alua, "lu_gps", lu_gps_type,
						   make<LuGroupsNode>(Gfp::Kernel, core)));
	OwnPtr<LuGroupNode> default_gp = make<LuGroupNode>(Gfp::Kernel, core);
	if (!default_gp)
		return Error::from_errno(KABI_ENOMEM);
	TRY(core.lu_groups().set_id(default_gp->group(), 0));
	core.set_default_lu_group(&default_gp->group());
	TRY(adopt_default(lu_gps, "default_lu_gp", lu_group_type, move(default_gp)));
	return {};
}

} // namespace

Result<void> register_target_tree(core::TargetCore &core, kabi_module *owner) {
	TRY(NodeType::register_all(kTypes, kTypeCount, owner));
	Result<void> device_types = register_device_types(owner);
	if (device_types.is_error()) {
		NodeType::unregister_all(kTypes, kTypeCount);
		return device_types;
	}
	Result<void> fabric_types = register_fabric_static_types(owner);
	if (fabric_types.is_error()) {
		unregister_device_types();
		NodeType::unregister_all(kTypes, kTypeCount);
		return fabric_types;
	}

	OwnPtr<RootNode> root_node = make<RootNode>(Gfp::Kernel, core);
	kabi_cfs_group *root = nullptr;
	s32 ret = root_node ? kabi_cfs_subsystem_create("target", root_type.raw(), root_node.get(),
						       &root)
			    : -KABI_ENOMEM;
	if (ret < 0) {
		unregister_fabric_static_types();
		unregister_device_types();
		NodeType::unregister_all(kTypes, kTypeCount);
		return Error::from_errno(-ret);
	}
	root_node.release();

	Result<void> built = build_tree(core, root);
	if (!built.is_error()) {
		ret = kabi_cfs_subsystem_register(root);
		if (ret < 0)
			built = Error::from_errno(-ret);
	}
	if (built.is_error()) {
		kabi_cfs_subsystem_destroy(root);
		core.set_default_lu_group(nullptr);
		unregister_fabric_static_types();
		unregister_device_types();
		NodeType::unregister_all(kTypes, kTypeCount);
		return built;
	}
	g_subsystem = root;
	return {};
}

void unregister_target_tree() {
	kabi_cfs_subsystem_destroy(g_subsystem);
	g_subsystem = nullptr;
	unregister_fabric_static_types();
	unregister_device_types();
	NodeType::unregister_all(kTypes, kTypeCount);
}

} // namespace lio::cfs
