// SPDX-License-Identifier: GPL-2.0
/*
 * configfs/device_tree.h: LIO's HBA and device directories under target/core:
 *
 *   core/<backend>_<index>/         hba_info (0444), hba_mode (0644); mkdir <device>
 *   core/<hba>/<device>/            info, control, alias, udev_path, enable, alua_lu_gp,
 *                                   lba_map; action/, attrib/, pr/, wwn/,
 *                                   alua/default_tg_pt_gp/, statistics/{scsi_dev,
 *                                   scsi_lu,scsi_tgt_dev}/
 */
#ifndef LIO_CONFIGFS_DEVICE_TREE_H
#define LIO_CONFIGFS_DEVICE_TREE_H

#include "core/target_core.h"
#include "kabi/configfs.h"
#include "lio/result.h"

namespace lio::cfs {

// Registers / unregisters the node types of this tree (with target_core_mod's).
Result<void> register_device_types(kabi_module *owner);
void unregister_device_types();

// mkdir target/core/<name>: an HBA of the backend named by <name> (LIO's parsing rules).
Result<void> make_hba(core::TargetCore &core, const char *name, kabi_cfs_group *group);

} // namespace lio::cfs

#endif // LIO_CONFIGFS_DEVICE_TREE_H
