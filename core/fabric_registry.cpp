// SPDX-License-Identifier: GPL-2.0
#include "core/fabric_registry.h"

#include "configfs/fabric_tree.h"
#include "kabi/modules.h"
#include "lio/log.h"

namespace lio::core {

namespace {

struct Entry {
	Fabric *fabric;
	kabi_module *owner;
	cfs::FabricTypes *types;
};

// Changed only under the registry lock (module init/exit of fabric modules).
constinit Entry g_fabrics[kMaxFabrics] = {};

Entry *find_locked(StrView name) {
	for (Entry &e : g_fabrics)
		if (e.fabric && str_equal(name, e.fabric->name()))
			return &e;
	return nullptr;
}

} // namespace

Result<void> register_fabric_locked(Fabric &fabric, kabi_module *owner) {
	StrView name = str_view(fabric.name());
	if (name.size() == 0 || find_locked(name)) {
		log_err("core: fabric \"%s\" is already registered or unnamed\n", fabric.name());
		return Error::from_errno(KABI_EEXIST);
	}
	Entry *slot = nullptr;
	for (Entry &e : g_fabrics) {
		if (!e.fabric) {
			slot = &e;
			break;
		}
	}
	if (!slot) {
		log_err("core: no room to register fabric %s\n", fabric.name());
		return Error::from_errno(KABI_ENOSPC);
	}
	cfs::FabricTypes *types = TRY(cfs::register_fabric_types(fabric, owner));
	*slot = Entry{&fabric, owner, types};
	return {};
}

void unregister_fabric_locked(Fabric &fabric) {
	for (Entry &e : g_fabrics) {
		if (e.fabric == &fabric) {
			cfs::unregister_fabric_types(e.types);
			e = Entry{};
		}
	}
}

Result<AcquiredFabric> acquire_fabric(StrView name) {
	kabi_fabric_registry_lock();
	Entry *e = find_locked(name);
	AcquiredFabric out;
	bool pinned = false;
	if (e) {
		pinned = kabi_module_get(e->owner);
		out = AcquiredFabric{e->fabric, e->owner, e->types};
	}
	kabi_fabric_registry_unlock();
	if (!e)
		return Error::from_errno(KABI_ENOENT);
	if (!pinned)
		return Error::from_errno(KABI_ENODEV);
	return out;
}

u32 fabric_count() {
	kabi_fabric_registry_lock();
	u32 n = 0;
	for (const Entry &e : g_fabrics)
		n += e.fabric != nullptr;
	kabi_fabric_registry_unlock();
	return n;
}

} // namespace lio::core

// The C entry points behind kabi_fabric_register / kabi_fabric_unregister (kabi_fabric.c
// takes the registry lock). The opaque lio_fabric is a core::Fabric.
extern "C" int32_t lio_core_register_fabric(struct lio_fabric *fabric, kabi_module *owner) {
	auto *f = reinterpret_cast<lio::core::Fabric *>(fabric);
	lio::Result<void> r = lio::core::register_fabric_locked(*f, owner);
	return r.is_error() ? -r.error().errno_value() : 0;
}

extern "C" void lio_core_unregister_fabric(struct lio_fabric *fabric) {
	lio::core::unregister_fabric_locked(*reinterpret_cast<lio::core::Fabric *>(fabric));
}
