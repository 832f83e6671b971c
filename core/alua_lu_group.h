// SPDX-License-Identifier: GPL-2.0
/*
 * core/alua_lu_group.h: ALUA logical unit groups (SPC-4 does not define them; LIO groups
 * devices that fail over together). `default_lu_gp` (id 0) always exists; others are made by
 * mkdir under core/alua/lu_gps and receive their id by a write to lu_gp_id.
 */
#ifndef LIO_CORE_ALUA_LU_GROUP_H
#define LIO_CORE_ALUA_LU_GROUP_H

#include "lio/list.h"
#include "lio/lock.h"
#include "lio/result.h"
#include "lio/types.h"

namespace lio::core {

class LuGroupRegistry;

class LuGroup final {
  public:
	static constexpr u32 kMaxId = 0xffff;

	explicit LuGroup(LuGroupRegistry &registry) : registry_(registry) {}
	LuGroup(const LuGroup &) = delete;
	LuGroup &operator=(const LuGroup &) = delete;

	// False until an id is assigned (mkdir'd groups start without one).
	bool has_id() const;
	u16 id() const;

	ListNode node; // in LuGroupRegistry::groups_, under its lock

  private:
	friend class LuGroupRegistry;
	LuGroupRegistry &registry_;
	bool has_id_ = false; // under the registry's lock
	u16 id_ = 0;
};

class LuGroupRegistry final {
  public:
	LuGroupRegistry();
	~LuGroupRegistry();

	void add(LuGroup &group);
	void remove(LuGroup &group);
	// Assigns `id` once: EINVAL when out of range, already set or taken by another group.
	Result<void> set_id(LuGroup &group, u64 id);
	bool has_id(const LuGroup &group) const;
	u16 id(const LuGroup &group) const;
	u32 count() const;

  private:
	mutable Mutex lock_;
	IntrusiveList<LuGroup, &LuGroup::node> groups_; // under lock_
};

} // namespace lio::core

#endif // LIO_CORE_ALUA_LU_GROUP_H
