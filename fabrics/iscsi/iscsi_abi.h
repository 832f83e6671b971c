/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabrics/iscsi/iscsi_abi.h: the C ABI inside iscsi_target_mod, between its C glue
 * (iscsi_target_mod.c) and its C++ fabric (iscsi.cpp). Private to the module.
 *
 * The glue owns what needs kernel headers: the cpumask behind target/iscsi/cpus_allowed_list
 * (LIO's iscsit_global->allowed_cpumask; all possible CPUs at load, as LIO's cpumask_setall).
 */
#ifndef ISCSI_ABI_H
#define ISCSI_ABI_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

/* "%*pbl\n" of the allowed cpumask into buf (size bytes); the length written. */
int32_t iscsi_glue_cpus_allowed_show(char *buf, uint64_t size);
/* cpulist_parse() of the len bytes at text (not NUL-terminated); 0 or a negative errno
 * (the mask is unchanged on error). */
int32_t iscsi_glue_cpus_allowed_store(const char *text, uint64_t len);

KABI_END_DECLS

#endif /* ISCSI_ABI_H */
