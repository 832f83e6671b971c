// SPDX-License-Identifier: GPL-2.0
#include "core/target_core.h"

#include "core/hba.h"
#include "kabi/sys.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::core {

namespace {
constinit LockClass dbroot_lock_class("lio_dbroot");
constinit LockClass devices_lock_class("lio_devices");
} // namespace

DbRoot::DbRoot() {
	// LIO's choice at load: /etc/target when it is a directory, else /var/target (which need
	// not exist yet; the persistent-reservation code creates what it writes into).
	const char *initial = kabi_fs_check_dir(kPreferred) == 0 ? kPreferred : kDefault;
	kabi_snprintf(path_, sizeof(path_), "%s", initial);
}

Result<void> DbRoot::set(Span<const char> path) {
	if (path.size() == 0) {
		log_err("dbroot: empty path\n");
		return Error::from_errno(KABI_EINVAL);
	}
	if (path.size() >= kMaxLen) {
		log_err("dbroot: path of %llu bytes exceeds %u\n",
			static_cast<unsigned long long>(path.size()), kMaxLen - 1);
		return Error::from_errno(KABI_ENAMETOOLONG);
	}
	if (path[0] != '/') {
		log_err("dbroot: %.*s is not an absolute path\n", static_cast<int>(path.size()),
			path.data());
		return Error::from_errno(KABI_EINVAL);
	}
	for (usize i = 0; i < path.size(); i++) {
		if (path[i] == '\0' || path[i] == '\n') {
			log_err("dbroot: path contains a NUL or newline\n");
			return Error::from_errno(KABI_EINVAL);
		}
	}
	// Bounded above, so the copy is whole. staged_ is a member: 4 KiB is too much stack.
	kabi_snprintf(staged_, sizeof(staged_), "%.*s", static_cast<int>(path.size()),
		      path.data());
	s32 ret = kabi_fs_check_dir(staged_);
	if (ret < 0) {
		log_err("dbroot: %s is not an existing directory (error %d)\n", staged_, ret);
		return Error::from_errno(-ret); // ENOENT, ENOTDIR, ENAMETOOLONG, EACCES, ...
	}
	kabi_snprintf(path_, sizeof(path_), "%s", staged_);
	return {};
}

TargetCore::TargetCore() : dbroot_(dbroot_lock_class), devices_lock_(devices_lock_class) {}

Result<OwnPtr<TargetCore>> TargetCore::create() {
	// The constructor is private: only create() makes one.
	OwnPtr<TargetCore> core = adopt_own(new (Gfp::Kernel) TargetCore());
	if (!core)
		return Error::from_errno(KABI_ENOMEM);
	return core;
}

u32 TargetCore::read_dbroot(char *out, u32 size) const {
	return dbroot_.with([&](const DbRoot &db) {
		return static_cast<u32>(kabi_snprintf(out, size, "%s", db.path()));
	});
}

Result<void> TargetCore::set_dbroot(Span<const char> path) {
	return dbroot_.with([&](DbRoot &db) -> Result<void> {
		if (devices_ != 0) {
			log_err("dbroot: cannot be changed while %u devices exist\n", devices_);
			return Error::from_errno(KABI_EBUSY);
		}
		return db.set(path);
	});
}

u32 TargetCore::device_count() const {
	return dbroot_.with([&](const DbRoot &) { return devices_; });
}

void TargetCore::device_added(Device &dev) {
	dbroot_.with([&](DbRoot &) { devices_++; });
	LockGuard guard(devices_lock_);
	device_list_.push_back(dev);
}

void TargetCore::device_removed(Device &dev) {
	{
		LockGuard guard(devices_lock_);
		device_list_.remove(dev);
	}
	dbroot_.with([&](DbRoot &) { devices_--; });
}

u32 TargetCore::next_hba_id() {
	LockGuard guard(devices_lock_);
	return hba_ids_++;
}

u32 TargetCore::next_scsi_index() {
	LockGuard guard(devices_lock_);
	return scsi_indexes_++;
}

u32 TargetCore::next_dev_index() {
	LockGuard guard(devices_lock_);
	return dev_indexes_++;
}

s64 TargetCore::format_lu_members(const LuGroup &group, char *buf, usize size) {
	LockGuard guard(devices_lock_);
	usize len = 0;
	for (Device &dev : device_list_) {
		LockGuard dev_guard(dev.lock());
		if (dev.config_locked().lu_group != &group)
			continue;
		// LIO stops (with a warning) when the page is full; so do we.
		usize need = str_len(dev.hba().name()) + 1 + str_len(dev.name()) + 1;
		if (len + need >= size) {
			log_warn("alua: LU group members list does not fit in a page\n");
			break;
		}
		len += static_cast<usize>(kabi_snprintf(buf + len, size - len, "%s/%s\n",
							dev.hba().name(), dev.name()));
	}
	return static_cast<s64>(len);
}

} // namespace lio::core
