// SPDX-License-Identifier: GPL-2.0
/* Backend registration for the other modules (kabi/modules.h), and module references. */
#include <linux/module.h>
#include <linux/mutex.h>

#include "kabi/modules.h"

/* Serialises the backend table: registration, removal, and lookup-plus-module-reference
 * (kabi_backend_registry_lock), so that no lookup can return a backend whose module is
 * already past its exit. */
static DEFINE_MUTEX(kabi_backend_mutex);

void kabi_backend_registry_lock(void)
{
	mutex_lock(&kabi_backend_mutex);
}

void kabi_backend_registry_unlock(void)
{
	mutex_unlock(&kabi_backend_mutex);
}

int32_t kabi_backend_register(struct lio_backend *backend, struct kabi_module *owner)
{
	int32_t ret;

	mutex_lock(&kabi_backend_mutex);
	ret = lio_core_register_backend(backend, owner);
	mutex_unlock(&kabi_backend_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(kabi_backend_register);

void kabi_backend_unregister(struct lio_backend *backend)
{
	mutex_lock(&kabi_backend_mutex);
	lio_core_unregister_backend(backend);
	mutex_unlock(&kabi_backend_mutex);
}
EXPORT_SYMBOL_GPL(kabi_backend_unregister);

bool kabi_module_get(struct kabi_module *module)
{
	return !module || try_module_get((struct module *)module);
}

void kabi_module_put(struct kabi_module *module)
{
	if (module)
		module_put((struct module *)module);
}

int32_t kabi_request_module(const char *name)
{
	int ret = request_module("%s", name);

	return ret > 0 ? -ENOENT : ret;
}
