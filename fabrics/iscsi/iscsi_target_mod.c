// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_target_mod: module glue of LIO's iSCSI fabric, configfs only. The fabric is C++
 * (fabrics/iscsi/iscsi.cpp): it registers "iscsi" with target_core_mod, so that
 * target/iscsi/<iqn>/tpgt_N with its LUNs and ACLs and target/iscsi/discovery_auth/ work for
 * rtslib/targetcli (clearconfig, saveconfig, restoreconfig). Network portals are refused:
 * nothing here listens on a socket or serves an iSCSI login yet.
 *
 * This file holds what needs kernel headers: the cpumask behind target/iscsi/cpus_allowed_list.
 */
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "kabi/modules.h"
#include "iscsi_abi.h"

/* LIO's iscsit_global->allowed_cpumask: every CPU at load (cpumask_setall). */
static cpumask_var_t iscsi_allowed_cpumask;
static DEFINE_MUTEX(iscsi_cpumask_lock);

int32_t iscsi_glue_cpus_allowed_show(char *buf, uint64_t size)
{
	int n;

	mutex_lock(&iscsi_cpumask_lock);
	n = scnprintf(buf, size, "%*pbl\n", cpumask_pr_args(iscsi_allowed_cpumask));
	mutex_unlock(&iscsi_cpumask_lock);
	return n;
}

int32_t iscsi_glue_cpus_allowed_store(const char *text, uint64_t len)
{
	cpumask_var_t mask;
	char *copy;
	int ret;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	copy = kstrndup(text, len, GFP_KERNEL);
	if (!copy) {
		free_cpumask_var(mask);
		return -ENOMEM;
	}
	ret = cpulist_parse(copy, mask);
	if (!ret) {
		mutex_lock(&iscsi_cpumask_lock);
		cpumask_copy(iscsi_allowed_cpumask, mask);
		mutex_unlock(&iscsi_cpumask_lock);
	}
	kfree(copy);
	free_cpumask_var(mask);
	return ret;
}

static int __init iscsi_target_init(void)
{
	int ret;

	if (!zalloc_cpumask_var(&iscsi_allowed_cpumask, GFP_KERNEL))
		return -ENOMEM;
	cpumask_setall(iscsi_allowed_cpumask);

	ret = lio_iscsi_init((struct kabi_module *)THIS_MODULE);
	if (ret) {
		pr_err("iscsi: fabric registration failed: %d\n", ret);
		free_cpumask_var(iscsi_allowed_cpumask);
		return ret;
	}
	pr_info("iscsi: configfs-only iSCSI fabric loaded: network portals are not implemented, "
		"no iSCSI login is served\n");
	return 0;
}

/* configfs pins the module while any iscsi directory exists. */
static void __exit iscsi_target_exit(void)
{
	lio_iscsi_exit();
	free_cpumask_var(iscsi_allowed_cpumask);
}

module_init(iscsi_target_init);
module_exit(iscsi_target_exit);

MODULE_DESCRIPTION("lio-cxx iSCSI target fabric skeleton (configfs only, no portals yet)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
