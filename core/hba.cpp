// SPDX-License-Identifier: GPL-2.0
#include "core/hba.h"

#include "backstores/ramdisk/ramdisk.h"
#include "lio/log.h"

namespace lio::core {

namespace {

constexpr u32 kMaxBackends = 8;

// Slot 0: the built-in ramdisk. The table changes only at module init/exit (see hba.h).
constinit const Backend *g_backends[kMaxBackends] = {&backstores::g_ramdisk_backend};

} // namespace

const Backend *find_backend(StrView name) {
	for (const Backend *b : g_backends)
		if (b && str_equal(name, b->name()))
			return b;
	return nullptr;
}

Result<void> register_backend(const Backend &backend) {
	if (find_backend(str_view(backend.name()))) {
		log_err("core: backend %s is already registered\n", backend.name());
		return Error::from_errno(KABI_EEXIST);
	}
	for (const Backend *&slot : g_backends) {
		if (!slot) {
			slot = &backend;
			return {};
		}
	}
	log_err("core: no room to register backend %s\n", backend.name());
	return Error::from_errno(KABI_ENOSPC);
}

void unregister_backend(const Backend &backend) {
	for (const Backend *&slot : g_backends)
		if (slot == &backend)
			slot = nullptr;
}

Hba::Hba(TargetCore &core, const Backend &backend, StrView name, u32 host_id, u32 hba_id,
	 u32 scsi_index)
    : core_(core), backend_(backend), name_{}, host_id_(host_id), hba_id_(hba_id),
      scsi_index_(scsi_index) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name); // bounded by the caller
}

} // namespace lio::core
