// SPDX-License-Identifier: GPL-2.0
// kabi/modules.h on the host: one process, so registration is a direct call and modules are
// not reference-counted.
#include "kabi/modules.h"

#include <mutex>

namespace {
std::mutex g_backend_mutex; // as the kernel side's kabi_backend_mutex
} // namespace

extern "C" void kabi_backend_registry_lock(void) { g_backend_mutex.lock(); }
extern "C" void kabi_backend_registry_unlock(void) { g_backend_mutex.unlock(); }

extern "C" int32_t kabi_backend_register(struct lio_backend *backend, struct kabi_module *owner) {
	std::lock_guard<std::mutex> guard(g_backend_mutex);
	return lio_core_register_backend(backend, owner);
}

extern "C" void kabi_backend_unregister(struct lio_backend *backend) {
	std::lock_guard<std::mutex> guard(g_backend_mutex);
	lio_core_unregister_backend(backend);
}

extern "C" bool kabi_module_get(struct kabi_module *) { return true; }

extern "C" void kabi_module_put(struct kabi_module *) {}

extern "C" int32_t kabi_request_module(const char *) { return -KABI_ENOENT; }
