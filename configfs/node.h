// SPDX-License-Identifier: GPL-2.0
/*
 * configfs/node.h: a configfs directory as a C++ object.
 *
 * Every directory of LIO's tree is a Node subclass; the directory kind (its attribute files)
 * is a NodeType, declared once as static data and registered with the C layer at module init
 * (NodeType::register_all). The C layer (kabi/configfs.h) calls the virtual methods below
 * through one shared operations table.
 *
 * Ownership: the directory owns its Node. When configfs releases the directory, release() is
 * called; the default deletes the node. Nodes that mirror a refcounted engine object (a
 * device, a LUN, ...) drop their reference there instead.
 */
#ifndef LIO_CONFIGFS_NODE_H
#define LIO_CONFIGFS_NODE_H

#include "kabi/configfs.h"
#include "lio/own_ptr.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

// Declared (opaque) by kabi/configfs.h; completed here as the empty base of every Node so the
// C layer's handle converts to a Node with a checked static_cast, not a reinterpret_cast.
struct lio_cfs_object {};

namespace lio::core {
class Device;
class Lun;
} // namespace lio::core

namespace lio::cfs {

class Node;

// One kind of directory: a name for log lines and its attribute files.
class NodeType {
  public:
	template <u32 N>
	constexpr NodeType(const char *name, const kabi_cfs_attr (&attrs)[N])
	    : type_{name, attrs, N, &kOps, nullptr} {}
	constexpr explicit NodeType(const char *name) : type_{name, nullptr, 0, &kOps, nullptr} {}
	// Types built at run time (a fabric's, whose files come from its tables).
	constexpr NodeType(const char *name, const kabi_cfs_attr *attrs, u32 count)
	    : type_{name, attrs, count, &kOps, nullptr} {}

	kabi_cfs_type *raw() { return &type_; }
	const char *name() const { return type_.name; }

	// Registers each type of `types` (all of one module) or none of them.
	static Result<void> register_all(NodeType *const *types, u32 count, kabi_module *owner);
	static void unregister_all(NodeType *const *types, u32 count);

  private:
	static const kabi_cfs_ops kOps;
	kabi_cfs_type type_;
};

// The text written to an attribute: the bytes as given, and the value with configfs's
// customary single trailing newline removed.
struct StoreInput {
	const char *data;
	u64 len;

	Span<const char> value() const {
		u64 n = len;
		if (n > 0 && data[n - 1] == '\n')
			n--;
		return Span<const char>(data, n);
	}
};

class Node : public lio_cfs_object {
  public:
	Node(const Node &) = delete;
	Node &operator=(const Node &) = delete;
	virtual ~Node() = default;

	// Attribute `index` of this node's type. show() formats into `out` (a configfs page) and
	// returns the length; store() parses and applies. Both return a negative errno on error.
	virtual s64 show(u32 index, MutableBytes out);
	virtual Result<void> store(u32 index, const StoreInput &in);

	// mkdir `name` here: create the child node, bind it to `group` (bind_child) and add its
	// default groups. The default refuses with -EPERM.
	virtual Result<void> make_child(const char *name, kabi_cfs_group *group);
	// rmdir of a child made by make_child (release follows).
	virtual void drop_child(Node *child);
	// ln -s: this directory gets a link to `target`. The default refuses with -EPERM.
	virtual Result<void> allow_link(Node *target);
	virtual void drop_link(Node *target);
	// The directory is gone.
	virtual void release();

	// What a symlink may point at, without RTTI: the device of a core/<hba>/<dev> directory
	// and the LUN of a .../tpgt_N/lun/lun_M directory; null for every other directory.
	virtual core::Device *as_device();
	virtual core::Lun *as_lun();

	static Node *from(lio_cfs_object *obj) { return static_cast<Node *>(obj); }

  protected:
	Node() = default;

	static void bind_child(kabi_cfs_group *group, NodeType &type, Node *node);
};

// Adds a default (built-in) child directory to `parent`, which must not be visible yet (inside
// make_child, or before the subsystem is registered). On success the directory owns `node`;
// on failure (a null node from a failed make, or ENOMEM) the node is freed here.
template <typename T>
Result<kabi_cfs_group *> adopt_default(kabi_cfs_group *parent, const char *name, NodeType &type,
				       OwnPtr<T> node) {
	if (!node)
		return Error::from_errno(KABI_ENOMEM);
	kabi_cfs_group *group = nullptr;
	s32 ret = kabi_cfs_default_group_add(parent, name, type.raw(), node.get(), &group);
	if (ret < 0)
		return Error::from_errno(-ret);
	node.release();
	return group;
}

} // namespace lio::cfs

#endif // LIO_CONFIGFS_NODE_H
