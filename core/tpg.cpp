// SPDX-License-Identifier: GPL-2.0
#include "core/tpg.h"

#include "lio/log.h"

namespace lio::core {

namespace {

constinit LockClass tpg_map_class("lio_tpg_map");
constinit LockClass tpg_sessions_class("lio_tpg_sessions");
constinit LockClass tpg_config_class("lio_tpg_config");

// LIO 6.12 keeps relative port ids in an xarray (1..USHRT_MAX, lowest free); a lock-free
// bitmap does the same here without module-init state.
constexpr u32 kRtpiWords = 65536 / 64;
constinit Atomic<u64> g_rtpi_bits[kRtpiWords] = {};
constinit Atomic<u32> g_acl_index{0};

bool rtpi_try_set(u32 id) {
	Atomic<u64> &w = g_rtpi_bits[id / 64];
	u64 bit = 1ull << (id % 64);
	return (w.fetch_or(bit, MemoryOrder::AcqRel) & bit) == 0;
}

} // namespace

Result<u16> rtpi_alloc() {
	for (u32 id = 1; id <= 0xffff; id++) {
		if (g_rtpi_bits[id / 64].load(MemoryOrder::Relaxed) & (1ull << (id % 64)))
			continue;
		if (rtpi_try_set(id))
			return static_cast<u16>(id);
	}
	return Error::from_errno(KABI_ENOSPC);
}

Result<void> rtpi_claim(u16 rtpi) {
	if (rtpi == 0 || !rtpi_try_set(rtpi))
		return Error::from_errno(KABI_EEXIST);
	return {};
}

void rtpi_free(u16 rtpi) {
	if (rtpi)
		g_rtpi_bits[rtpi / 64].fetch_and(~(1ull << (rtpi % 64)), MemoryOrder::AcqRel);
}

u32 next_acl_index() { return g_acl_index.fetch_add(1, MemoryOrder::Relaxed) + 1; }

Tpg::Tpg(Fabric &fabric, StrView wwn_name, u16 tag, OwnPtr<FabricTpg> fabric_tpg)
    : fabric_(fabric), fabric_tpg_(move(fabric_tpg)), wwn_name_{}, tag_(tag),
      config_lock_(tpg_config_class), map_lock_(tpg_map_class),
      sessions_lock_(tpg_sessions_class) {
	(void)str_copy(Span<char>(wwn_name_, sizeof(wwn_name_)), wwn_name); // bounded by caller
	demo_.generate_node_acls = fabric.default_generate_node_acls();
	demo_.cache_dynamic_acls = fabric.default_cache_dynamic_acls();
	demo_.demo_mode_write_protect = fabric.default_demo_mode_write_protect();
	// LIO: a TPG whose fabric has no `enable` file is enabled from the start.
	enabled_.store(!fabric.has_tpg_enable(), MemoryOrder::Relaxed);
}

Result<RefPtr<Tpg>> Tpg::create(Fabric &fabric, StrView wwn_name, u16 tag,
				OwnPtr<FabricTpg> fabric_tpg) {
	SessionList *sessions = new_session_list();
	if (!sessions)
		return Error::from_errno(KABI_ENOMEM);
	FabricTpg *raw = fabric_tpg.get();
	RefPtr<Tpg> tpg = make_ref<Tpg>(Gfp::Kernel, fabric, wwn_name, tag, move(fabric_tpg));
	if (!tpg) {
		delete_session_list(sessions);
		return Error::from_errno(KABI_ENOMEM);
	}
	tpg->sessions_ = sessions;
	raw->set_port(tpg.get());
	return tpg;
}

Tpg::~Tpg() {
	LIO_ASSERT(luns_.is_empty() && acls_.is_empty());
	if (rtpi_allocated_)
		rtpi_free(rtpi());
	// The FabricTpg goes first (the fabric's code), while the port it knows is still whole.
	fabric_tpg_ = nullptr;
	delete_session_list(sessions_);
}

Lun *Tpg::find_lun_locked(u64 number) const {
	for (const Lun &l : luns_)
		if (l.number() == number)
			return const_cast<Lun *>(&l);
	return nullptr;
}

NodeAcl *Tpg::find_acl_locked(StrView initiator) const {
	for (const NodeAcl &a : acls_)
		if (str_equal(initiator, a.initiator()))
			return const_cast<NodeAcl *>(&a);
	return nullptr;
}

RefPtr<Lun> Tpg::lookup_lun_for(const NodeAcl *acl, u64 lun, bool *read_only) {
	SpinLockIrqGuard guard(map_lock_);
	if (acl) {
		MappedLun *m = acl->find_locked(lun);
		if (!m || !m->visible_locked())
			return nullptr;
		if (read_only)
			*read_only = m->write_protect_locked();
		return RefPtr<Lun>::retain(m->lun_locked());
	}
	if (!demo_.generate_node_acls)
		return nullptr;
	Lun *l = find_lun_locked(lun);
	if (!l || !l->linked())
		return nullptr;
	if (read_only)
		*read_only = demo_.demo_mode_write_protect;
	return RefPtr<Lun>::retain(l);
}

void Tpg::for_each_lun_for(const NodeAcl *acl, scsi::LunVisitor &v) const {
	SpinLockIrqGuard guard(map_lock_);
	if (acl) {
		for (const MappedLun &m : acl->mapped_locked())
			if (m.visible_locked())
				v.visit(m.mapped());
		return;
	}
	if (!demo_.generate_node_acls)
		return;
	for (const Lun &l : luns_)
		if (l.linked())
			v.visit(l.number());
}

Result<void> Tpg::add_lun(Lun &lun) {
	SpinLockIrqGuard guard(map_lock_);
	Lun *pos = nullptr;
	for (Lun &l : luns_) {
		if (l.number() == lun.number())
			return Error::from_errno(KABI_EEXIST);
		if (!pos && l.number() > lun.number())
			pos = &l;
	}
	if (pos)
		luns_.insert_before(*pos, lun);
	else
		luns_.push_back(lun);
	return {};
}

void Tpg::remove_lun(Lun &lun) {
	SpinLockIrqGuard guard(map_lock_);
	if (lun.tpg_node.is_linked())
		luns_.remove(lun);
}

Result<void> Tpg::add_acl(NodeAcl &acl) {
	SpinLockIrqGuard guard(map_lock_);
	if (find_acl_locked(str_view(acl.initiator())))
		return Error::from_errno(KABI_EEXIST);
	acls_.push_back(acl);
	return {};
}

void Tpg::remove_acl(NodeAcl &acl) {
	SpinLockIrqGuard guard(map_lock_);
	if (acl.tpg_node.is_linked())
		acls_.remove(acl);
}

RefPtr<NodeAcl> Tpg::find_acl(StrView initiator) {
	SpinLockIrqGuard guard(map_lock_);
	NodeAcl *a = find_acl_locked(initiator);
	if (a && a->try_ref())
		return RefPtr<NodeAcl>::adopt(a);
	return nullptr;
}

Result<void> Tpg::set_enabled(bool enable) {
	LockGuard guard(config_lock_);
	if (enabled() == enable)
		return {};
	if (enable && rtpi() == 0) {
		u16 id = TRY(rtpi_alloc());
		rtpi_.store(id, MemoryOrder::Relaxed);
		rtpi_allocated_ = true;
	} else if (enable && !rtpi_allocated_) {
		TRY(rtpi_claim(rtpi()));
		rtpi_allocated_ = true;
	}
	Result<void> r = fabric_tpg_->set_enabled(enable);
	if (r.is_error())
		return r;
	enabled_.store(enable, MemoryOrder::Release);
	return {};
}

Result<void> Tpg::set_rtpi(u16 rtpi) {
	LockGuard guard(config_lock_);
	if (rtpi == 0) {
		log_err("%s/tpgt_%u: rtpi: 0 is not a relative port id\n", wwn_name_, tag_);
		return Error::from_errno(KABI_EINVAL);
	}
	if (enabled() && fabric_.has_tpg_enable()) {
		log_err("%s/tpgt_%u: rtpi: cannot change on an enabled TPG\n", wwn_name_, tag_);
		return Error::from_errno(KABI_EINVAL);
	}
	if (rtpi_allocated_) {
		if (rtpi == this->rtpi())
			return {};
		if (rtpi_claim(rtpi).is_error()) {
			log_err("%s/tpgt_%u: rtpi: 0x%x is in use\n", wwn_name_, tag_, rtpi);
			return Error::from_errno(KABI_EEXIST);
		}
		rtpi_free(this->rtpi());
	}
	rtpi_.store(rtpi, MemoryOrder::Relaxed);
	return {};
}

TpgDemoMode Tpg::demo_mode() const {
	SpinLockIrqGuard guard(map_lock_);
	return demo_;
}

void Tpg::set_demo_mode(const TpgDemoMode &m) {
	{
		SpinLockIrqGuard guard(map_lock_);
		demo_ = m;
	}
	luns_changed();
}

} // namespace lio::core
