// SPDX-License-Identifier: GPL-2.0
#include "core/alua_lu_group.h"

#include "lio/log.h"

namespace lio::core {

namespace {
constinit LockClass lu_groups_lock_class("lio_lu_groups");
} // namespace

LuGroupRegistry::LuGroupRegistry() : lock_(lu_groups_lock_class) {}

LuGroupRegistry::~LuGroupRegistry() { LIO_ASSERT(groups_.is_empty()); }

void LuGroupRegistry::add(LuGroup &group) {
	LockGuard guard(lock_);
	groups_.push_back(group);
}

void LuGroupRegistry::remove(LuGroup &group) {
	LockGuard guard(lock_);
	groups_.remove(group);
}

Result<void> LuGroupRegistry::set_id(LuGroup &group, u64 id) {
	if (id > LuGroup::kMaxId) {
		log_err("alua: lu_gp_id %llu is out of range (0-%u)\n",
			static_cast<unsigned long long>(id), LuGroup::kMaxId);
		return Error::from_errno(KABI_EINVAL);
	}
	LockGuard guard(lock_);
	if (group.has_id_) {
		log_err("alua: LU group already has id %u; ids cannot be changed\n", group.id_);
		return Error::from_errno(KABI_EINVAL);
	}
	for (LuGroup &other : groups_) {
		if (other.has_id_ && other.id_ == id) {
			log_err("alua: lu_gp_id %llu is already used by another LU group\n",
				static_cast<unsigned long long>(id));
			return Error::from_errno(KABI_EINVAL);
		}
	}
	group.id_ = static_cast<u16>(id);
	group.has_id_ = true;
	return {};
}

bool LuGroupRegistry::has_id(const LuGroup &group) const {
	LockGuard guard(lock_);
	return group.has_id_;
}

u16 LuGroupRegistry::id(const LuGroup &group) const {
	LockGuard guard(lock_);
	return group.id_;
}

u32 LuGroupRegistry::count() const {
	LockGuard guard(lock_);
	u32 n = 0;
	for (const LuGroup &g : groups_) {
		(void)g;
		n++;
	}
	return n;
}

bool LuGroup::has_id() const { return registry_.has_id(*this); }
u16 LuGroup::id() const { return registry_.id(*this); }

} // namespace lio::core
