// SPDX-License-Identifier: GPL-2.0
#include "core/target_core.h"

#include "kabi/sys.h"
#include "lio/log.h"
#include "lio/string.h"

namespace lio::core {

namespace {
constinit LockClass dbroot_lock_class("lio_dbroot");
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

TargetCore::TargetCore() : dbroot_(dbroot_lock_class) {}

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

} // namespace lio::core
