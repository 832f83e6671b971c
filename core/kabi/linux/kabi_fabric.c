// SPDX-License-Identifier: GPL-2.0
/* Fabric registration for the fabric modules (kabi/modules.h). */
#include <linux/module.h>
#include <linux/mutex.h>

#include "kabi/modules.h"

/* Serialises the fabric table: registration (which also registers the fabric's configfs
 * types), removal, and lookup-plus-module-reference (kabi_fabric_registry_lock), so that no
 * lookup can return a fabric whose module is already past its exit. */
static DEFINE_MUTEX(kabi_fabric_mutex);

void kabi_fabric_registry_lock(void)
{
	mutex_lock(&kabi_fabric_mutex);
}

void kabi_fabric_registry_unlock(void)
{
	mutex_unlock(&kabi_fabric_mutex);
}

int32_t kabi_fabric_register(struct lio_fabric *fabric, struct kabi_module *owner)
{
	int32_t ret;

	mutex_lock(&kabi_fabric_mutex);
	ret = lio_core_register_fabric(fabric, owner);
	mutex_unlock(&kabi_fabric_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(kabi_fabric_register);

void kabi_fabric_unregister(struct lio_fabric *fabric)
{
	mutex_lock(&kabi_fabric_mutex);
	lio_core_unregister_fabric(fabric);
	mutex_unlock(&kabi_fabric_mutex);
}
EXPORT_SYMBOL_GPL(kabi_fabric_unregister);
