// SPDX-License-Identifier: GPL-2.0
/* kabi/sys.h: utsname and path checks. */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "kabi/sys.h"

void kabi_sys_uts(struct kabi_uts *out)
{
	struct new_utsname *uts = utsname();

	strscpy(out->sysname, uts->sysname, sizeof(out->sysname));
	strscpy(out->machine, uts->machine, sizeof(out->machine));
	strscpy(out->release, uts->release, sizeof(out->release));
}
EXPORT_SYMBOL_GPL(kabi_sys_uts);

int32_t kabi_fs_check_dir(const char *path)
{
	struct path p;
	int ret;

	ret = kern_path(path, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	ret = d_is_dir(p.dentry) ? 0 : -ENOTDIR;
	path_put(&p);
	return ret;
}
EXPORT_SYMBOL_GPL(kabi_fs_check_dir);
