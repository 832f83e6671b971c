// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_target_mod: module glue of LIO's iSCSI fabric. The fabric is C++
 * (fabrics/iscsi/iscsi.cpp): it registers "iscsi" with target_core_mod, so that
 * target/iscsi/<iqn>/tpgt_N with its LUNs and ACLs and target/iscsi/discovery_auth/ work for
 * rtslib/targetcli (clearconfig, saveconfig, restoreconfig).
 *
 * What needs kernel headers (sockets, threads, the cpumask behind
 * target/iscsi/cpus_allowed_list, CRC32C, digests) is in iscsi_net.c; this file only loads
 * and unloads the module.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "kabi/modules.h"
#include "iscsi_abi.h"
#include "iscsi_net.h"

static int __init iscsi_target_init(void)
{
	int ret;

	ret = iscsi_glue_setup();
	if (ret)
		return ret;
	ret = lio_iscsi_init((struct kabi_module *)THIS_MODULE);
	if (ret) {
		pr_err("iscsi: fabric registration failed: %d\n", ret);
		iscsi_glue_teardown();
		return ret;
	}
	pr_info("iscsi: lio-cxx iSCSI target fabric loaded\n");
	return 0;
}

/* configfs pins the module while any iscsi directory exists. */
static void __exit iscsi_target_exit(void)
{
	lio_iscsi_exit();
	iscsi_glue_teardown();
}

module_init(iscsi_target_init);
module_exit(iscsi_target_exit);

MODULE_DESCRIPTION("lio-cxx iSCSI target fabric");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
