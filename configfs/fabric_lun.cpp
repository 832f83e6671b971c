// SPDX-License-Identifier: GPL-2.0
// configfs/fabric_lun.cpp: tpgt_N/lun/, tpgt_N/acls/ and below (see fabric_tree.h): LUNs and
// their device link, node ACLs and their mapped LUNs, and LIO's SCSI MIB statistics of both
// (target_core_stat.c, 6.12: a port's index is its TPG's rtpi).
#include "configfs/fabric_nodes.h"
#include "core/alua_tg_pt_group.h"
#include "core/device.h"
#include "core/hba.h"
#include "core/lun.h"
#include "core/node_acl.h"
#include "lio/alloc.h"
#include "lio/string.h"

namespace lio::cfs {

using core::Device;
using core::DeviceConfig;
using core::Lun;
using core::MappedLun;
using core::NodeAcl;
using core::Tpg;

constinit NodeType tpg_lun_type("fabric_tpg_lun");
constinit NodeType tpg_np_type("fabric_tpg_np");
constinit NodeType tpg_acls_type("fabric_tpg_acls");

namespace {

Error refuse(s32 err) { return Error::from_errno(err); }

StrView strip_space(StrView s) {
	const char *p = s.data();
	usize n = s.size();
	while (n && (*p == ' ' || *p == '\t' || *p == '\n')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n'))
		n--;
	return StrView(p, n);
}

// "lun_<N>", N as kstrtoull(, 0) reads it, at most 65535.
Result<u64> parse_lun_name(const char *where, const char *name) {
	StrView n = str_view(name);
	StrView prefix = str_view("lun_");
	if (!starts_with(n, prefix) || n.data()[n.size() - 1] == '\n') {
		log_err("%s: %s: expected lun_<0-%llu>\n", where, name,
			static_cast<unsigned long long>(core::kMaxLun));
		return refuse(KABI_EINVAL);
	}
	Result<u64> v = parse_u64(StrView(n.data() + prefix.size(), n.size() - prefix.size()), 0);
	if (v.is_error() || v.value() > core::kMaxLun) {
		log_err("%s: %s: expected lun_<0-%llu>\n", where, name,
			static_cast<unsigned long long>(core::kMaxLun));
		return refuse(KABI_EINVAL);
	}
	return v;
}

// kstrtoul(page, 0) limited to max.
Result<u64> store_small(const char *what, const StoreInput &in, u64 max) {
	Result<u64> v = parse_u64(StrView(in.data, in.len), 0);
	if (v.is_error() || v.value() > max) {
		log_err("%s: \"%.*s\" is not a number from 0 to %llu\n", what, VAL_ARGS(in.value()),
			static_cast<unsigned long long>(max));
		return refuse(KABI_EINVAL);
	}
	return v;
}

// What the statistics need of a linked device, read under its lock.
struct DevFacts {
	u32 hba_index;
	u32 dev_index;
	char serial_or_vendor[core::kInquiryVpdSerialLen];
	bool alua_support;
};

// Holds the LUN's I/O reference so the device stays while it is read; false: no device.
bool read_dev(Lun &lun, DevFacts *f) {
	if (!lun.get_io())
		return false;
	Device &dev = lun.device();
	{
		LockGuard guard(dev.lock());
		const DeviceConfig &cfg = dev.config_locked();
		f->hba_index = dev.hba().scsi_index();
		f->dev_index = cfg.dev_index;
		f->alua_support = cfg.attrib.alua_support;
		const char *s = cfg.wwn.unit_serial[0] ? cfg.wwn.unit_serial : cfg.wwn.vendor;
		(void)str_copy(Span<char>(f->serial_or_vendor, sizeof(f->serial_or_vendor)),
			       str_view(s));
	}
	lun.put_io();
	return true;
}

// ---------------------------------------------------------------- lun_M/statistics

constexpr kabi_cfs_attr kScsiPortAttrs[] = {
    {"inst", 0444}, {"dev", 0444}, {"indx", 0444}, {"role", 0444}, {"busy_count", 0444}};
constexpr kabi_cfs_attr kScsiTgtPortAttrs[] = {
    {"inst", 0444},	    {"dev", 0444},	     {"indx", 0444},
    {"name", 0444},	    {"port_index", 0444},    {"in_cmds", 0444},
    {"write_mbytes", 0444}, {"read_mbytes", 0444}, {"hs_in_cmds", 0444}};
constexpr kabi_cfs_attr kScsiTransportAttrs[] = {
    {"inst", 0444}, {"device", 0444}, {"indx", 0444}, {"dev_name", 0444}, {"proto_id", 0444}};
constinit NodeType scsi_port_type("stat_scsi_port", kScsiPortAttrs);
constinit NodeType scsi_tgt_port_type("stat_scsi_tgt_port", kScsiTgtPortAttrs);
constinit NodeType scsi_transport_type("stat_scsi_transport", kScsiTransportAttrs);
constinit NodeType lun_stat_type("fabric_lun_statistics");

enum class PortStat : u8 { Port, TgtPort, Transport };

class PortStatNode final : public Node {
  public:
	PortStatNode(Lun &lun, PortStat kind) : lun_(lun), kind_(kind) {}

	s64 show(u32 index, MutableBytes out) override {
		DevFacts f;
		if (!read_dev(lun_, &f))
			return -KABI_ENODEV;
		Tpg &tpg = lun_.tpg();
		u32 rtpi = lun_.rtpi();
		const char *fabric_name = tpg.fabric().fabric_name();
		switch (kind_) {
		case PortStat::Port:
			switch (index) {
			case 0: return SHOW("%u\n", f.hba_index);
			case 1: return SHOW("%u\n", f.dev_index);
			case 2: return SHOW("%u\n", rtpi);
			case 3: return SHOW("Device%u\n", f.dev_index);
			case 4: return SHOW("%u\n", 0u);
			}
			break;
		case PortStat::TgtPort:
			switch (index) {
			case 0: return SHOW("%u\n", f.hba_index);
			case 1: return SHOW("%u\n", f.dev_index);
			case 2: return SHOW("%u\n", rtpi);
			case 3: return SHOW("%sPort#%u\n", fabric_name, rtpi);
			case 4: return SHOW("%s+t+%d\n", tpg.wwn_name(), static_cast<int>(tpg.tag()));
			case 5:
				return SHOW("%llu\n", static_cast<unsigned long long>(lun_.in_cmds()));
			case 6: return SHOW("%u\n", static_cast<u32>(lun_.written_bytes() >> 20));
			case 7: return SHOW("%u\n", static_cast<u32>(lun_.read_bytes() >> 20));
			case 8: return SHOW("%u\n", 0u);
			}
			break;
		case PortStat::Transport:
			switch (index) {
			case 0: return SHOW("%u\n", f.hba_index);
			case 1: return SHOW("scsiTransport%s\n", fabric_name);
			case 2: return SHOW("%u\n", tpg.fabric_tpg().inst_index());
			case 3: return SHOW("%s+%s\n", tpg.wwn_name(), f.serial_or_vendor);
			case 4:
				return SHOW("%u\n", static_cast<u32>(tpg.fabric().protocol_id()));
			}
			break;
		}
		return -KABI_EACCES;
	}

  private:
	Lun &lun_; // the LunNode above holds the reference
	PortStat kind_;
};

// ---------------------------------------------------------------- lun/lun_M

constexpr kabi_cfs_attr kLunAttrs[] = {
    {"alua_tg_pt_gp", 0644},
    {"alua_tg_pt_offline", 0644},
    {"alua_tg_pt_status", 0644},
    {"alua_tg_pt_write_md", 0644},
};
enum LunAttr : u32 { kTgPtGp, kTgPtOffline, kTgPtStatus, kTgPtWriteMd };
constinit NodeType lun_type("fabric_lun", kLunAttrs);

class LunNode final : public Node {
  public:
	explicit LunNode(RefPtr<Lun> lun) : lun_(move(lun)) {}
	~LunNode() override {
		lun_->unlink();
		lun_->tpg().remove_lun(*lun_);
	}

	Lun &lun() { return *lun_; }
	core::Lun *as_lun() override { return lun_.get(); }

	Result<void> add_defaults(kabi_cfs_group *group) {
		kabi_cfs_group *stat =
		    TRY(adopt_default(group, "statistics", lun_stat_type, make<PlainNode>(Gfp::Kernel)));
		TRY(adopt_default(stat, "scsi_port", scsi_port_type,
				  make<PortStatNode>(Gfp::Kernel, *lun_, PortStat::Port)));
		TRY(adopt_default(stat, "scsi_tgt_port", scsi_tgt_port_type,
				  make<PortStatNode>(Gfp::Kernel, *lun_, PortStat::TgtPort)));
		TRY(adopt_default(stat, "scsi_transport", scsi_transport_type,
				  make<PortStatNode>(Gfp::Kernel, *lun_, PortStat::Transport)));
		return {};
	}

	s64 show(u32 index, MutableBytes out) override {
		DevFacts f;
		if (!read_dev(*lun_, &f))
			return -KABI_ENODEV;
		switch (index) {
		case kTgPtGp: {
			// ---- ALUA ----
			IoHold hold(*lun_);
			core::TgPtGroupSet *set = hold.held ? alua_set() : nullptr;
			if (!f.alua_support || !set)
				return 0;
			return set->format_lun_info(*lun_, reinterpret_cast<char *>(out.data()),
						    out.size());
		}
		case kTgPtOffline:
			return SHOW("%d\n", static_cast<int>(lun_->alua_offline.load(MemoryOrder::Relaxed)));
		case kTgPtStatus:
			return SHOW("%d\n", static_cast<int>(lun_->alua_status.load(MemoryOrder::Relaxed)));
		case kTgPtWriteMd:
			return SHOW("%d\n",
				    static_cast<int>(lun_->alua_write_md.load(MemoryOrder::Relaxed)));
		}
		return -KABI_EACCES;
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		DevFacts f;
		if (!read_dev(*lun_, &f))
			return refuse(KABI_ENODEV);
		char where[64];
		kabi_snprintf(where, sizeof(where), "%s/tpgt_%u/lun_%llu", lun_->tpg().wwn_name(),
			      lun_->tpg().tag(), static_cast<unsigned long long>(lun_->number()));
		switch (index) {
		case kTgPtGp: {
			// ---- ALUA ----
			IoHold hold(*lun_);
			core::TgPtGroupSet *set = hold.held ? alua_set() : nullptr;
			if (!f.alua_support || !set)
				return refuse(KABI_ENODEV);
			if (in.len > core::TgPtGroup::kNameMax) {
				log_err("%s: alua_tg_pt_gp: the group name is too long\n", where);
				return refuse(KABI_EINVAL);
			}
			return set->move(*lun_, strip_space(StrView(in.data, str_nlen(in.data, in.len))));
		}
		case kTgPtOffline: {
			IoHold hold(*lun_);
			core::TgPtGroupSet *set = hold.held ? alua_set() : nullptr;
			if (!f.alua_support || !set)
				return refuse(KABI_ENODEV);
			u64 v = TRY(store_small(where, in, 1));
			return set->set_offline(*lun_, v != 0, false);
		}
		case kTgPtStatus:
			lun_->alua_status.store(static_cast<u32>(TRY(store_small(where, in, 2))),
						MemoryOrder::Relaxed);
			return {};
		case kTgPtWriteMd:
			lun_->alua_write_md.store(static_cast<u32>(TRY(store_small(where, in, 1))),
						  MemoryOrder::Relaxed);
			return {};
		}
		return refuse(KABI_EACCES);
	}

	// ln -s core/<hba>/<device> lun_M/<any name>: LIO's EFAULT for a non-device target,
	// ENODEV for a device not enabled, EEXIST for a second link.
	Result<void> allow_link(Node *target) override {
		Device *dev = target->as_device();
		if (!dev) {
			log_err("%s/tpgt_%u/lun_%llu: a LUN links to a device under target/core\n",
				lun_->tpg().wwn_name(), lun_->tpg().tag(),
				static_cast<unsigned long long>(lun_->number()));
			return refuse(KABI_EFAULT);
		}
		return lun_->link(*dev);
	}

	void drop_link(Node *) override { lun_->unlink(); }

  private:
	// The linked device's target port groups (configfs holds the device while linked, and
	// serialises this LUN's attribute writes with its unlink).
	// Call with the LUN's get_io() held.
	core::TgPtGroupSet *alua_set() {
		Device *dev = lun_->device_or_null();
		return dev ? dev->alua_groups : nullptr;
	}
	// Holds the LUN's I/O reference (its device and groups stay) for one attribute call.
	struct IoHold {
		Lun &lun;
		bool held;
		explicit IoHold(Lun &l) : lun(l), held(l.get_io()) {}
		~IoHold() {
			if (held)
				lun.put_io();
		}
	};

	RefPtr<Lun> lun_;
};

class LunGroupNode final : public Node {
  public:
	explicit LunGroupNode(Tpg &tpg) : tpg_(tpg) {}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		char where[64];
		kabi_snprintf(where, sizeof(where), "%s/tpgt_%u/lun", tpg_.wwn_name(), tpg_.tag());
		u64 n = TRY(parse_lun_name(where, name));
		RefPtr<Lun> lun = make_ref<Lun>(Gfp::Kernel, tpg_, n);
		if (!lun)
			return refuse(KABI_ENOMEM);
		if (tpg_.add_lun(*lun).is_error()) {
			log_err("%s: %s: LUN %llu exists already\n", where, name,
				static_cast<unsigned long long>(n));
			return refuse(KABI_EEXIST);
		}
		OwnPtr<LunNode> node = make<LunNode>(Gfp::Kernel, lun);
		if (!node) {
			tpg_.remove_lun(*lun);
			return refuse(KABI_ENOMEM);
		}
		LunNode *raw = node.release();
		bind_child(group, lun_type, raw);
		return raw->add_defaults(group);
	}

	// rmdir lun_M: configfs has refused it while links exist; the LUN leaves the TPG now.
	void drop_child(Node *child) override {
		LunNode *node = static_cast<LunNode *>(child);
		node->lun().unlink();
		tpg_.remove_lun(node->lun());
	}

  private:
	Tpg &tpg_;
};

// ---------------------------------------------------------------- acls/<i>/lun_N

constexpr kabi_cfs_attr kAuthIntrAttrs[] = {
    {"inst", 0444},	   {"dev", 0444},	   {"port", 0444},	  {"indx", 0444},
    {"dev_or_port", 0444}, {"intr_name", 0444},	   {"map_indx", 0444},	  {"att_count", 0444},
    {"num_cmds", 0444},	   {"read_mbytes", 0444}, {"write_mbytes", 0444}, {"hs_num_cmds", 0444},
    {"creation_time", 0444}, {"row_status", 0444}};
constexpr kabi_cfs_attr kAttIntrPortAttrs[] = {
    {"inst", 0444},	      {"dev", 0444},	    {"port", 0444},
    {"indx", 0444},	      {"port_auth_indx", 0444}, {"port_ident", 0444}};
constinit NodeType auth_intr_type("stat_scsi_auth_intr", kAuthIntrAttrs);
constinit NodeType att_intr_port_type("stat_scsi_att_intr_port", kAttIntrPortAttrs);
constinit NodeType mapped_stat_type("fabric_mapped_lun_statistics");

constexpr kabi_cfs_attr kMappedLunAttrs[] = {{"write_protect", 0644}};
constinit NodeType mapped_lun_type("fabric_mapped_lun", kMappedLunAttrs);

enum class MappedStat : u8 { AuthIntr, AttIntrPort };

class MappedStatNode final : public Node {
  public:
	MappedStatNode(NodeAcl &acl, MappedLun &m, MappedStat kind) : acl_(acl), m_(m), kind_(kind) {}

	s64 show(u32 index, MutableBytes out) override {
		RefPtr<Lun> lun;
		{
			SpinLockIrqGuard guard(acl_.tpg().map_lock());
			lun = RefPtr<Lun>::retain(m_.lun_locked());
		}
		DevFacts f;
		if (!lun || !read_dev(*lun, &f))
			return -KABI_ENODEV;
		Tpg &tpg = acl_.tpg();
		if (kind_ == MappedStat::AuthIntr) {
			switch (index) {
			case 0: return SHOW("%u\n", tpg.fabric_tpg().inst_index());
			case 1: return SHOW("%u\n", f.dev_index);
			case 2: return SHOW("%u\n", static_cast<u32>(tpg.tag()));
			case 3: return SHOW("%u\n", acl_.index());
			case 4: return SHOW("%u\n", 1u);
			case 5: return SHOW("%s\n", acl_.initiator());
			case 6: return SHOW("%u\n", 0u);
			case 7: return SHOW("%u\n", m_.attach_count.load(MemoryOrder::Relaxed));
			case 8:
				return SHOW("%llu\n", static_cast<unsigned long long>(
							  m_.cmds.load(MemoryOrder::Relaxed)));
			case 9:
				return SHOW("%u\n", static_cast<u32>(
							m_.read_bytes.load(MemoryOrder::Relaxed) >> 20));
			case 10:
				return SHOW("%u\n", static_cast<u32>(
							m_.written_bytes.load(MemoryOrder::Relaxed) >> 20));
			case 11: return SHOW("%u\n", 0u);
			case 12: return SHOW("%u\n", 0u); // creation time: no jiffies at the boundary
			case 13: return SHOW("Ready\n");
			}
			return -KABI_EACCES;
		}
		switch (index) {
		case 0: return SHOW("%u\n", tpg.fabric_tpg().inst_index());
		case 1: return SHOW("%u\n", f.dev_index);
		case 2: return SHOW("%u\n", static_cast<u32>(tpg.tag()));
		case 3: return -KABI_ENODEV; // the ACL's session index: no session recorded
		case 4: return SHOW("%u\n", acl_.index());
		case 5: return -KABI_ENODEV; // the session's initiator port identifier
		}
		return -KABI_EACCES;
	}

  private:
	NodeAcl &acl_;
	MappedLun &m_;
	MappedStat kind_;
};

class MappedLunNode final : public Node {
  public:
	MappedLunNode(RefPtr<NodeAcl> acl, u64 mapped) : acl_(move(acl)), m_(*acl_, mapped) {}
	~MappedLunNode() override { acl_->remove_mapped(m_); }

	Result<void> add(kabi_cfs_group *group) {
		kabi_cfs_group *stat = TRY(
		    adopt_default(group, "statistics", mapped_stat_type, make<PlainNode>(Gfp::Kernel)));
		TRY(adopt_default(stat, "scsi_auth_intr", auth_intr_type,
				  make<MappedStatNode>(Gfp::Kernel, *acl_, m_, MappedStat::AuthIntr)));
		TRY(adopt_default(stat, "scsi_att_intr_port", att_intr_port_type,
				  make<MappedStatNode>(Gfp::Kernel, *acl_, m_, MappedStat::AttIntrPort)));
		return {};
	}
	MappedLun &mapped() { return m_; }

	s64 show(u32 index, MutableBytes out) override {
		if (index != 0)
			return -KABI_EACCES;
		if (!acl_->is_mapped(m_))
			return 0; // LIO prints nothing without a mapping
		return SHOW("%d\n", acl_->write_protect(m_) ? 1 : 0);
	}

	Result<void> store(u32 index, const StoreInput &in) override {
		if (index != 0)
			return refuse(KABI_EACCES);
		Result<u64> v = parse_u64(StrView(in.data, in.len), 0);
		if (v.is_error() || v.value() > 1) {
			log_err("%s/tpgt_%u/acls/%s/lun_%llu: write_protect: \"%.*s\" is not 0 or 1\n",
				acl_->tpg().wwn_name(), acl_->tpg().tag(), acl_->initiator(),
				static_cast<unsigned long long>(m_.mapped()), VAL_ARGS(in.value()));
			return v.is_error() ? v.error() : refuse(KABI_EINVAL);
		}
		// LIO updates the entry if there is one (core_update_device_list_access).
		acl_->set_write_protect(m_, v.value() != 0);
		return {};
	}

	// ln -s ../../../lun/lun_M acls/<i>/lun_N/<any name>: LIO's EFAULT for a target that is
	// not a LUN, EINVAL for a LUN of another TPG or without a device.
	Result<void> allow_link(Node *target) override {
		Lun *lun = target->as_lun();
		if (!lun) {
			log_err("%s/tpgt_%u/acls/%s/lun_%llu: a mapped LUN links to a lun/lun_M\n",
				acl_->tpg().wwn_name(), acl_->tpg().tag(), acl_->initiator(),
				static_cast<unsigned long long>(m_.mapped()));
			return refuse(KABI_EFAULT);
		}
		// LIO: a fresh entry is read-only when the TPG's prod_mode_write_protect says so.
		bool wp = acl_->tpg().demo_mode().prod_mode_write_protect;
		return acl_->map(m_, RefPtr<Lun>::retain(lun), wp);
	}

	void drop_link(Node *) override { acl_->unmap(m_); }

  private:
	RefPtr<NodeAcl> acl_;
	MappedLun m_;
};

// ---------------------------------------------------------------- acls/<initiator>

constinit NodeType acl_stat_type("fabric_acl_statistics");

class AclTableNode final : public Node {
  public:
	AclTableNode(NodeAcl &acl, const core::FabricAttrTable<core::FabricAcl> &table)
	    : acl_(acl), table_(table) {}
	s64 show(u32 index, MutableBytes out) override {
		return table_show(table_, index, acl_.fabric_acl(), out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(table_, index, acl_.fabric_acl(), in);
	}

  private:
	NodeAcl &acl_;
	const core::FabricAttrTable<core::FabricAcl> &table_;
};

class AclNode final : public Node {
  public:
	explicit AclNode(RefPtr<NodeAcl> acl) : acl_(move(acl)) {}
	~AclNode() override { acl_->tpg().remove_acl(*acl_); }

	NodeAcl &acl() { return *acl_; }

	Result<void> add_defaults(FabricTypes &types, kabi_cfs_group *group) {
		const core::FabricAttrs &a = acl_->tpg().fabric().attrs();
		TRY(adopt_default(group, "attrib", *types.type[kAclAttrib],
				  make<AclTableNode>(Gfp::Kernel, *acl_, a.acl_attrib)));
		TRY(adopt_default(group, "auth", *types.type[kAclAuth],
				  make<AclTableNode>(Gfp::Kernel, *acl_, a.acl_auth)));
		TRY(adopt_default(group, "param", *types.type[kAclParam],
				  make<AclTableNode>(Gfp::Kernel, *acl_, a.acl_param)));
		kabi_cfs_group *stat = TRY(adopt_default(group, "fabric_statistics", acl_stat_type,
							 make<PlainNode>(Gfp::Kernel)));
		// The fabric's own directories there (FabricAttrs::acl_fabric_stats).
		for (u32 i = 0; i < types.acl_groups; i++) {
			const core::FabricGroup<core::FabricAcl> &g = a.acl_fabric_stats[i];
			TRY(adopt_default(stat, g.name, *types.group_type[types.wwn_groups + i],
					  make<AclTableNode>(Gfp::Kernel, *acl_, g.attrs)));
		}
		return {};
	}

	s64 show(u32 index, MutableBytes out) override {
		return table_show(acl_->tpg().fabric().attrs().acl, index, acl_->fabric_acl(), out);
	}
	Result<void> store(u32 index, const StoreInput &in) override {
		return table_store(acl_->tpg().fabric().attrs().acl, index, acl_->fabric_acl(), in);
	}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		char where[96];
		kabi_snprintf(where, sizeof(where), "%s/tpgt_%u/acls/%.32s", acl_->tpg().wwn_name(),
			      acl_->tpg().tag(), acl_->initiator());
		u64 n = TRY(parse_lun_name(where, name));
		OwnPtr<MappedLunNode> node = make<MappedLunNode>(Gfp::Kernel, acl_, n);
		if (!node)
			return refuse(KABI_ENOMEM);
		if (acl_->add_mapped(node->mapped()).is_error()) {
			log_err("%s: %s: mapped LUN %llu exists already\n", where, name,
				static_cast<unsigned long long>(n));
			return refuse(KABI_EEXIST);
		}
		MappedLunNode *raw = node.release();
		bind_child(group, mapped_lun_type, raw);
		return raw->add(group);
	}

	void drop_child(Node *child) override {
		MappedLunNode *node = static_cast<MappedLunNode *>(child);
		acl_->remove_mapped(node->mapped());
	}

  private:
	RefPtr<NodeAcl> acl_;
};

class AclGroupNode final : public Node {
  public:
	AclGroupNode(FabricTypes &types, Tpg &tpg) : types_(types), tpg_(tpg) {}

	Result<void> make_child(const char *name, kabi_cfs_group *group) override {
		StrView n = str_view(name);
		if (n.size() >= core::kInitiatorNameMax) {
			log_err("%s/tpgt_%u/acls: an initiator name has fewer than %u characters\n",
				tpg_.wwn_name(), tpg_.tag(), core::kInitiatorNameMax);
			return refuse(KABI_EINVAL);
		}
		OwnPtr<core::FabricAcl> facl = TRY(tpg_.fabric().make_acl(tpg_.fabric_tpg(), n));
		RefPtr<NodeAcl> acl =
		    make_ref<NodeAcl>(Gfp::Kernel, tpg_, n, move(facl), core::next_acl_index());
		if (!acl)
			return refuse(KABI_ENOMEM);
		if (tpg_.add_acl(*acl).is_error()) {
			log_err("%s/tpgt_%u/acls: %s exists already\n", tpg_.wwn_name(), tpg_.tag(),
				name);
			return refuse(KABI_EEXIST);
		}
		OwnPtr<AclNode> node = make<AclNode>(Gfp::Kernel, acl);
		if (!node) {
			tpg_.remove_acl(*acl);
			return refuse(KABI_ENOMEM);
		}
		AclNode *raw = node.release();
		bind_child(group, *types_.type[kAcl], raw);
		return raw->add_defaults(types_, group);
	}

	// rmdir acls/<initiator>: gone for new logins, and its sessions are closed (LIO).
	void drop_child(Node *child) override {
		NodeAcl &acl = static_cast<AclNode *>(child)->acl();
		tpg_.remove_acl(acl);
		tpg_.shutdown_sessions_of(acl);
	}

  private:
	FabricTypes &types_;
	Tpg &tpg_;
};

NodeType *const kLunTypes[] = {
    &tpg_lun_type,   &tpg_np_type,	 &tpg_acls_type,     &lun_type,
    &lun_stat_type,  &scsi_port_type,	 &scsi_tgt_port_type, &scsi_transport_type,
    &acl_stat_type,  &mapped_lun_type, &mapped_stat_type,  &auth_intr_type,
    &att_intr_port_type,
};
constexpr u32 kLunTypeCount = sizeof(kLunTypes) / sizeof(kLunTypes[0]);

} // namespace

OwnPtr<Node> make_lun_group(Tpg &tpg) { return make<LunGroupNode>(Gfp::Kernel, tpg); }

OwnPtr<Node> make_acl_group(FabricTypes &types, Tpg &tpg) {
	return make<AclGroupNode>(Gfp::Kernel, types, tpg);
}

Result<void> register_fabric_lun_types(kabi_module *owner) {
	return NodeType::register_all(kLunTypes, kLunTypeCount, owner);
}

void unregister_fabric_lun_types() { NodeType::unregister_all(kLunTypes, kLunTypeCount); }

} // namespace lio::cfs
