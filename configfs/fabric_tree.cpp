// SPDX-License-Identifier: GPL-2.0
// configfs/fabric_tree.cpp: target/<fabric>/ down to tpgt_N/ and its np/ (see fabric_tree.h).
// Formats, defaults and write validation follow LIO's target_core_fabric_configfs.c; every
// refused write or mkdir logs one line.
#include "configfs/fabric_tree.h"

#include "configfs/fabric_nodes.h"
#include "core/fabric_registry.h"
#include "kabi/modules.h"
#include "lio/alloc.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::cfs {

using core::Fabric;
using core::FabricAttrs;
using core::Tpg;

namespace {

const char *const kKindNames[kFabricKinds] = {
    "fabric_root", "fabric_discovery_auth", "fabric_wwn",	  "fabric_tpg",
    "fabric_tpg_attrib", "fabric_tpg_auth",    "fabric_tpg_param", "fabric_np",
    "fabric_acl",	   "fabric_acl_attrib",  "fabric_acl_auth",  "fabric_acl_param",
};

constexpr kabi_cfs_attr kTpgGenericAttrs[] = {{"rtpi", 0644}, {"enable", 0644}};
enum TpgGenericAttr : u32 { kTpgRtpi, kTpgEnable };

u32 generic_count(const Fabric &fabric, FabricKind kind) {
	if (kind == kTpg)
		return fabric.has_tpg_enable() ? 2 : 1;
	return 0;
}

template <typename Obj>
void fill(kabi_cfs_attr *out, const core::FabricAttrTable<Obj> &table) {
	for (u32 i = 0; i < table.count; i++)
		out[i] = kabi_cfs_attr{table.attrs[i].name, table.attrs[i].mode};
}

u32 table_count(const FabricAttrs &a, FabricKind kind) {
	switch (kind) {
	case kRoot: return a.fabric_root.count;
	case kDiscovery: return a.discovery_auth.count;
	case kWwn: return a.wwn.count;
	case kTpg: return a.tpg.count;
	case kTpgAttrib: return a.tpg_attrib.count;
	case kTpgAuth: return a.tpg_auth.count;
	case kTpgParam: return a.tpg_param.count;
	case kNp: return a.np.count;
	case kAcl: return a.acl.count;
	case kAclAttrib: return a.acl_attrib.count;
	case kAclAuth: return a.acl_auth.count;
	case kAclParam: return a.acl_param.count;
	case kFabricKinds: break;
	}
	return 0;
}

void fill_table(kabi_cfs_attr *out, const FabricAttrs &a, FabricKind kind) {
	switch (kind) {
	case kRoot: return fill(out, a.fabric_root);
	case kDiscovery: return fill(out, a.discovery_auth);
	case kWwn: return fill(out, a.wwn);
	case kTpg: return fill(out, a.tpg);
	case kTpgAttrib: return fill(out, a.tpg_attrib);
	case kTpgAuth: return fill(out, a.tpg_auth);
	case kTpgParam: return fill(out, a.tpg_param);
	case kNp: return fill(out, a.np);
	case kAcl: return fill(out, a.acl);
	case kAclAttrib: return fill(out, a.acl_attrib);
	case kAclAuth: return fill(out, a.acl_auth);
	case kAclParam: return fill(out, a.acl_param);
	case kFabricKinds: break;
	}
}

void free_types(FabricTypes *t) {
	for (u32 k = 0; k < kFabricKinds; k++) {
		delete t->type[k];
		delete[] t->attrs[k];
	}
	for (u32 i = 0; i < t->wwn_groups + t->acl_groups; i++) {
		if (t->group_type)
			delete t->group_type[i];
		if (t->group_attrs)
			delete[] t->group_attrs[i];
	}
	delete[] t->group_type;
	delete[] t->group_attrs;
	delete t;
}

// A NodeType named `name` with n files: the `generic` first of kTpgGenericAttrs, then what
// fill_fabric writes (the fabric's table).
template <typename Fill>
Result<void> make_type(const Fabric &fabric, const char *name, u32 generic, u32 n,
		       Fill &&fill_fabric, kabi_cfs_attr *&attrs, NodeType *&type) {
	if (n > KABI_CFS_MAX_ATTRS) {
		log_err("core: fabric %s: %u files in %s exceed %u\n", fabric.name(), n, name,
			KABI_CFS_MAX_ATTRS);
		return Error::from_errno(KABI_EINVAL);
	}
	if (n) {
		attrs = new (Gfp::Kernel) kabi_cfs_attr[n];
		if (!attrs)
			return Error::from_errno(KABI_ENOMEM);
		for (u32 i = 0; i < generic; i++)
			attrs[i] = kTpgGenericAttrs[i];
		fill_fabric(attrs + generic);
	}
	type = make<NodeType>(Gfp::Kernel, name, attrs, n).release();
	if (!type)
		return Error::from_errno(KABI_ENOMEM);
	return {};
}

// One NodeType per fabric group (fabric_statistics/<name>/), its files from the group's table.
template <typename Obj>
Result<void> make_group_type(FabricTypes *t, u32 slot, const core::FabricGroup<Obj> &g,
			     const Fabric &fabric) {
	return make_type(fabric, g.name, 0, g.attrs.count,
			 [&](kabi_cfs_attr *out) { fill(out, g.attrs); }, t->group_attrs[slot],
			 t->group_type[slot]);
}

Result<void> make_group_types(FabricTypes *t, const Fabric &fabric) {
	const FabricAttrs &a = fabric.attrs();
	u32 total = static_cast<u32>(a.wwn_fabric_stats.size() + a.acl_fabric_stats.size());
	if (!total)
		return {};
	t->group_type = new (Gfp::Kernel) NodeType *[total];
	t->group_attrs = new (Gfp::Kernel) kabi_cfs_attr *[total];
	if (!t->group_type || !t->group_attrs)
		return Error::from_errno(KABI_ENOMEM);
	for (u32 i = 0; i < total; i++) {
		t->group_type[i] = nullptr;
		t->group_attrs[i] = nullptr;
	}
	t->wwn_groups = static_cast<u32>(a.wwn_fabric_stats.size());
	t->acl_groups = static_cast<u32>(a.acl_fabric_stats.size());
	for (u32 i = 0; i < t->wwn_groups; i++)
		TRY(make_group_type(t, i, a.wwn_fabric_stats[i], fabric));
	for (u32 i = 0; i < t->acl_groups; i++)
		TRY(make_group_type(t, t->wwn_groups + i, a.acl_fabric_stats[i], fabric));
	return {};
}

} // namespace

Result<FabricTypes *> register_fabric_types(Fabric &fabric, kabi_module *owner) {
	OwnPtr<FabricTypes> made = make<FabricTypes>(Gfp::Kernel);
	if (!made)
		return Error::from_errno(KABI_ENOMEM);
	FabricTypes *t = made.release();
	t->fabric = &fabric;
	const FabricAttrs &a = fabric.attrs();
	for (u32 k = 0; k < kFabricKinds; k++) {
		FabricKind kind = static_cast<FabricKind>(k);
		u32 g = generic_count(fabric, kind);
		t->generic[k] = g;
		Result<void> r = make_type(
			fabric, kKindNames[k], g, g + table_count(a, kind),
			[&](kabi_cfs_attr *out) { fill_table(out, a, kind); }, t->attrs[k], t->type[k]);
		if (r.is_error()) {
			free_types(t);
			return r.error();
		}
	}
	Result<void> r = make_group_types(t, fabric);
	if (r.is_error()) {
		free_types(t);
		return r.error();
	}
	r = NodeType::register_all(t->type, kFabricKinds, owner);
	if (r.is_error()) {
		free_types(t);
		return r.error();
	}
	r = NodeType::register_all(t->group_type, t->wwn_groups + t->acl_groups, owner);
	if (r.is_error()) {
		NodeType::unregister_all(t->type, kFabricKinds);
		free_types(t);
		return r.error();
	}
	return t;
}

void unregister_fabric_types(FabricTypes *types) {
	if (!types)
		return;
	NodeType::unregister_all(types->group_type, types->wwn_groups + types->acl_groups);
	NodeType::unregister_all(types->type, kFabricKinds);
	free_types(types);
}

// ---------------------------------------------------------------- tpgt_N

namespace {

Result<bool> kstrtobool(const StoreInput &in) {
	if (in.len >= 1) {
		switch (in.data[0]) {
		case '1': case 'y': case 'Y':
			return true;
		case '0': case 'n': case 'N':
			return false;
		case 'o': case 'O':
			if (in.len >= 2 && (in.data[1] == 'n' || in.data[1] == 'N'))
				return true;
			if (in.len >= 2 && (in.data[1] == 'f' || in.data[1] == 'F'))
				return false;
			break;
		default:
			break;
		}
	}
	return Error::from_errno(KABI_EINVAL);
}

class TpgTableNode final : public Node {
  public:
	TpgTableNode(Tpg &tpg, const core::FabricAttrTable<core::FabricTpg> &table)
	    : tpg_(tpg), table_(table) {}
	s64 show(u32 index, MutableBytes out) override {
		return table_show(table_, index, &tpg_.fabric_tpg(), out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(table_, index, &tpg_.fabric_tpg(), in);
	}

  private:
	Tpg &tpg_; // the TpgNode above holds the reference
	const core::FabricAttrTable<core::FabricTpg> &table_;
};

class NpNode final : public Node {
  public:
	NpNode(const Fabric &fabric, OwnPtr<core::FabricNp> np) : fabric_(fabric), np_(move(np)) {}
	s64 show(u32 index, MutableBytes out) override {
		return table_show(fabric_.attrs().np, index, np_.get(), out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(fabric_.attrs().np, index, np_.get(), in);
	}

  private:
	const Fabric &fabric_;
	OwnPtr<core::FabricNp> np_;
};

class NpGroupNode final : public Node {
  public:
	NpGroupNode(FabricTypes &types, Tpg &tpg) : types_(types), tpg_(tpg) {}
	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		OwnPtr<core::FabricNp> np =
		    TRY(tpg_.fabric().make_np(tpg_.fabric_tpg(), str_view(name)));
		OwnPtr<NpNode> node = TRY(try_make<NpNode>(Gfp::Kernel, tpg_.fabric(), move(np)));
		bind_child(group, *types_.type[kNp], node.release());
		return {};
	}

  private:
	FabricTypes &types_;
	Tpg &tpg_;
};

class TpgNode final : public Node {
  public:
	TpgNode(FabricTypes &types, RefPtr<Tpg> tpg) : types_(types), tpg_(move(tpg)) {}

	Tpg &tpg() { return *tpg_; }

	Result<void> add_defaults(kabi_cfs_group *group) {
		Tpg &t = *tpg_;
		const FabricAttrs &a = t.fabric().attrs();
		TRY(adopt_default(group, "lun", tpg_lun_type, make_lun_group(t)));
		TRY(adopt_default(group, "np", tpg_np_type, make<NpGroupNode>(Gfp::Kernel, types_, t)));
		TRY(adopt_default(group, "acls", tpg_acls_type, make_acl_group(types_, t)));
		TRY(adopt_default(group, "attrib", *types_.type[kTpgAttrib],
				  make<TpgTableNode>(Gfp::Kernel, t, a.tpg_attrib)));
		TRY(adopt_default(group, "auth", *types_.type[kTpgAuth],
				  make<TpgTableNode>(Gfp::Kernel, t, a.tpg_auth)));
		TRY(adopt_default(group, "param", *types_.type[kTpgParam],
				  make<TpgTableNode>(Gfp::Kernel, t, a.tpg_param)));
		return {};
	}

	s64 show(u32 index, MutableBytes out) override {
		u32 g = types_.generic[kTpg];
		if (index >= g)
			return table_show(tpg_->fabric().attrs().tpg, index - g, &tpg_->fabric_tpg(),
					  out);
		if (index == kTpgRtpi)
			return SHOW("0x%x\n", tpg_->rtpi()); // the kernel's %#x of 0 is 0x0 too
		return SHOW("%d\n", tpg_->enabled() ? 1 : 0);
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		u32 g = types_.generic[kTpg];
		if (index >= g)
			return table_store(tpg_->fabric().attrs().tpg, index - g,
					   &tpg_->fabric_tpg(), in);
		if (index == kTpgRtpi) {
			Result<u64> v = parse_u64(StrView(in.data, in.len), 16);
			if (v.is_error() || v.value() > 0xffff) {
				log_err("%s/tpgt_%u: rtpi: \"%.*s\" is not a 16-bit hex number\n",
					tpg_->wwn_name(), tpg_->tag(), VAL_ARGS(in.value()));
				return Error::from_errno(v.is_error() ? v.error().errno_value()
								      : KABI_ERANGE);
			}
			return tpg_->set_rtpi(static_cast<u16>(v.value()));
		}
		Result<bool> on = kstrtobool(in);
		if (on.is_error()) {
			log_err("%s/tpgt_%u: enable: \"%.*s\" is not a boolean\n", tpg_->wwn_name(),
				tpg_->tag(), VAL_ARGS(in.value()));
			return on.error();
		}
		return tpg_->set_enabled(on.value());
	}

  private:
	FabricTypes &types_;
	RefPtr<Tpg> tpg_;
};

// ---------------------------------------------------------------- <wwn>

constexpr kabi_cfs_attr kWwnParamAttrs[] = {
    {"cmd_completion_affinity", 0644},
    {"default_submit_type", 0444},
    {"direct_submit_supported", 0444},
};
enum WwnParamAttr : u32 { kCmdComplAffinity, kDefaultSubmitType, kDirectSubmitSupported };
constinit NodeType wwn_param_type("fabric_wwn_param", kWwnParamAttrs);
constinit NodeType wwn_stat_type("fabric_wwn_statistics");

// LIO's SE_COMPL_AFFINITY_CPUID (-2: the submitting CPU) and _CURR_CPU (-1: any CPU, shown
// as -1 for WORK_CPU_UNBOUND). LIO's default is -1.
constexpr s32 kAffinityCpuId = -2;
constexpr s32 kAffinityCurrCpu = -1;

class WwnParamNode final : public Node {
  public:
	WwnParamNode(const Fabric &fabric, const char *wwn) : fabric_(fabric), wwn_(wwn) {}

	s64 show(u32 index, MutableBytes out) override {
		switch (index) {
		case kCmdComplAffinity:
			return SHOW("%d\n", static_cast<int>(affinity_.load(MemoryOrder::Relaxed)));
		case kDefaultSubmitType:
			return SHOW("%u\n", fabric_.default_submit_type());
		case kDirectSubmitSupported:
			return SHOW("%u\n", fabric_.direct_submit_supported() ? 1u : 0u);
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		if (index != kCmdComplAffinity)
			return Error::from_errno(KABI_EACCES);
		// kstrtoint(page, 0): an optional '-' then a number.
		StrView v = StrView(in.data, in.len);
		bool neg = v.size() > 0 && v.data()[0] == '-';
		Result<u64> mag = parse_u64(neg ? StrView(v.data() + 1, v.size() - 1) : v, 0);
		if (mag.is_error() || mag.value() > 0x80000000ull ||
		    (!neg && mag.value() > 0x7fffffffull)) {
			log_err("%s/param: cmd_completion_affinity: \"%.*s\" is not an integer\n",
				wwn_, VAL_ARGS(in.value()));
			return Error::from_errno(KABI_EINVAL);
		}
		s64 x = neg ? -static_cast<s64>(mag.value()) : static_cast<s64>(mag.value());
		if (x != kAffinityCpuId && x != kAffinityCurrCpu) {
			// LIO also takes the id of an online CPU; completions here run where the
			// backstore completes them, so binding to one CPU is not offered.
			log_err("%s/param: cmd_completion_affinity: %lld: only %d and %d are "
				"supported\n",
				wwn_, static_cast<long long>(x), kAffinityCpuId, kAffinityCurrCpu);
			return Error::from_errno(KABI_EINVAL);
		}
		affinity_.store(static_cast<s32>(x), MemoryOrder::Relaxed);
		return {};
	}

  private:
	const Fabric &fabric_;
	const char *wwn_; // the WwnNode's name, which outlives this node
	Atomic<s32> affinity_{kAffinityCurrCpu};
};

// <wwn>/fabric_statistics/<group>/: a fabric table over the WWN's FabricWwn.
class WwnTableNode final : public Node {
  public:
	WwnTableNode(core::FabricWwn *wwn, const core::FabricAttrTable<core::FabricWwn> &table)
	    : wwn_(wwn), table_(table) {}
	s64 show(u32 index, MutableBytes out) override {
		return table_show(table_, index, wwn_, out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(table_, index, wwn_, in);
	}

  private:
	core::FabricWwn *wwn_; // the WwnNode above owns it
	const core::FabricAttrTable<core::FabricWwn> &table_;
};

class WwnNode final : public Node {
  public:
	WwnNode(FabricTypes &types, StrView name, OwnPtr<core::FabricWwn> wwn)
	    : types_(types), name_{}, wwn_(move(wwn)) {
		(void)str_copy(Span<char>(name_, sizeof(name_)), name); // bounded by the caller
	}

	Result<void> add_defaults(kabi_cfs_group *group) {
		kabi_cfs_group *stat = TRY(adopt_default(group, "fabric_statistics", wwn_stat_type,
							 make<PlainNode>(Gfp::Kernel)));
		const FabricAttrs &a = types_.fabric->attrs();
		for (u32 i = 0; i < types_.wwn_groups; i++) {
			const core::FabricGroup<core::FabricWwn> &g = a.wwn_fabric_stats[i];
			TRY(adopt_default(stat, g.name, *types_.group_type[i],
					  make<WwnTableNode>(Gfp::Kernel, wwn_.get(), g.attrs)));
		}
		TRY(adopt_default(group, "param", wwn_param_type,
				  make<WwnParamNode>(Gfp::Kernel, *types_.fabric, name_)));
		return {};
	}

	s64 show(u32 index, MutableBytes out) override {
		return table_show(types_.fabric->attrs().wwn, index, wwn_.get(), out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(types_.fabric->attrs().wwn, index, wwn_.get(), in);
	}

	// mkdir tpgt_N: N from 1 to 65535 (LIO's fabrics parse "tpgt_" and a decimal tag).
	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		StrView n = str_view(name);
		StrView prefix = str_view("tpgt_");
		Result<u64> tag = Error::from_errno(KABI_EINVAL);
		if (starts_with(n, prefix) && n.data()[n.size() - 1] != '\n')
			tag = parse_u64(StrView(n.data() + prefix.size(), n.size() - prefix.size()),
					10);
		if (tag.is_error() || tag.value() == 0 || tag.value() > 0xffff) {
			log_err("%s/%s: %s: expected tpgt_<1-65535>\n", types_.fabric->name(), name_,
				name);
			return Error::from_errno(KABI_EINVAL);
		}
		Fabric &fabric = *types_.fabric;
		u16 t = static_cast<u16>(tag.value());
		OwnPtr<core::FabricTpg> ftpg = TRY(fabric.make_tpg(*wwn_, t));
		if (!ftpg) {
			log_err("%s/%s: %s: the fabric made no TPG\n", fabric.name(), name_, name);
			return Error::from_errno(KABI_EINVAL);
		}
		RefPtr<Tpg> tpg = TRY(Tpg::create(fabric, str_view(name_), t, move(ftpg)));
		OwnPtr<TpgNode> node = TRY(try_make<TpgNode>(Gfp::Kernel, types_, move(tpg)));
		TpgNode *raw = node.release();
		bind_child(group, *types_.type[kTpg], raw); // the group owns it now
		return raw->add_defaults(group);
	}

	void drop_child(Node *child) override { static_cast<TpgNode *>(child)->tpg().shutdown(); }

  private:
	FabricTypes &types_;
	char name_[core::kWwnNameMax];
	OwnPtr<core::FabricWwn> wwn_;
};

// ---------------------------------------------------------------- <fabric>

class DiscoveryNode final : public Node {
  public:
	explicit DiscoveryNode(Fabric &fabric) : fabric_(fabric) {}
	s64 show(u32 index, MutableBytes out) override {
		return table_show(fabric_.attrs().discovery_auth, index, &fabric_, out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(fabric_.attrs().discovery_auth, index, &fabric_, in);
	}

  private:
	Fabric &fabric_;
};

class FabricRootNode final : public Node {
  public:
	explicit FabricRootNode(const core::AcquiredFabric &f)
	    : fabric_(*f.fabric), owner_(f.owner), types_(*f.types) {}
	~FabricRootNode() override { kabi_module_put(owner_); }

	s64 show(u32 index, MutableBytes out) override {
		return table_show(fabric_.attrs().fabric_root, index, &fabric_, out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(fabric_.attrs().fabric_root, index, &fabric_, in);
	}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		StrView n = str_view(name);
		if (n.size() >= core::kWwnNameMax) {
			log_err("%s: %s: a WWN has fewer than %u characters\n", fabric_.name(), name,
				core::kWwnNameMax);
			return Error::from_errno(KABI_EINVAL);
		}
		Result<OwnPtr<core::FabricWwn>> wwn = fabric_.make_wwn(n);
		if (wwn.is_error() || !wwn.value()) // LIO: any failure of make_wwn is EINVAL
			return Error::from_errno(KABI_EINVAL);
		OwnPtr<WwnNode> node =
		    TRY(try_make<WwnNode>(Gfp::Kernel, types_, n, move(wwn.value())));
		WwnNode *raw = node.release();
		bind_child(group, *types_.type[kWwn], raw);
		return raw->add_defaults(group);
	}

  private:
	Fabric &fabric_;
	kabi_module *owner_; // referenced for the directory's life
	FabricTypes &types_;
};

NodeType *const kStaticTypes[] = {&wwn_param_type, &wwn_stat_type};

// The modules of lio-cxx's fabrics (LIO's target_core_configfs.c does the same for iscsi and
// loopback).
const char *fabric_module(StrView name) {
	if (str_equal(name, "iscsi"))
		return "iscsi_target_mod";
	if (str_equal(name, "loopback"))
		return "tcm_loop";
	return nullptr;
}

} // namespace

Result<void> register_fabric_static_types(kabi_module *owner) {
	TRY(NodeType::register_all(kStaticTypes, sizeof(kStaticTypes) / sizeof(kStaticTypes[0]),
				   owner));
	Result<void> r = register_fabric_lun_types(owner);
	if (r.is_error())
		NodeType::unregister_all(kStaticTypes,
					 sizeof(kStaticTypes) / sizeof(kStaticTypes[0]));
	return r;
}

void unregister_fabric_static_types() {
	unregister_fabric_lun_types();
	NodeType::unregister_all(kStaticTypes, sizeof(kStaticTypes) / sizeof(kStaticTypes[0]));
}

Result<void> make_fabric_root(core::TargetCore &, const char *name, kabi_cfs_group *group) {
	StrView n = str_view(name);
	Result<core::AcquiredFabric> found = core::acquire_fabric(n);
	if (found.is_error() && found.error().errno_value() == KABI_ENOENT) {
		if (const char *module = fabric_module(n); module && kabi_request_module(module) == 0)
			found = core::acquire_fabric(n);
	}
	if (found.is_error()) {
		if (found.error().errno_value() == KABI_ENODEV)
			log_err("target: the %s fabric is being unloaded\n", name);
		else
			log_err("target: no fabric module named %s is registered\n", name);
		return Error::from_errno(KABI_EINVAL);
	}
	core::AcquiredFabric f = found.value();
	OwnPtr<FabricRootNode> node = make<FabricRootNode>(Gfp::Kernel, f);
	if (!node) {
		kabi_module_put(f.owner);
		return Error::from_errno(KABI_ENOMEM);
	}
	// From here the group owns the node, which puts the module reference at release.
	kabi_cfs_group_bind(group, f.types->type[kRoot]->raw(), node.release());
	TRY(adopt_default(group, "discovery_auth", *f.types->type[kDiscovery],
			  make<DiscoveryNode>(Gfp::Kernel, *f.fabric)));
	return {};
}

} // namespace lio::cfs
