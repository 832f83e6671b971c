/* SPDX-License-Identifier: GPL-2.0 */
/* Facts about the running system and file-system queries the engine needs. */
#ifndef KABI_SYS_H
#define KABI_SYS_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

#define KABI_UTS_LEN 65

struct kabi_uts {
	char sysname[KABI_UTS_LEN]; /* "Linux" */
	char machine[KABI_UTS_LEN]; /* "x86_64" */
	char release[KABI_UTS_LEN]; /* "6.1.0-56-amd64" */
};

void kabi_sys_uts(struct kabi_uts *out);

/* 0 when path names an existing directory (symlinks followed); -ENOENT, -ENOTDIR, ... if not. */
int32_t kabi_fs_check_dir(const char *path);

KABI_END_DECLS

#endif /* KABI_SYS_H */
