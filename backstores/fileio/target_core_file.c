// SPDX-License-Identifier: GPL-2.0
/*
 * target_core_file: module glue of the fileio backstore. The backend is C++
 * (backstores/fileio/fileio.cpp); this file hands it the module, which target_core_mod pins
 * while an HBA of the backend exists.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "kabi/modules.h"

static struct kabi_module *target_core_file_module(void)
{
	return (struct kabi_module *)THIS_MODULE;
}

static int __init target_core_file_init(void)
{
	int ret = lio_fileio_init(target_core_file_module());

	if (ret)
		pr_err("target_core_file: initialisation failed: %d\n", ret);
	return ret;
}

static void __exit target_core_file_exit(void)
{
	lio_fileio_exit();
}

module_init(target_core_file_init);
module_exit(target_core_file_exit);

MODULE_DESCRIPTION("lio-cxx FILEIO backstore (LIO-compatible)");
MODULE_AUTHOR("lio-cxx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("lio-cxx-0.1");
