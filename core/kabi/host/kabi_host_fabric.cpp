// SPDX-License-Identifier: GPL-2.0
// kabi/modules.h fabric registration on the host: a direct call under a process-wide mutex,
// as the kernel side's kabi_fabric_mutex.
#include <mutex>

#include "kabi/modules.h"

namespace {
std::mutex g_fabric_mutex;
} // namespace

extern "C" void kabi_fabric_registry_lock(void) { g_fabric_mutex.lock(); }
extern "C" void kabi_fabric_registry_unlock(void) { g_fabric_mutex.unlock(); }

extern "C" int32_t kabi_fabric_register(struct lio_fabric *fabric, struct kabi_module *owner) {
	std::lock_guard<std::mutex> guard(g_fabric_mutex);
	return lio_core_register_fabric(fabric, owner);
}

extern "C" void kabi_fabric_unregister(struct lio_fabric *fabric) {
	std::lock_guard<std::mutex> guard(g_fabric_mutex);
	lio_core_unregister_fabric(fabric);
}
