/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points of each module's C++ engine, called from the module's C glue (module_init /
 * module_exit). Return 0 or a negative errno.
 */
#ifndef KABI_MODULES_H
#define KABI_MODULES_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_module;

/* target_core_mod */
int32_t lio_target_core_init(struct kabi_module *self);
void lio_target_core_exit(void);

KABI_END_DECLS

#endif /* KABI_MODULES_H */
