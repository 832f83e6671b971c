// SPDX-License-Identifier: GPL-2.0
/*
 * configfs/target_root.h: /sys/kernel/config/target and its core/ part, as LIO lays them out:
 *
 *   target/                 dbroot (0644), version (0444); mkdir <fabric> (fabric_tree.h)
 *   target/core/            mkdir <backstore>_<index> (S-HAL, later)
 *   target/core/alua/
 *   target/core/alua/lu_gps/                  mkdir <lu group>
 *   target/core/alua/lu_gps/<group>/          lu_gp_id (0644), members (0444)
 *   target/core/alua/lu_gps/default_lu_gp/    id 0, built in
 */
#ifndef LIO_CONFIGFS_TARGET_ROOT_H
#define LIO_CONFIGFS_TARGET_ROOT_H

#include "core/target_core.h"
#include "kabi/configfs.h"
#include "lio/result.h"

namespace lio::cfs {

// Registers the node types and the `target` subsystem. Undone by unregister_target_tree.
Result<void> register_target_tree(core::TargetCore &core, kabi_module *owner);
void unregister_target_tree();

} // namespace lio::cfs

#endif // LIO_CONFIGFS_TARGET_ROOT_H
