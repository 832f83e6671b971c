// SPDX-License-Identifier: GPL-2.0
/*
 * kabi/configfs.h: one generic set of configfs callbacks serving every C++-described type.
 *
 * Every directory is a struct kabi_cfs_group allocated here. It embeds a whole
 * configfs_subsystem so that the subsystem root and ordinary groups share one layout (the
 * root's group must live inside a configfs_subsystem; su_mutex is initialised only there).
 *
 * References (see fs/configfs): a group starts with one reference (config_group_init). For a
 * mkdir'd group configfs hands that reference to drop_item on rmdir, which puts it. Default
 * groups and the subsystem root keep theirs after being unlinked: rmdir of their parent (and
 * destroying the subsystem) drops them, deepest first (kabi_cfs_drop_defaults).
 * Every group but the root also holds a reference on its parent until its own release, so
 * release runs children first even when an open attribute file delays a child's: a C++
 * object may rely on its parent's object outliving it.
 *
 * configfs attribute callbacks do not say which attribute they serve, so attribute i of any
 * type is served by trampoline i (KABI_CFS_MAX_ATTRS of them) that passes i along.
 */
#include <linux/configfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "kabi/configfs.h"

struct kabi_cfs_group {
	struct configfs_subsystem su; /* su.su_group is this directory */
	struct kabi_cfs_type *type;   /* NULL until bound */
	struct lio_cfs_object *obj;
	struct kabi_cfs_group *parent; /* referenced until release; NULL for the root */
	const char *mkdir_name;       /* valid during make_group only */
	bool registered;              /* subsystem root only */
};

/* Built at kabi_cfs_type_register, stored in kabi_cfs_type::impl. */
struct kabi_cfs_ktype {
	struct config_item_type ct;
	struct configfs_attribute **attr_ptrs; /* NULL-terminated, points into attrs */
	struct configfs_attribute attrs[];
};

static inline struct kabi_cfs_group *to_kg(struct config_item *item)
{
	return container_of(to_config_group(item), struct kabi_cfs_group, su.su_group);
}

static struct configfs_item_operations kabi_cfs_item_ops;

static inline bool kabi_cfs_is_ours(struct config_item *item)
{
	return item && item->ci_type && item->ci_type->ct_item_ops == &kabi_cfs_item_ops;
}

/* ---- attributes ---- */

static ssize_t kabi_cfs_show(struct config_item *item, unsigned int index, char *page)
{
	struct kabi_cfs_group *g = to_kg(item);
	int64_t ret;

	if (!g->type->ops->show || index >= g->type->nattrs)
		return -EACCES;
	ret = g->type->ops->show(g->obj, index, page, PAGE_SIZE);
	if (WARN_ONCE(ret > (int64_t)PAGE_SIZE, "kabi: %s/%s: show overran the page\n",
		      g->type->name, g->type->attrs[index].name))
		return -EIO;
	return ret;
}

static ssize_t kabi_cfs_store(struct config_item *item, unsigned int index, const char *page,
			      size_t len)
{
	struct kabi_cfs_group *g = to_kg(item);

	if (!g->type->ops->store || index >= g->type->nattrs)
		return -EACCES;
	return g->type->ops->store(g->obj, index, page, len);
}

#define KABI_CFS_TRAMPOLINE(i)                                                               \
	static ssize_t kabi_cfs_show_##i(struct config_item *item, char *page)                \
	{                                                                                    \
		return kabi_cfs_show(item, i, page);                                         \
	}                                                                                    \
	static ssize_t kabi_cfs_store_##i(struct config_item *item, const char *page,         \
					  size_t len)                                        \
	{                                                                                    \
		return kabi_cfs_store(item, i, page, len);                                   \
	}
#define KABI_CFS_SHOW_FN(i) kabi_cfs_show_##i,
#define KABI_CFS_STORE_FN(i) kabi_cfs_store_##i,
#define KABI_CFS_TEN(X, d) X(d##0) X(d##1) X(d##2) X(d##3) X(d##4) X(d##5) X(d##6) X(d##7) X(d##8) X(d##9)
#define KABI_CFS_EACH_INDEX(X)                                                               \
	KABI_CFS_TEN(X, ) KABI_CFS_TEN(X, 1) KABI_CFS_TEN(X, 2) KABI_CFS_TEN(X, 3)            \
	KABI_CFS_TEN(X, 4) KABI_CFS_TEN(X, 5) KABI_CFS_TEN(X, 6) KABI_CFS_TEN(X, 7)           \
	KABI_CFS_TEN(X, 8) KABI_CFS_TEN(X, 9) KABI_CFS_TEN(X, 10) KABI_CFS_TEN(X, 11)         \
	X(120) X(121) X(122) X(123) X(124) X(125) X(126) X(127)

KABI_CFS_EACH_INDEX(KABI_CFS_TRAMPOLINE)

static ssize_t (*const kabi_cfs_show_fns[])(struct config_item *, char *) = {
	KABI_CFS_EACH_INDEX(KABI_CFS_SHOW_FN)
};
static ssize_t (*const kabi_cfs_store_fns[])(struct config_item *, const char *, size_t) = {
	KABI_CFS_EACH_INDEX(KABI_CFS_STORE_FN)
};
static_assert(ARRAY_SIZE(kabi_cfs_show_fns) == KABI_CFS_MAX_ATTRS);
static_assert(ARRAY_SIZE(kabi_cfs_store_fns) == KABI_CFS_MAX_ATTRS);

/* ---- life cycle ---- */

/* Drops the initial reference of every default group below `group`, deepest first. */
static void kabi_cfs_drop_defaults(struct config_group *group)
{
	struct config_group *g, *n;

	list_for_each_entry_safe(g, n, &group->default_groups, group_entry) {
		kabi_cfs_drop_defaults(g);
		list_del(&g->group_entry);
		config_item_put(&g->cg_item);
	}
}

static void kabi_cfs_release(struct config_item *item)
{
	struct kabi_cfs_group *g = to_kg(item);
	struct kabi_cfs_group *parent = g->parent;

	if (g->type->ops->release)
		g->type->ops->release(g->obj);
	kfree(g);
	if (parent)
		config_group_put(&parent->su.su_group);
}

static int kabi_cfs_allow_link(struct config_item *src, struct config_item *target)
{
	struct kabi_cfs_group *g = to_kg(src);

	if (!g->type->ops->allow_link)
		return -EPERM;
	if (!kabi_cfs_is_ours(target)) {
		pr_err("%s: symlink target %s is not a target directory\n", g->type->name,
		       config_item_name(target));
		return -EINVAL;
	}
	return g->type->ops->allow_link(g->obj, to_kg(target)->obj);
}

static void kabi_cfs_drop_link(struct config_item *src, struct config_item *target)
{
	struct kabi_cfs_group *g = to_kg(src);

	if (g->type->ops->drop_link && kabi_cfs_is_ours(target))
		g->type->ops->drop_link(g->obj, to_kg(target)->obj);
}

static struct configfs_item_operations kabi_cfs_item_ops = {
	.release = kabi_cfs_release,
	.allow_link = kabi_cfs_allow_link,
	.drop_link = kabi_cfs_drop_link,
};

static struct config_group *kabi_cfs_make_group(struct config_group *group, const char *name)
{
	struct kabi_cfs_group *parent = to_kg(&group->cg_item);
	struct kabi_cfs_group *child;
	int ret;

	if (!parent->type->ops->make_group)
		return ERR_PTR(-EPERM);
	child = kzalloc(sizeof(*child), GFP_KERNEL);
	if (!child)
		return ERR_PTR(-ENOMEM);
	child->parent = parent;
	config_group_get(&parent->su.su_group);
	child->mkdir_name = name;
	ret = parent->type->ops->make_group(parent->obj, name, child);
	child->mkdir_name = NULL;
	if (ret == 0 && WARN_ONCE(!child->type, "kabi: %s: make_group left %s unbound\n",
				  parent->type->name, name))
		ret = -EINVAL;
	if (ret) {
		/* The callee may have bound the child and added defaults: release them all. */
		if (child->type) {
			kabi_cfs_drop_defaults(&child->su.su_group);
			config_group_put(&child->su.su_group);
		} else {
			kfree(child);
			config_group_put(&parent->su.su_group);
		}
		return ERR_PTR(ret < 0 ? ret : -EINVAL);
	}
	return &child->su.su_group;
}

static void kabi_cfs_drop_item(struct config_group *group, struct config_item *item)
{
	struct kabi_cfs_group *parent = to_kg(&group->cg_item);

	if (kabi_cfs_is_ours(item)) {
		if (parent->type->ops->drop_group)
			parent->type->ops->drop_group(parent->obj, to_kg(item)->obj);
		kabi_cfs_drop_defaults(to_config_group(item));
	}
	config_item_put(item);
}

static struct configfs_group_operations kabi_cfs_group_ops = {
	.make_group = kabi_cfs_make_group,
	.drop_item = kabi_cfs_drop_item,
};

/* ---- API ---- */

int32_t kabi_cfs_type_register(struct kabi_cfs_type *type, struct kabi_module *owner)
{
	struct kabi_cfs_ktype *kt;
	uint32_t i;

	if (type->impl)
		return -EEXIST;
	if (type->nattrs > KABI_CFS_MAX_ATTRS) {
		pr_err("kabi: type %s has %u attributes, at most %u supported\n", type->name,
		       type->nattrs, KABI_CFS_MAX_ATTRS);
		return -E2BIG;
	}
	kt = kzalloc(struct_size(kt, attrs, type->nattrs), GFP_KERNEL);
	if (!kt)
		return -ENOMEM;
	kt->attr_ptrs = kcalloc(type->nattrs + 1, sizeof(*kt->attr_ptrs), GFP_KERNEL);
	if (!kt->attr_ptrs) {
		kfree(kt);
		return -ENOMEM;
	}
	for (i = 0; i < type->nattrs; i++) {
		struct configfs_attribute *a = &kt->attrs[i];
		uint16_t mode = type->attrs[i].mode;

		a->ca_name = type->attrs[i].name;
		a->ca_owner = (struct module *)owner;
		a->ca_mode = mode;
		a->show = (mode & 0444) ? kabi_cfs_show_fns[i] : NULL;
		a->store = (mode & 0222) ? kabi_cfs_store_fns[i] : NULL;
		kt->attr_ptrs[i] = a;
	}
	kt->ct.ct_owner = (struct module *)owner;
	kt->ct.ct_item_ops = &kabi_cfs_item_ops;
	kt->ct.ct_group_ops = &kabi_cfs_group_ops;
	kt->ct.ct_attrs = kt->attr_ptrs;
	type->impl = kt;
	return 0;
}
EXPORT_SYMBOL_GPL(kabi_cfs_type_register);

void kabi_cfs_type_unregister(struct kabi_cfs_type *type)
{
	struct kabi_cfs_ktype *kt = type->impl;

	if (!kt)
		return;
	kfree(kt->attr_ptrs);
	kfree(kt);
	type->impl = NULL;
}
EXPORT_SYMBOL_GPL(kabi_cfs_type_unregister);

void kabi_cfs_group_bind(struct kabi_cfs_group *group, struct kabi_cfs_type *type,
			 struct lio_cfs_object *obj)
{
	struct kabi_cfs_ktype *kt = type->impl;

	if (WARN_ONCE(!kt || !group->mkdir_name || group->type,
		      "kabi: bad bind of a %s group\n", type->name))
		return;
	group->type = type;
	group->obj = obj;
	config_group_init_type_name(&group->su.su_group, group->mkdir_name, &kt->ct);
}
EXPORT_SYMBOL_GPL(kabi_cfs_group_bind);

static struct kabi_cfs_group *kabi_cfs_group_new(const char *name, struct kabi_cfs_type *type,
						  struct lio_cfs_object *obj)
{
	struct kabi_cfs_ktype *kt = type->impl;
	struct kabi_cfs_group *g;

	if (WARN_ONCE(!kt, "kabi: type %s used before registration\n", type->name))
		return NULL;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	g->type = type;
	g->obj = obj;
	config_group_init_type_name(&g->su.su_group, name, &kt->ct);
	return g;
}

int32_t kabi_cfs_default_group_add(struct kabi_cfs_group *parent, const char *name,
				   struct kabi_cfs_type *type, struct lio_cfs_object *obj,
				   struct kabi_cfs_group **out)
{
	struct kabi_cfs_group *g = kabi_cfs_group_new(name, type, obj);

	if (!g)
		return -ENOMEM;
	g->parent = parent;
	config_group_get(&parent->su.su_group);
	configfs_add_default_group(&g->su.su_group, &parent->su.su_group);
	if (out)
		*out = g;
	return 0;
}
EXPORT_SYMBOL_GPL(kabi_cfs_default_group_add);

int32_t kabi_cfs_subsystem_create(const char *name, struct kabi_cfs_type *type,
				  struct lio_cfs_object *obj, struct kabi_cfs_group **out)
{
	struct kabi_cfs_group *g = kabi_cfs_group_new(name, type, obj);

	if (!g)
		return -ENOMEM;
	mutex_init(&g->su.su_mutex);
	*out = g;
	return 0;
}
EXPORT_SYMBOL_GPL(kabi_cfs_subsystem_create);

int32_t kabi_cfs_subsystem_register(struct kabi_cfs_group *subsys)
{
	int ret = configfs_register_subsystem(&subsys->su);

	if (ret)
		pr_err("kabi: cannot register configfs subsystem %s: %d\n",
		       config_item_name(&subsys->su.su_group.cg_item), ret);
	else
		subsys->registered = true;
	return ret;
}
EXPORT_SYMBOL_GPL(kabi_cfs_subsystem_register);

void kabi_cfs_subsystem_destroy(struct kabi_cfs_group *subsys)
{
	if (!subsys)
		return;
	if (subsys->registered)
		configfs_unregister_subsystem(&subsys->su);
	subsys->registered = false;
	kabi_cfs_drop_defaults(&subsys->su.su_group);
	config_group_put(&subsys->su.su_group);
}
EXPORT_SYMBOL_GPL(kabi_cfs_subsystem_destroy);

const char *kabi_cfs_group_name(const struct kabi_cfs_group *group)
{
	return config_item_name((struct config_item *)&group->su.su_group.cg_item);
}
EXPORT_SYMBOL_GPL(kabi_cfs_group_name);
