// SPDX-License-Identifier: GPL-2.0
// configfs/node.cpp: the one operations table that routes configfs calls to Node methods.
#include "configfs/node.h"

#include "lio/log.h"

namespace lio::cfs {

namespace {

s64 op_show(lio_cfs_object *obj, u32 index, char *buf, u64 size) {
	return Node::from(obj)->show(index, MutableBytes(reinterpret_cast<u8 *>(buf), size));
}

s64 op_store(lio_cfs_object *obj, u32 index, const char *buf, u64 len) {
	Result<void> r = Node::from(obj)->store(index, StoreInput{buf, len});
	if (r.is_error())
		return r.error().to_kernel();
	return static_cast<s64>(len);
}

s32 op_make_group(lio_cfs_object *obj, const char *name, kabi_cfs_group *child) {
	Result<void> r = Node::from(obj)->make_child(name, child);
	return r.is_error() ? r.error().to_kernel() : 0;
}

void op_drop_group(lio_cfs_object *obj, lio_cfs_object *child) {
	Node::from(obj)->drop_child(Node::from(child));
}

s32 op_allow_link(lio_cfs_object *obj, lio_cfs_object *target) {
	Result<void> r = Node::from(obj)->allow_link(Node::from(target));
	return r.is_error() ? r.error().to_kernel() : 0;
}

void op_drop_link(lio_cfs_object *obj, lio_cfs_object *target) {
	Node::from(obj)->drop_link(Node::from(target));
}

void op_release(lio_cfs_object *obj) { Node::from(obj)->release(); }

} // namespace

const kabi_cfs_ops NodeType::kOps = {
    .show = op_show,
    .store = op_store,
    .make_group = op_make_group,
    .drop_group = op_drop_group,
    .allow_link = op_allow_link,
    .drop_link = op_drop_link,
    .release = op_release,
};

Result<void> NodeType::register_all(NodeType *const *types, u32 count, kabi_module *owner) {
	for (u32 i = 0; i < count; i++) {
		s32 ret = kabi_cfs_type_register(types[i]->raw(), owner);
		if (ret < 0) {
			unregister_all(types, i);
			return Error::from_errno(-ret);
		}
	}
	return {};
}

void NodeType::unregister_all(NodeType *const *types, u32 count) {
	for (u32 i = 0; i < count; i++)
		kabi_cfs_type_unregister(types[i]->raw());
}

s64 Node::show(u32, MutableBytes) { return -KABI_EACCES; }
Result<void> Node::store(u32, const StoreInput &) { return Error::from_errno(KABI_EACCES); }
Result<void> Node::make_child(const char *, kabi_cfs_group *) {
	return Error::from_errno(KABI_EPERM);
}
void Node::drop_child(Node *) {}
Result<void> Node::allow_link(Node *) { return Error::from_errno(KABI_EPERM); }
void Node::drop_link(Node *) {}
void Node::release() { delete this; }
// Out of line: an inline virtual is emitted in every object that has a Node vtable.
core::Device *Node::as_device() { return nullptr; }
core::Lun *Node::as_lun() { return nullptr; }

void Node::bind_child(kabi_cfs_group *group, NodeType &type, Node *node) {
	kabi_cfs_group_bind(group, type.raw(), node);
}

} // namespace lio::cfs
