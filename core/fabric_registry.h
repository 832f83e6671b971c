// SPDX-License-Identifier: GPL-2.0
/*
 * core/fabric_registry.h: the fabrics registered by fabric modules (tcm_loop,
 * iscsi_target_mod, ...), as core/hba.h keeps backends.
 *
 * A fabric module registers its static Fabric from its init (kabi_fabric_register, exported
 * by target_core_mod) and unregisters it at exit. Registration also registers the fabric's
 * configfs directory types (configfs/fabric_tree.h: attribute tables differ per fabric), owned
 * by the fabric module so that configfs pins it while any of its directories exists.
 * Register, unregister and acquire run under the fabric registry lock (kabi_fabric.c), so a
 * lookup never returns a fabric whose module is past its exit.
 */
#ifndef LIO_CORE_FABRIC_REGISTRY_H
#define LIO_CORE_FABRIC_REGISTRY_H

#include "core/fabric.h"
#include "lio/result.h"
#include "lio/string.h"
#include "lio/types.h"

struct kabi_module;

namespace lio::cfs {
struct FabricTypes;
}

namespace lio::core {

inline constexpr u32 kMaxFabrics = 16;

// Under the registry lock (the C entry points take it).
Result<void> register_fabric_locked(Fabric &fabric, kabi_module *owner);
void unregister_fabric_locked(Fabric &fabric);

struct AcquiredFabric {
	Fabric *fabric = nullptr;
	kabi_module *owner = nullptr; // referenced (kabi_module_get); put by the caller
	cfs::FabricTypes *types = nullptr;
};
// The fabric called `name` with its module referenced. ENOENT: none registered; ENODEV: its
// module is being unloaded.
Result<AcquiredFabric> acquire_fabric(StrView name);

// Registered fabrics (tests).
u32 fabric_count();

} // namespace lio::core

#endif // LIO_CORE_FABRIC_REGISTRY_H
