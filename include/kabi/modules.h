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

/* Backends in other modules. A struct lio_backend is opaque to C: the engine's backend object
 * (core::Backend), static data of the module that provides it. target_core_mod exports
 * kabi_backend_register / kabi_backend_unregister (core/kabi/linux/kabi_backend.c), which call
 * lio_core_register_backend / lio_core_unregister_backend (core/hba.cpp). owner: the module
 * providing the backend; each HBA of the backend holds a reference to it. */
struct lio_backend;
int32_t kabi_backend_register(struct lio_backend *backend, struct kabi_module *owner);
void kabi_backend_unregister(struct lio_backend *backend);
/* target_core_mod only: held around a lookup in the backend table and the taking of the
 * backend module's reference (register/unregister take it themselves). */
void kabi_backend_registry_lock(void);
void kabi_backend_registry_unlock(void);
int32_t lio_core_register_backend(struct lio_backend *backend, struct kabi_module *owner);
void lio_core_unregister_backend(struct lio_backend *backend);

/* A reference on a module (try_module_get / module_put); null is no module (always true). */
bool kabi_module_get(struct kabi_module *module);
void kabi_module_put(struct kabi_module *module);

/* Loads module `name` (request_module); 0 or a negative errno. -ENOENT on the host. */
int32_t kabi_request_module(const char *name);

/* Fabrics (tcm_loop, iscsi_target_mod, ...). A struct lio_fabric is a lio::core::Fabric
 * (core/fabric.h), static data of the fabric module. target_core_mod exports
 * kabi_fabric_register / kabi_fabric_unregister (core/kabi/linux/kabi_fabric.c), which call
 * lio_core_register_fabric / lio_core_unregister_fabric (core/fabric_registry.cpp) under the
 * fabric registry lock. owner: the fabric module; every configfs directory of the fabric
 * pins it. */
struct lio_fabric;
int32_t kabi_fabric_register(struct lio_fabric *fabric, struct kabi_module *owner);
void kabi_fabric_unregister(struct lio_fabric *fabric);
int32_t lio_core_register_fabric(struct lio_fabric *fabric, struct kabi_module *owner);
void lio_core_unregister_fabric(struct lio_fabric *fabric);
/* target_core_mod only: held around a lookup in the fabric table and the taking of the fabric
 * module's reference (register/unregister take it themselves). */
void kabi_fabric_registry_lock(void);
void kabi_fabric_registry_unlock(void);

/* tcm_loop */
int32_t lio_tcm_loop_init(struct kabi_module *self);
void lio_tcm_loop_exit(void);

/* iscsi_target_mod */
int32_t lio_iscsi_init(struct kabi_module *self);
void lio_iscsi_exit(void);

/* target_core_file */
int32_t lio_fileio_init(struct kabi_module *self);
void lio_fileio_exit(void);

/* target_core_iblock */
int32_t lio_iblock_init(struct kabi_module *self);
void lio_iblock_exit(void);

/* target_core_pscsi */
int32_t lio_pscsi_init(struct kabi_module *self);
void lio_pscsi_exit(void);

KABI_END_DECLS

#endif /* KABI_MODULES_H */
