/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configfs bridge. The C layer owns every configfs directory (struct kabi_cfs_group); the
 * C++ side owns the object behind it (struct lio_cfs_object, opaque to C) and describes each
 * kind of directory once, statically (struct kabi_cfs_type): its attribute files and the
 * operations that back them. One generic set of kernel callbacks serves every type.
 *
 * Life cycle of a directory:
 *   - created by the C++ side as a default group (kabi_cfs_default_group_add, before its
 *     parent is visible) or by a user's mkdir (ops->make_group, which binds the new group);
 *   - user rmdir: ops->drop_group(parent, child) first, then the group is released;
 *   - released (last configfs reference gone, after rmdir or when its parent or the subsystem
 *     goes): ops->release(obj), then the C layer frees the group. The C++ object must not
 *     touch the group after release. Children are always released before their parent, so
 *     an object may rely on its parent's object outliving it.
 * Calls into ops happen in process context with no C-layer lock held; configfs serialises
 * mkdir/rmdir/symlink within a subsystem, attribute reads/writes are not serialised.
 */
#ifndef KABI_CONFIGFS_H
#define KABI_CONFIGFS_H

#include "kabi/types.h"

KABI_BEGIN_DECLS

struct kabi_cfs_group; /* a configfs directory (C layer) */
struct kabi_module;    /* the kernel module owning a type (struct module) */
struct lio_cfs_object; /* the C++ object behind a directory (never dereferenced by C) */
struct kabi_cfs_ktype; /* the C layer's per-type data (never dereferenced by C++) */

/* Upper bound of attribute files per directory type (the C layer has this many trampolines). */
#define KABI_CFS_MAX_ATTRS 128
/* Size of the buffer show() formats into (PAGE_SIZE in the kernel). */
#define KABI_CFS_PAGE 4096

struct kabi_cfs_attr {
	const char *name;
	uint16_t mode; /* S_IRUGO-style octal: 0444, 0644, 0200, ... */
};

struct kabi_cfs_ops {
	/* Format attribute `index` into buf (size bytes). Returns the length or a negative errno. */
	int64_t (*show)(struct lio_cfs_object *obj, uint32_t index, char *buf, uint64_t size);
	/* Parse len bytes (NUL-terminated at buf[len]). Returns len on success or a negative errno. */
	int64_t (*store)(struct lio_cfs_object *obj, uint32_t index, const char *buf, uint64_t len);
	/* mkdir `name` in obj's directory. On success the callee has bound `child` with
	 * kabi_cfs_group_bind() and added its default groups; returns 0 or a negative errno. On
	 * failure the C layer undoes everything: every group the callee bound (child and
	 * defaults) is released through ops->release, so the callee must not free those objects
	 * itself. NULL: mkdir is refused with -EPERM. */
	int32_t (*make_group)(struct lio_cfs_object *obj, const char *name, struct kabi_cfs_group *child);
	/* rmdir of child (created by make_group) in obj's directory; release follows. */
	void (*drop_group)(struct lio_cfs_object *obj, struct lio_cfs_object *child);
	/* ln -s target obj's-dir/name. Returns 0 or a negative errno. NULL: symlinks refused. */
	int32_t (*allow_link)(struct lio_cfs_object *obj, struct lio_cfs_object *target);
	void (*drop_link)(struct lio_cfs_object *obj, struct lio_cfs_object *target);
	/* The directory is gone; obj may be freed. */
	void (*release)(struct lio_cfs_object *obj);
};

/* Static description of one kind of directory. Lives in the C++ side's static storage;
 * registered once (kabi_cfs_type_register) before any group of this type exists and
 * unregistered after the last one is released. */
struct kabi_cfs_type {
	const char *name; /* for log lines */
	const struct kabi_cfs_attr *attrs;
	uint32_t nattrs;
	const struct kabi_cfs_ops *ops;
	struct kabi_cfs_ktype *impl; /* owned by the C layer: set while registered */
};

int32_t kabi_cfs_type_register(struct kabi_cfs_type *type, struct kabi_module *owner);
void kabi_cfs_type_unregister(struct kabi_cfs_type *type);

/* Bind a group handed to make_group: its directory name is the mkdir name. */
void kabi_cfs_group_bind(struct kabi_cfs_group *group, struct kabi_cfs_type *type,
			 struct lio_cfs_object *obj);

/* Add a default (built-in, not removable by rmdir) child directory to `parent`, which must
 * not be visible yet (inside make_group, or before subsystem registration). *out receives the
 * new group. Returns 0 or -ENOMEM. */
int32_t kabi_cfs_default_group_add(struct kabi_cfs_group *parent, const char *name,
				   struct kabi_cfs_type *type, struct lio_cfs_object *obj,
				   struct kabi_cfs_group **out);

/* The top directory /sys/kernel/config/<name>. *out receives the subsystem's group, to which
 * default groups are added before kabi_cfs_subsystem_register(). */
int32_t kabi_cfs_subsystem_create(const char *name, struct kabi_cfs_type *type,
				  struct lio_cfs_object *obj, struct kabi_cfs_group **out);
int32_t kabi_cfs_subsystem_register(struct kabi_cfs_group *subsys);
/* Unregisters (if registered) and releases the whole tree, the subsystem's own object
 * included (children first). */
void kabi_cfs_subsystem_destroy(struct kabi_cfs_group *subsys);

/* The directory's name (valid while the group lives). */
const char *kabi_cfs_group_name(const struct kabi_cfs_group *group);

/* The module owning the calling C layer (THIS_MODULE); NULL on the host. */
struct kabi_module *kabi_this_module(void);

KABI_END_DECLS

#endif /* KABI_CONFIGFS_H */
