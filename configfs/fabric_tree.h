// SPDX-License-Identifier: GPL-2.0
/*
 * configfs/fabric_tree.h: every fabric's directories under target/, as LIO's
 * target_core_fabric_configfs.c lays them out (6.12's set):
 *
 *   <fabric>/                     fabric_root files; mkdir <wwn>
 *   <fabric>/discovery_auth/      discovery_auth files
 *   <wwn>/                        wwn files; mkdir tpgt_<1..65535>
 *   <wwn>/fabric_statistics/
 *   <wwn>/param/                  cmd_completion_affinity, default_submit_type,
 *                                 direct_submit_supported
 *   tpgt_N/                       rtpi, enable (has_tpg_enable), tpg files
 *   tpgt_N/{attrib,auth,param}/   tpg_attrib / tpg_auth / tpg_param files
 *   tpgt_N/lun/lun_M/             alua_tg_pt_{gp,offline,status,write_md}; one symlink to a
 *                                 device; statistics/{scsi_port,scsi_tgt_port,scsi_transport}
 *   tpgt_N/np/<name>/             np files
 *   tpgt_N/acls/<initiator>/      acl files; attrib/, auth/, param/ (acl_* files),
 *                                 fabric_statistics/; mkdir lun_N
 *   acls/<initiator>/lun_N/       write_protect; one symlink to a lun/lun_M of the same TPG;
 *                                 statistics/{scsi_auth_intr,scsi_att_intr_port}
 *
 * The directories whose files a fabric adds get per-fabric types built at registration
 * (generic files first, then the fabric's table), owned by the fabric module; the others are
 * target_core_mod's static types.
 */
#ifndef LIO_CONFIGFS_FABRIC_TREE_H
#define LIO_CONFIGFS_FABRIC_TREE_H

#include "core/fabric.h"
#include "core/target_core.h"
#include "kabi/configfs.h"
#include "lio/result.h"

namespace lio::cfs {

struct FabricTypes;

// Called by the fabric registry under its lock.
Result<FabricTypes *> register_fabric_types(core::Fabric &fabric, kabi_module *owner);
void unregister_fabric_types(FabricTypes *types);

// target_core_mod's types of the fabric tree (with the rest of target/).
Result<void> register_fabric_static_types(kabi_module *owner);
void unregister_fabric_static_types();

// mkdir target/<name>: the registered fabric called name, loading its module on demand as
// LIO does (iscsi -> iscsi_target_mod, loopback -> tcm_loop); EINVAL when there is none.
Result<void> make_fabric_root(core::TargetCore &core, const char *name, kabi_cfs_group *group);

} // namespace lio::cfs

#endif // LIO_CONFIGFS_FABRIC_TREE_H
