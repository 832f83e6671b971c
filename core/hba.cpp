// SPDX-License-Identifier: GPL-2.0
#include "core/hba.h"

#include "backstores/ramdisk/ramdisk.h"
#include "kabi/modules.h"
#include "lio/log.h"

namespace lio::core {

namespace {

constexpr u32 kMaxBackends = 8;

// Slot 0: the built-in ramdisk. The table changes only at module init/exit (see hba.h).
constinit const Backend *g_backends[kMaxBackends] = {&backstores::g_ramdisk_backend};
constinit kabi_module *g_owners[kMaxBackends] = {};

} // namespace

const Backend *find_backend(StrView name) {
	for (const Backend *b : g_backends)
		if (b && str_equal(name, b->name()))
			return b;
	return nullptr;
}

Result<void> register_backend(const Backend &backend, kabi_module *owner) {
	if (find_backend(str_view(backend.name()))) {
		log_err("core: backend %s is already registered\n", backend.name());
		return Error::from_errno(KABI_EEXIST);
	}
	for (u32 i = 0; i < kMaxBackends; i++) {
		if (!g_backends[i]) {
			g_backends[i] = &backend;
			g_owners[i] = owner;
			return {};
		}
	}
	log_err("core: no room to register backend %s\n", backend.name());
	return Error::from_errno(KABI_ENOSPC);
}

void unregister_backend(const Backend &backend) {
	for (u32 i = 0; i < kMaxBackends; i++) {
		if (g_backends[i] == &backend) {
			g_backends[i] = nullptr;
			g_owners[i] = nullptr;
		}
	}
}

Result<const Backend *> acquire_backend(StrView name, kabi_module **owner) {
	kabi_backend_registry_lock();
	const Backend *backend = find_backend(name);
	kabi_module *module = backend ? backend_owner(*backend) : nullptr;
	bool pinned = backend && kabi_module_get(module);
	kabi_backend_registry_unlock();
	if (!backend)
		return Error::from_errno(KABI_ENOENT);
	if (!pinned)
		return Error::from_errno(KABI_ENODEV);
	*owner = module;
	return backend;
}

kabi_module *backend_owner(const Backend &backend) {
	for (u32 i = 0; i < kMaxBackends; i++)
		if (g_backends[i] == &backend)
			return g_owners[i];
	return nullptr;
}

Hba::Hba(TargetCore &core, const Backend &backend, StrView name, u32 host_id, u32 hba_id,
	 u32 scsi_index, kabi_module *owner)
    : core_(core), backend_(backend), name_{}, host_id_(host_id), hba_id_(hba_id),
      scsi_index_(scsi_index), owner_(owner) {
	(void)str_copy(Span<char>(name_, sizeof(name_)), name); // bounded by the caller
}

Hba::~Hba() { kabi_module_put(owner_); }

} // namespace lio::core

// The C entry points other modules reach through kabi_backend_register() (the C layer
// exports those; see kabi/modules.h). The opaque lio_backend is a core::Backend.
extern "C" int32_t lio_core_register_backend(struct lio_backend *backend, kabi_module *owner) {
	auto *b = reinterpret_cast<const lio::core::Backend *>(backend);
	lio::Result<void> r = lio::core::register_backend(*b, owner);
	return r.is_error() ? -r.error().errno_value() : 0;
}

extern "C" void lio_core_unregister_backend(struct lio_backend *backend) {
	lio::core::unregister_backend(*reinterpret_cast<const lio::core::Backend *>(backend));
}
