// SPDX-License-Identifier: GPL-2.0
/*
 * core/kabi/host/kabi_host_configfs.cpp: kabi/configfs.h as an in-memory file system, and
 * the shell-side calls of hostcfs.h.
 *
 * It follows configfs and the kernel C layer (core/kabi/linux/kabi_configfs.c) where tests
 * can tell: attribute permissions come from the mode; show() gets a KABI_CFS_PAGE buffer and
 * store() a NUL-terminated copy; mkdir goes through make_group, which binds a fresh group;
 * a failed make_group releases a bound child (and its default groups); rmdir refuses default
 * groups, non-empty directories and link targets as configfs_detach_prep does.
 *
 * References: each group counts one for being in the tree, one per child (until the child is
 * released), one per symlink pointing at it, and one per in-flight callback on it. The last
 * one queues the group; the release callback then runs with no lock held.
 *
 * Locks: `ops` serialises structural operations and is held across their callbacks; `tree`
 * guards every group field and is never held across a callback.
 */
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hostcfs.h"
#include "kabi/configfs.h"
#include "kabi/sync.h"

namespace {

enum class Kind { Subsystem, Default, User };

} // namespace

struct kabi_cfs_group {
	std::string name;
	Kind kind;
	kabi_cfs_type *type = nullptr; // null until bound (user groups inside make_group)
	lio_cfs_object *obj = nullptr;
	kabi_cfs_group *parent = nullptr; // holds a reference on it until released
	std::map<std::string, kabi_cfs_group *> children;
	std::map<std::string, kabi_cfs_group *> links; // name -> target (holds a reference)
	int refs = 1;                                  // the tree's
	int incoming_links = 0;
	bool attached = true;    // reachable from its parent; false after rmdir / teardown
	bool in_make = false;    // user group inside its make_group
	bool registered = false; // subsystem root only
};

namespace {

constexpr size_t kNameMax = 255;

struct CfsState {
	std::mutex ops;
	std::mutex tree;
	std::vector<kabi_cfs_group *> subsystems; // created and not destroyed
	std::map<const kabi_cfs_type *, int> types; // registered -> groups bound to it
	size_t live_groups = 0;
	std::atomic<uint64_t> fail_countdown{0};
};

CfsState &state() {
	static CfsState s;
	return s;
}

} // namespace

// The host needs no per-type data: a marker stored in kabi_cfs_type::impl while registered.
struct kabi_cfs_ktype {};

namespace {
kabi_cfs_ktype g_registered_marker;

using Dead = std::vector<kabi_cfs_group *>;

void bug(const char *what) { kabi_assert_failed(what, __FILE__, __LINE__); }

bool injected_alloc_failure() {
	std::atomic<uint64_t> &c = state().fail_countdown;
	uint64_t v = c.load();
	while (v != 0) {
		if (c.compare_exchange_weak(v, v - 1))
			return v == 1;
	}
	return false;
}

// ---- references (tree lock held) ----

void get_locked(kabi_cfs_group *g) { g->refs++; }

void put_locked(kabi_cfs_group *g, Dead &dead) {
	if (g->refs <= 0) {
		bug("hostcfs: group reference count underflow");
		return;
	}
	if (--g->refs == 0)
		dead.push_back(g);
}

// Releases queued groups: callback first, then the group's reference on its parent (which
// may queue the parent). Called without the tree lock.
void release_dead(Dead dead) {
	CfsState &s = state();
	while (!dead.empty()) {
		kabi_cfs_group *g = dead.front();
		dead.erase(dead.begin());
		if (g->type && g->type->ops && g->type->ops->release)
			g->type->ops->release(g->obj);
		std::lock_guard<std::mutex> guard(s.tree);
		if (g->parent)
			put_locked(g->parent, dead);
		if (auto it = s.types.find(g->type); g->type && it != s.types.end())
			it->second--;
		s.live_groups--;
		delete g;
	}
}

kabi_cfs_group *new_group_locked(const std::string &name, Kind kind, kabi_cfs_group *parent) {
	kabi_cfs_group *g = new kabi_cfs_group;
	g->name = name;
	g->kind = kind;
	g->parent = parent;
	if (parent)
		get_locked(parent);
	state().live_groups++;
	return g;
}

void bind_locked(kabi_cfs_group *g, kabi_cfs_type *type, lio_cfs_object *obj) {
	g->type = type;
	g->obj = obj;
	state().types[type]++;
}

bool type_registered_locked(const kabi_cfs_type *type) {
	return type && type->impl == &g_registered_marker && state().types.count(type);
}

// May default groups still be added below g? Only while nobody can see it: inside its
// make_group, or before its subsystem is registered.
bool can_grow_locked(const kabi_cfs_group *g) {
	for (; g; g = g->parent) {
		if (g->in_make)
			return true;
		if (!g->attached)
			return false;
		if (g->kind == Kind::Subsystem)
			return !g->registered;
	}
	return false;
}

int attr_index(const kabi_cfs_group *g, const std::string &name) {
	if (!g->type)
		return -1;
	for (uint32_t i = 0; i < g->type->nattrs; i++)
		if (name == g->type->attrs[i].name)
			return static_cast<int>(i);
	return -1;
}

bool name_taken_locked(const kabi_cfs_group *g, const std::string &name) {
	return g->children.count(name) || g->links.count(name) || attr_index(g, name) >= 0;
}

// Takes g and its default descendants out of the tree: each loses its tree reference.
void detach_subtree_locked(kabi_cfs_group *g, Dead &dead) {
	g->attached = false;
	std::vector<kabi_cfs_group *> kids;
	for (auto &[name, child] : g->children)
		kids.push_back(child);
	g->children.clear();
	for (kabi_cfs_group *child : kids)
		detach_subtree_locked(child, dead);
	put_locked(g, dead);
}

// configfs_detach_prep: may g (with its default groups) go?
int detach_prep_locked(const kabi_cfs_group *g) {
	if (g->incoming_links)
		return -KABI_EBUSY;
	if (!g->links.empty())
		return -KABI_ENOTEMPTY;
	for (auto &[name, child] : g->children) {
		if (child->kind != Kind::Default)
			return -KABI_ENOTEMPTY;
		int rc = detach_prep_locked(child);
		if (rc)
			return rc;
	}
	return 0;
}

std::string path_of_locked(const kabi_cfs_group *g) {
	std::string p;
	for (; g; g = g->parent)
		p = p.empty() ? g->name : g->name + "/" + p;
	return p;
}

// ---- path resolution (tree lock held) ----

std::vector<std::string> split(const std::string &path) {
	std::vector<std::string> parts;
	size_t i = 0;
	while (i <= path.size()) {
		size_t j = path.find('/', i);
		if (j == std::string::npos)
			j = path.size();
		if (j > i)
			parts.push_back(path.substr(i, j - i));
		i = j + 1;
	}
	return parts;
}

struct Entry {
	enum What { None, Root, Group, Attr, Link } what = None;
	kabi_cfs_group *group = nullptr; // Group: it; Attr: its owner; Link: the target
	uint32_t attr = 0;
	kabi_cfs_group *dir = nullptr; // the directory holding the last component (null: root)
	std::string name;              // the last component
};

kabi_cfs_group *find_subsystem_locked(const std::string &name) {
	for (kabi_cfs_group *g : state().subsystems)
		if (g->registered && g->name == name)
			return g;
	return nullptr;
}

// Looks `name` up in dir (null: the root).
Entry lookup_locked(kabi_cfs_group *dir, const std::string &name) {
	Entry e;
	e.dir = dir;
	e.name = name;
	if (!dir) {
		if ((e.group = find_subsystem_locked(name)))
			e.what = Entry::Group;
		return e;
	}
	if (auto it = dir->children.find(name); it != dir->children.end()) {
		e.what = Entry::Group;
		e.group = it->second;
	} else if (auto l = dir->links.find(name); l != dir->links.end()) {
		e.what = Entry::Link;
		e.group = l->second;
	} else if (int i = attr_index(dir, name); i >= 0) {
		e.what = Entry::Attr;
		e.group = dir;
		e.attr = static_cast<uint32_t>(i);
	}
	return e;
}

// Resolves a whole path. follow_last: a final symlink yields its target as a Group.
int resolve_locked(const std::string &path, bool follow_last, Entry *out) {
	std::vector<std::string> parts = split(path);
	Entry e;
	e.what = Entry::Root;
	kabi_cfs_group *dir = nullptr;
	for (size_t i = 0; i < parts.size(); i++) {
		bool last = i + 1 == parts.size();
		e = lookup_locked(dir, parts[i]);
		if (e.what == Entry::None)
			return -KABI_ENOENT;
		if (e.what == Entry::Attr) {
			if (!last)
				return -KABI_ENOTDIR;
			break;
		}
		if (e.what == Entry::Link && (follow_last || !last))
			e.what = Entry::Group; // the target
		dir = e.group;
	}
	*out = e;
	return 0;
}

// Resolves all but the last component to a directory; out->name is the last component.
int resolve_parent_locked(const std::string &path, Entry *out) {
	std::vector<std::string> parts = split(path);
	if (parts.empty())
		return -KABI_EPERM; // the root itself
	std::string dir_path;
	for (size_t i = 0; i + 1 < parts.size(); i++)
		dir_path += parts[i] + "/";
	Entry d;
	int rc = resolve_locked(dir_path, true, &d);
	if (rc)
		return rc;
	if (d.what == Entry::Attr)
		return -KABI_ENOTDIR;
	*out = lookup_locked(d.what == Entry::Root ? nullptr : d.group, parts.back());
	return 0;
}

const kabi_cfs_ops *ops_of(const kabi_cfs_group *g) { return g->type ? g->type->ops : nullptr; }

using LinkRef = std::pair<kabi_cfs_group *, std::string>; // directory, link name

void collect_links_locked(kabi_cfs_group *g, std::vector<LinkRef> *out) {
	for (auto &[name, target] : g->links)
		out->push_back({g, name});
	for (auto &[name, child] : g->children)
		collect_links_locked(child, out);
}

bool in_subtree_locked(const kabi_cfs_group *g, const kabi_cfs_group *root) {
	for (; g; g = g->parent)
		if (g == root)
			return true;
	return false;
}

// Removes symlink `name` from dir (unlink): drop_link runs without the tree lock.
void drop_link_entry(kabi_cfs_group *dir, const std::string &name,
		     std::unique_lock<std::mutex> &tree, Dead &dead) {
	kabi_cfs_group *target = dir->links[name];
	dir->links.erase(name);
	target->incoming_links--;
	tree.unlock();
	if (const kabi_cfs_ops *ops = ops_of(dir); ops && ops->drop_link)
		ops->drop_link(dir->obj, target->obj);
	tree.lock();
	put_locked(target, dead);
}

// ---- forced teardown (kabi_cfs_subsystem_destroy with user content left) ----
// Every symlink in or into the subtree goes first, then every user-made directory, deepest
// first, each as unlink/rmdir would. Called with `ops` held and `tree` locked; `tree` is
// dropped around each callback.

void unlink_all_links(kabi_cfs_group *root, std::unique_lock<std::mutex> &tree, Dead &dead) {
	std::vector<LinkRef> links;
	// Links anywhere whose target lies in root's subtree, and links inside it.
	for (kabi_cfs_group *s : state().subsystems)
		collect_links_locked(s, &links);
	for (auto &[dir, name] : links) {
		auto it = dir->links.find(name);
		if (it == dir->links.end())
			continue;
		if (in_subtree_locked(dir, root) || in_subtree_locked(it->second, root))
			drop_link_entry(dir, name, tree, dead);
	}
}

void remove_user_groups(kabi_cfs_group *g, std::unique_lock<std::mutex> &tree, Dead &dead) {
	std::vector<kabi_cfs_group *> kids;
	for (auto &[name, child] : g->children)
		kids.push_back(child);
	for (kabi_cfs_group *child : kids)
		remove_user_groups(child, tree, dead); // deepest first
	if (g->kind != Kind::User)
		return;
	kabi_cfs_group *parent = g->parent;
	parent->children.erase(g->name);
	g->attached = false;
	tree.unlock();
	if (const kabi_cfs_ops *ops = ops_of(parent); ops && ops->drop_group)
		ops->drop_group(parent->obj, g->obj);
	tree.lock();
	detach_subtree_locked(g, dead);
	tree.unlock();
	release_dead(std::move(dead)); // as rmdir would, before the next directory goes
	dead.clear();
	tree.lock();
}

bool has_user_content_locked(const kabi_cfs_group *g) {
	if (!g->links.empty() || g->incoming_links)
		return true;
	for (auto &[name, child] : g->children)
		if (child->kind == Kind::User || has_user_content_locked(child))
			return true;
	return false;
}

} // namespace

// ---- kabi/configfs.h ----

int32_t kabi_cfs_type_register(struct kabi_cfs_type *type, struct kabi_module *) {
	CfsState &s = state();
	std::lock_guard<std::mutex> guard(s.tree);
	if (type->impl)
		return -KABI_EEXIST;
	if (type->nattrs > KABI_CFS_MAX_ATTRS)
		return -KABI_E2BIG;
	if (!type->ops || (type->nattrs && !type->attrs)) {
		bug("kabi_cfs_type_register: type without ops or attributes");
		return -KABI_EINVAL;
	}
	for (uint32_t i = 0; i < type->nattrs; i++) {
		const kabi_cfs_attr &a = type->attrs[i];
		bool bad = !a.name || !a.name[0] || std::string(a.name).find('/') != std::string::npos ||
			   (a.mode & ~0777) || !(a.mode & 0666);
		for (uint32_t j = 0; !bad && j < i; j++)
			bad = std::string(a.name) == type->attrs[j].name;
		if (bad) {
			bug("kabi_cfs_type_register: bad attribute (name, mode or duplicate)");
			return -KABI_EINVAL;
		}
	}
	type->impl = &g_registered_marker;
	s.types[type] = 0;
	return 0;
}

void kabi_cfs_type_unregister(struct kabi_cfs_type *type) {
	CfsState &s = state();
	std::lock_guard<std::mutex> guard(s.tree);
	if (!type->impl)
		return;
	auto it = s.types.find(type);
	if (it != s.types.end() && it->second != 0)
		bug("kabi_cfs_type_unregister: directories of this type still exist");
	s.types.erase(type);
	type->impl = nullptr;
}

void kabi_cfs_group_bind(struct kabi_cfs_group *group, struct kabi_cfs_type *type,
			 struct lio_cfs_object *obj) {
	std::lock_guard<std::mutex> guard(state().tree);
	if (!type_registered_locked(type) || !group->in_make || group->type) {
		bug("kabi_cfs_group_bind: unregistered type, not inside make_group, or bound twice");
		return;
	}
	bind_locked(group, type, obj);
}

int32_t kabi_cfs_default_group_add(struct kabi_cfs_group *parent, const char *name,
				   struct kabi_cfs_type *type, struct lio_cfs_object *obj,
				   struct kabi_cfs_group **out) {
	std::lock_guard<std::mutex> guard(state().tree);
	if (!type_registered_locked(type)) {
		bug("kabi_cfs_default_group_add: type used before registration");
		return -KABI_ENOMEM; // what the kernel C layer returns then
	}
	if (!parent->type || !can_grow_locked(parent)) {
		bug("kabi_cfs_default_group_add: parent unbound, already visible, or removed");
		return -KABI_EINVAL;
	}
	if (!name || !name[0] || strlen(name) > kNameMax || strchr(name, '/') ||
	    name_taken_locked(parent, name)) {
		bug("kabi_cfs_default_group_add: bad or duplicate name");
		return -KABI_EINVAL;
	}
	if (injected_alloc_failure())
		return -KABI_ENOMEM;
	kabi_cfs_group *g = new_group_locked(name, Kind::Default, parent);
	bind_locked(g, type, obj);
	parent->children[name] = g;
	if (out)
		*out = g;
	return 0;
}

int32_t kabi_cfs_subsystem_create(const char *name, struct kabi_cfs_type *type,
				  struct lio_cfs_object *obj, struct kabi_cfs_group **out) {
	CfsState &s = state();
	std::lock_guard<std::mutex> guard(s.tree);
	if (!type_registered_locked(type)) {
		bug("kabi_cfs_subsystem_create: type used before registration");
		return -KABI_ENOMEM;
	}
	if (!name || !name[0] || strchr(name, '/')) {
		bug("kabi_cfs_subsystem_create: bad name");
		return -KABI_EINVAL;
	}
	if (injected_alloc_failure())
		return -KABI_ENOMEM;
	kabi_cfs_group *g = new_group_locked(name, Kind::Subsystem, nullptr);
	bind_locked(g, type, obj);
	s.subsystems.push_back(g);
	*out = g;
	return 0;
}

int32_t kabi_cfs_subsystem_register(struct kabi_cfs_group *subsys) {
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::lock_guard<std::mutex> guard(s.tree);
	if (subsys->kind != Kind::Subsystem || subsys->registered) {
		bug("kabi_cfs_subsystem_register: not a subsystem, or registered twice");
		return -KABI_EINVAL;
	}
	if (find_subsystem_locked(subsys->name))
		return -KABI_EEXIST;
	subsys->registered = true;
	return 0;
}

void kabi_cfs_subsystem_destroy(struct kabi_cfs_group *subsys) {
	if (!subsys)
		return;
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::unique_lock<std::mutex> tree(s.tree);
	if (subsys->kind != Kind::Subsystem) {
		bug("kabi_cfs_subsystem_destroy: not a subsystem");
		return;
	}
	Dead dead;
	if (has_user_content_locked(subsys)) {
		fprintf(stderr, "hostcfs: destroying %s with user-made directories or symlinks; "
				"tearing them down (the kernel would refuse to unload)\n",
			subsys->name.c_str());
		unlink_all_links(subsys, tree, dead);
		remove_user_groups(subsys, tree, dead);
	}
	subsys->registered = false;
	s.subsystems.erase(std::find(s.subsystems.begin(), s.subsystems.end(), subsys));
	detach_subtree_locked(subsys, dead);
	tree.unlock();
	release_dead(std::move(dead));
}

const char *kabi_cfs_group_name(const struct kabi_cfs_group *group) { return group->name.c_str(); }

struct kabi_module *kabi_this_module(void) { return nullptr; }

// ---- hostcfs.h ----

int hostcfs_read(const std::string &path, std::string *out) {
	CfsState &s = state();
	std::unique_lock<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_locked(path, true, &e))
		return rc;
	if (e.what != Entry::Attr)
		return -KABI_EISDIR;
	kabi_cfs_group *g = e.group;
	if (!(g->type->attrs[e.attr].mode & 0444) || !g->type->ops->show)
		return -KABI_EACCES;
	get_locked(g);
	tree.unlock();

	std::vector<char> page(KABI_CFS_PAGE, '\0'); // exactly a page: ASan sees overruns
	int64_t ret = g->type->ops->show(g->obj, e.attr, page.data(), KABI_CFS_PAGE);

	Dead dead;
	tree.lock();
	put_locked(g, dead);
	tree.unlock();
	release_dead(std::move(dead));
	if (ret < 0)
		return static_cast<int>(ret);
	if (ret > KABI_CFS_PAGE) {
		bug("hostcfs: show() overran the page");
		return -KABI_EIO;
	}
	out->assign(page.data(), static_cast<size_t>(ret));
	return 0;
}

int hostcfs_write(const std::string &path, const std::string &data) {
	CfsState &s = state();
	std::unique_lock<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_locked(path, true, &e))
		return rc;
	if (e.what != Entry::Attr)
		return -KABI_EISDIR;
	kabi_cfs_group *g = e.group;
	if (!(g->type->attrs[e.attr].mode & 0222) || !g->type->ops->store)
		return -KABI_EACCES;
	if (data.size() >= KABI_CFS_PAGE)
		return -KABI_E2BIG;
	if (data.empty())
		return 0;
	get_locked(g);
	tree.unlock();

	std::vector<char> copy(data.begin(), data.end()); // exactly len + NUL: ASan sees overreads
	copy.push_back('\0');
	int64_t ret = g->type->ops->store(g->obj, e.attr, copy.data(), data.size());

	Dead dead;
	tree.lock();
	put_locked(g, dead);
	tree.unlock();
	release_dead(std::move(dead));
	if (ret < 0)
		return static_cast<int>(ret);
	if (static_cast<uint64_t>(ret) > data.size())
		bug("hostcfs: store() consumed more than it was given");
	return static_cast<uint64_t>(ret) == data.size() ? 0 : -KABI_EIO;
}

int hostcfs_mkdir(const std::string &path) {
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::unique_lock<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_parent_locked(path, &e))
		return rc;
	if (!e.dir)
		return e.what == Entry::None ? -KABI_EPERM : -KABI_EEXIST;
	if (e.what != Entry::None)
		return -KABI_EEXIST;
	if (e.name.size() > kNameMax)
		return -KABI_ENAMETOOLONG;
	kabi_cfs_group *parent = e.dir;
	const kabi_cfs_ops *pops = ops_of(parent);
	if (!pops || !pops->make_group)
		return -KABI_EPERM;
	if (injected_alloc_failure())
		return -KABI_ENOMEM;
	kabi_cfs_group *child = new_group_locked(e.name, Kind::User, parent);
	child->in_make = true;
	child->attached = false;
	tree.unlock();

	int32_t rc = pops->make_group(parent->obj, child->name.c_str(), child);

	Dead dead;
	tree.lock();
	child->in_make = false;
	if (rc == 0 && !child->type) {
		bug("hostcfs: make_group succeeded without binding the new group");
		rc = -KABI_EINVAL;
	}
	if (rc > 0) {
		bug("hostcfs: make_group returned a positive value");
		rc = -KABI_EINVAL;
	}
	if (rc == 0) {
		child->attached = true;
		parent->children[child->name] = child;
		return 0;
	}
	// As the kernel C layer: a bound child is released with its default groups.
	detach_subtree_locked(child, dead);
	tree.unlock();
	release_dead(std::move(dead));
	return rc;
}

int hostcfs_rmdir(const std::string &path) {
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::unique_lock<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_parent_locked(path, &e))
		return rc;
	if (e.what == Entry::None)
		return -KABI_ENOENT;
	if (e.what != Entry::Group)
		return -KABI_ENOTDIR;
	kabi_cfs_group *g = e.group;
	if (g->kind != Kind::User)
		return -KABI_EPERM;
	if (int rc = detach_prep_locked(g))
		return rc;
	kabi_cfs_group *parent = e.dir;
	parent->children.erase(g->name);
	g->attached = false;
	tree.unlock();

	if (const kabi_cfs_ops *pops = ops_of(parent); pops && pops->drop_group)
		pops->drop_group(parent->obj, g->obj);

	Dead dead;
	tree.lock();
	detach_subtree_locked(g, dead);
	tree.unlock();
	release_dead(std::move(dead));
	return 0;
}

int hostcfs_symlink(const std::string &target_path, const std::string &link_path) {
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::unique_lock<std::mutex> tree(s.tree);
	Entry t;
	if (int rc = resolve_locked(target_path, true, &t))
		return rc;
	if (t.what != Entry::Group)
		return -KABI_ENOENT; // an attribute or the root: not an item
	Entry e;
	if (int rc = resolve_parent_locked(link_path, &e))
		return rc;
	if (!e.dir)
		return -KABI_EPERM;
	if (e.what != Entry::None)
		return -KABI_EEXIST;
	kabi_cfs_group *dir = e.dir;
	kabi_cfs_group *target = t.group;
	const kabi_cfs_ops *dops = ops_of(dir);
	if (!dops || !dops->allow_link)
		return -KABI_EPERM;
	get_locked(target); // becomes the link's reference on success
	tree.unlock();

	int32_t rc = dops->allow_link(dir->obj, target->obj);

	Dead dead;
	tree.lock();
	if (rc > 0) {
		bug("hostcfs: allow_link returned a positive value");
		rc = -KABI_EINVAL;
	}
	if (rc == 0) {
		dir->links[e.name] = target;
		target->incoming_links++;
		return 0;
	}
	put_locked(target, dead);
	tree.unlock();
	release_dead(std::move(dead));
	return rc;
}

int hostcfs_unlink(const std::string &link_path) {
	CfsState &s = state();
	std::lock_guard<std::mutex> ops(s.ops);
	std::unique_lock<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_parent_locked(link_path, &e))
		return rc;
	switch (e.what) {
	case Entry::None:
		return -KABI_ENOENT;
	case Entry::Root:
	case Entry::Group:
		return -KABI_EISDIR;
	case Entry::Attr:
		return -KABI_EPERM;
	case Entry::Link:
		break;
	}
	Dead dead;
	drop_link_entry(e.dir, e.name, tree, dead);
	tree.unlock();
	release_dead(std::move(dead));
	return 0;
}

int hostcfs_list(const std::string &path, std::vector<std::string> *names) {
	CfsState &s = state();
	std::lock_guard<std::mutex> tree(s.tree);
	Entry e;
	if (int rc = resolve_locked(path, true, &e))
		return rc;
	names->clear();
	if (e.what == Entry::Attr)
		return -KABI_ENOTDIR;
	if (e.what == Entry::Root) {
		for (kabi_cfs_group *g : s.subsystems)
			if (g->registered)
				names->push_back(g->name);
	} else {
		const kabi_cfs_group *g = e.group;
		for (uint32_t i = 0; g->type && i < g->type->nattrs; i++)
			names->push_back(g->type->attrs[i].name);
		for (auto &[name, child] : g->children)
			names->push_back(name);
		for (auto &[name, target] : g->links)
			names->push_back(name);
	}
	std::sort(names->begin(), names->end());
	return 0;
}

int hostcfs_mode(const std::string &path, uint16_t *mode) {
	std::lock_guard<std::mutex> tree(state().tree);
	Entry e;
	if (int rc = resolve_locked(path, false, &e))
		return rc;
	switch (e.what) {
	case Entry::Attr:
		*mode = e.group->type->attrs[e.attr].mode;
		break;
	case Entry::Link:
		*mode = 0777;
		break;
	default:
		*mode = 0755;
		break;
	}
	return 0;
}

bool hostcfs_exists(const std::string &path) {
	std::lock_guard<std::mutex> tree(state().tree);
	Entry e;
	return resolve_locked(path, false, &e) == 0;
}

int hostcfs_readlink(const std::string &link_path, std::string *target_path) {
	std::lock_guard<std::mutex> tree(state().tree);
	Entry e;
	if (int rc = resolve_locked(link_path, false, &e))
		return rc;
	if (e.what != Entry::Link)
		return -KABI_EINVAL;
	*target_path = path_of_locked(e.group);
	return 0;
}

size_t hostcfs_live_groups() {
	std::lock_guard<std::mutex> tree(state().tree);
	return state().live_groups;
}

void hostcfs_fail_nth_group_alloc(uint64_t n) { state().fail_countdown.store(n); }
