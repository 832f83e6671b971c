// SPDX-License-Identifier: GPL-2.0
/*
 * core/hba.h: LIO's HBA (core/<backend>_<index>): a named container of devices of one
 * backend type, and the registry of backend types.
 *
 * Backend registry: a fixed table of backend types. rd_mcp is built in (target_core_mod
 * carries the ramdisk); other modules will add theirs with register_backend() from their
 * init and remove them with unregister_backend() at exit (module load and unload are
 * serialised by the kernel, and configfs pins a module while its HBAs exist).
 */
#ifndef LIO_CORE_HBA_H
#define LIO_CORE_HBA_H

#include "core/device.h"
#include "lio/atomic.h"
#include "lio/result.h"
#include "lio/string.h"
#include "lio/types.h"

struct kabi_module;

namespace lio::core {

class TargetCore;

// The backend called `name` ("rd_mcp"), or null.
const Backend *find_backend(StrView name);
// owner: the module providing the backend (null for the built-in ones); an HBA of the
// backend holds a reference to it (kabi_module_get) for its whole life.
Result<void> register_backend(const Backend &backend, kabi_module *owner = nullptr);
void unregister_backend(const Backend &backend);
// The owner given at registration (null for built-in backends or unknown ones).
kabi_module *backend_owner(const Backend &backend);
// The backend called `name` with a reference on its module taken (released by the caller,
// or by ~Hba): both under the registry lock, so a module past its exit is never returned.
// ENOENT: none registered; ENODEV: its module is being unloaded.
Result<const Backend *> acquire_backend(StrView name, kabi_module **owner);

class Hba final {
  public:
	// hba_id: LIO's global HBA counter ("HBA Index" of hba_info); scsi_index: the SCSI MIB
	// instance (statistics inst); host_id: the index in the directory name.
	// owner: a module reference already taken (kabi_module_get), dropped by the destructor.
	Hba(TargetCore &core, const Backend &backend, StrView name, u32 host_id, u32 hba_id,
	    u32 scsi_index, kabi_module *owner = nullptr);
	~Hba();
	Hba(const Hba &) = delete;
	Hba &operator=(const Hba &) = delete;

	TargetCore &core() const { return core_; }
	const Backend &backend() const { return backend_; }
	const char *name() const { return name_; }
	u32 host_id() const { return host_id_; }
	u32 hba_id() const { return hba_id_; }
	u32 scsi_index() const { return scsi_index_; }

	// Enabled devices (LIO's hba->dev_count).
	u32 enabled_devices() const { return enabled_.load(MemoryOrder::Relaxed); }
	void device_enabled() { enabled_.fetch_add(1, MemoryOrder::Relaxed); }
	void device_disabled() { enabled_.fetch_sub(1, MemoryOrder::Relaxed); }
	// Backend-private per-HBA counter (the ramdisk's device id, rd_host_dev_id_count).
	u32 next_backend_dev_id() { return backend_dev_ids_.fetch_add(1, MemoryOrder::Relaxed); }

  private:
	TargetCore &core_;
	const Backend &backend_;
	char name_[kHbaNameMax];
	u32 host_id_;
	u32 hba_id_;
	u32 scsi_index_;
	Atomic<u32> enabled_{0};
	Atomic<u32> backend_dev_ids_{0};
	kabi_module *owner_;
};

} // namespace lio::core

#endif // LIO_CORE_HBA_H
