// SPDX-License-Identifier: GPL-2.0
// core/kabi/host/kabi_host_sys.cpp: kabi/sys.h over uname(2) and stat(2).
#include <cerrno>
#include <cstdio>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kabi/sys.h"

void kabi_sys_uts(struct kabi_uts *out) {
	struct utsname u;
	if (uname(&u) != 0) {
		snprintf(out->sysname, sizeof(out->sysname), "Linux");
		snprintf(out->machine, sizeof(out->machine), "unknown");
		snprintf(out->release, sizeof(out->release), "unknown");
		return;
	}
	snprintf(out->sysname, sizeof(out->sysname), "%s", u.sysname);
	snprintf(out->machine, sizeof(out->machine), "%s", u.machine);
	snprintf(out->release, sizeof(out->release), "%s", u.release);
}

int32_t kabi_fs_check_dir(const char *path) {
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
