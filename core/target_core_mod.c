// SPDX-License-Identifier: GPL-2.0
/*
 * target_core_mod: module glue. The engine is C++ (core/, configfs/); this file only hands it
 * the module and checks at unload that every allocation made through the boundary was freed.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "kabi/configfs.h"
#include "kabi/mem.h"
#include "kabi/modules.h"

struct kabi_module *kabi_this_module(void)
{
	return (struct kabi_module *)THIS_MODULE;
}

static int __init target_core_mod_init(void)
{
	int ret = lio_target_core_init(kabi_this_module());

	if (ret)
		pr_err("target_core_mod: initialisation failed: %d\n", ret);
	return ret;
}

static void __exit target_core_mod_exit(void)
{
	int64_t live;

	lio_target_core_exit();
	live = kabi_mem_live();
	if (live)
		pr_err("lio-cxx: leak: %lld allocations not freed at unload\n", (long long)live);
}

module_init(target_core_mod_init);
module_exit(target_core_mod_exit);

MODULE_DESCRIPTION("lio-cxx SCSI target core (LIO-compatible configfs)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
MODULE_SOFTDEP("pre: configfs");
