// SPDX-License-Identifier: GPL-2.0
/*
 * core/target_core.h: engine-wide state of target_core_mod (one instance, made at module load
 * and destroyed at unload; modules never rely on static constructors).
 *
 * Lock order (outermost first): TargetCore::dbroot_, LuGroupRegistry::lock_,
 * TargetCore::devices_lock_, Device::lock().
 */
#ifndef LIO_CORE_TARGET_CORE_H
#define LIO_CORE_TARGET_CORE_H

#include "core/alua_lu_group.h"
#include "core/device.h"
#include "lio/alloc.h"
#include "lio/lock.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::core {

// Where persistent state (APTPL reservations, ALUA metadata) is kept: configfs `dbroot`.
// An absolute path to an existing directory, fixed once devices exist.
class DbRoot final {
  public:
	static constexpr u32 kMaxLen = 4096; // including the NUL, as LIO's DB_ROOT_LEN
	static constexpr const char kDefault[] = "/var/target";
	static constexpr const char kPreferred[] = "/etc/target";

	DbRoot();
	const char *path() const { return path_; }
	// Validates and takes `path` (no trailing newline). Logs one line on refusal.
	Result<void> set(Span<const char> path);

  private:
	char path_[kMaxLen];
	char staged_[kMaxLen]; // the candidate being validated

};

class TargetCore final {
  public:
	static Result<OwnPtr<TargetCore>> create();

	// Reads dbroot into out (NUL-terminated); returns its length.
	u32 read_dbroot(char *out, u32 size) const;
	// Fails with EBUSY while devices exist: their persistent state lives under the old root.
	Result<void> set_dbroot(Span<const char> path);

	LuGroupRegistry &lu_groups() { return lu_groups_; }
	// default_lu_gp, which devices join at enable (set once the tree is built).
	LuGroup *default_lu_group() const { return default_lu_group_; }
	void set_default_lu_group(LuGroup *group) { default_lu_group_ = group; }

	// Devices currently registered (backstore objects configured in core/).
	u32 device_count() const;
	// A device was made (mkdir) / is going (rmdir): counted for dbroot, listed for the
	// members of its LU group.
	void device_added(Device &dev);
	void device_removed(Device &dev);

	// LIO's global counters: the HBA id of hba_info, the SCSI MIB instance index of an HBA,
	// and the device index assigned at enable (statistics indx).
	u32 next_hba_id();
	u32 next_scsi_index();
	u32 next_dev_index();

	// `members` of an LU group: one "<hba>/<device>\n" per member device; returns the length.
	s64 format_lu_members(const LuGroup &group, char *buf, usize size);

  private:
	TargetCore();

	Protected<DbRoot, Mutex> dbroot_;
	u32 devices_ = 0; // under dbroot_'s lock
	LuGroupRegistry lu_groups_;
	LuGroup *default_lu_group_ = nullptr;
	Mutex devices_lock_;
	IntrusiveList<Device, &Device::core_node> device_list_; // under devices_lock_
	u32 hba_ids_ = 0;      // under devices_lock_
	u32 scsi_indexes_ = 1; // under devices_lock_
	u32 dev_indexes_ = 1;  // under devices_lock_
};

} // namespace lio::core

#endif // LIO_CORE_TARGET_CORE_H
