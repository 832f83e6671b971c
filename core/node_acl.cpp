// SPDX-License-Identifier: GPL-2.0
#include "core/node_acl.h"

#include "core/tpg.h"
#include "lio/log.h"

namespace lio::core {

MappedLun::~MappedLun() { LIO_ASSERT(!acl_node.is_linked() && !lun_); }

NodeAcl::NodeAcl(Tpg &tpg, StrView initiator, OwnPtr<FabricAcl> fabric_acl, u32 index)
    : tpg_(tpg), name_{}, fabric_acl_(move(fabric_acl)), index_(index) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), initiator); // bounded by the caller
}

NodeAcl::~NodeAcl() { LIO_ASSERT(mapped_.is_empty()); }

MappedLun *NodeAcl::find_locked(u64 mapped) const {
	for (const MappedLun &m : mapped_)
		if (m.mapped() == mapped)
			return const_cast<MappedLun *>(&m);
	return nullptr;
}

Result<void> NodeAcl::add_mapped(MappedLun &m) {
	SpinLockIrqGuard guard(tpg_.map_lock());
	MappedLun *pos = nullptr;
	for (MappedLun &x : mapped_) {
		if (x.mapped() == m.mapped())
			return Error::from_errno(KABI_EEXIST);
		if (!pos && x.mapped() > m.mapped())
			pos = &x;
	}
	if (pos)
		mapped_.insert_before(*pos, m);
	else
		mapped_.push_back(m);
	return {};
}

void NodeAcl::remove_mapped(MappedLun &m) {
	unmap(m);
	SpinLockIrqGuard guard(tpg_.map_lock());
	if (m.acl_node.is_linked())
		mapped_.remove(m);
}

Result<void> NodeAcl::map(MappedLun &m, RefPtr<Lun> lun, bool write_protect) {
	if (&lun->tpg() != &tpg_) {
		log_err("%s/tpgt_%u/acls/%s/lun_%llu: the link must point at a LUN of the same "
			"TPG\n",
			tpg_.wwn_name(), tpg_.tag(), name_,
			static_cast<unsigned long long>(m.mapped()));
		return Error::from_errno(KABI_EINVAL);
	}
	if (!lun->linked()) {
		log_err("%s/tpgt_%u/acls/%s/lun_%llu: lun_%llu has no device\n", tpg_.wwn_name(),
			tpg_.tag(), name_, static_cast<unsigned long long>(m.mapped()),
			static_cast<unsigned long long>(lun->number()));
		return Error::from_errno(KABI_EINVAL);
	}
	{
		SpinLockIrqGuard guard(tpg_.map_lock());
		if (m.lun_) {
			log_err("%s/tpgt_%u/acls/%s/lun_%llu: already linked\n", tpg_.wwn_name(),
				tpg_.tag(), name_, static_cast<unsigned long long>(m.mapped()));
			return Error::from_errno(KABI_EEXIST);
		}
		m.lun_ = move(lun);
		m.write_protect_ = write_protect;
	}
	tpg_.luns_changed(this);
	return {};
}

void NodeAcl::unmap(MappedLun &m) {
	RefPtr<Lun> old;
	{
		SpinLockIrqGuard guard(tpg_.map_lock());
		old = move(m.lun_);
	}
	if (old)
		tpg_.luns_changed(this);
	// old's reference goes here, outside the spinlock.
}

bool NodeAcl::write_protect(const MappedLun &m) const {
	SpinLockIrqGuard guard(tpg_.map_lock());
	return m.write_protect_;
}

bool NodeAcl::is_mapped(const MappedLun &m) const {
	SpinLockIrqGuard guard(tpg_.map_lock());
	return static_cast<bool>(m.lun_);
}

// The LUN inventory is unchanged, so no REPORTED LUNS DATA HAS CHANGED (LIO posts nothing
// either); the next command sees the new protection.
void NodeAcl::set_write_protect(MappedLun &m, bool wp) {
	SpinLockIrqGuard guard(tpg_.map_lock());
	m.write_protect_ = wp;
}

} // namespace lio::core
