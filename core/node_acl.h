// SPDX-License-Identifier: GPL-2.0
/*
 * core/node_acl.h: an initiator's node ACL in a TPG (LIO's se_node_acl, .../acls/<name>) and
 * its mapped LUNs (se_lun_acl / se_dev_entry, .../acls/<name>/lun_N).
 *
 * Ownership: a NodeAcl is made by mkdir acls/<name> and referenced by its directory and by
 * the sessions it admitted. A MappedLun is owned by its lun_N directory and listed in the
 * ACL from mkdir to rmdir; it holds a reference on the TPG LUN its symlink points at.
 * Every list and field below that sessions read is guarded by the TPG's map lock
 * (Tpg::map_lock(), an irqsave spinlock: lookups happen on the command path).
 */
#ifndef LIO_CORE_NODE_ACL_H
#define LIO_CORE_NODE_ACL_H

#include "core/fabric.h"
#include "core/lun.h"
#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/own_ptr.h"
#include "lio/refcount.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::core {

class Tpg;
class NodeAcl;

inline constexpr u32 kInitiatorNameMax = 224; // TRANSPORT_IQN_LEN, including the NUL

// acls/<initiator>/lun_N: mapped LUN N of the initiator, and the TPG LUN it shows.
class MappedLun final {
  public:
	MappedLun(NodeAcl &acl, u64 mapped) : acl_(acl), mapped_(mapped) {}
	~MappedLun();
	MappedLun(const MappedLun &) = delete;
	MappedLun &operator=(const MappedLun &) = delete;

	NodeAcl &acl() const { return acl_; }
	u64 mapped() const { return mapped_; }

	// Under the TPG's map lock.
	Lun *lun_locked() const { return lun_.get(); }
	bool write_protect_locked() const { return write_protect_; }
	// Visible to sessions: linked to a TPG LUN that has a device.
	bool visible_locked() const { return lun_ && lun_->linked(); }

	// Statistics (scsi_auth_intr).
	Atomic<u64> cmds{0};
	Atomic<u64> read_bytes{0};
	Atomic<u64> written_bytes{0};
	Atomic<u32> attach_count{0};

	ListNode acl_node; // NodeAcl::mapped_, ascending mapped numbers

  private:
	friend class NodeAcl;
	NodeAcl &acl_;
	u64 mapped_;
	RefPtr<Lun> lun_;            // under the map lock
	bool write_protect_ = false; // under the map lock
};

class NodeAcl final : public RefCounted<NodeAcl> {
  public:
	// initiator: validated by the caller (length < kInitiatorNameMax).
	NodeAcl(Tpg &tpg, StrView initiator, OwnPtr<FabricAcl> fabric_acl, u32 index);
	~NodeAcl();

	Tpg &tpg() const { return tpg_; }
	const char *initiator() const { return name_; }
	FabricAcl *fabric_acl() const { return fabric_acl_.get(); }
	// LIO's acl_index (scsi_auth_intr/indx): a global counter from 1.
	u32 index() const { return index_; }

	// ---- mapped LUNs (configfs) ----
	// mkdir lun_N: EEXIST when N is taken by another directory of this ACL.
	Result<void> add_mapped(MappedLun &m);
	void remove_mapped(MappedLun &m); // unmaps first
	// ln -s ../../lun/lun_M lun_N/x: EEXIST when already linked; EINVAL when lun belongs
	// to another TPG or has no device. write_protect: the initial value.
	Result<void> map(MappedLun &m, RefPtr<Lun> lun, bool write_protect);
	void unmap(MappedLun &m);
	bool write_protect(const MappedLun &m) const;
	void set_write_protect(MappedLun &m, bool wp);
	// Whether m is linked to a LUN (for show: LIO prints nothing for unlinked entries).
	bool is_mapped(const MappedLun &m) const;

	// ---- sessions (under the TPG's map lock) ----
	MappedLun *find_locked(u64 mapped) const;
	IntrusiveList<MappedLun, &MappedLun::acl_node> &mapped_locked() { return mapped_; }
	const IntrusiveList<MappedLun, &MappedLun::acl_node> &mapped_locked() const {
		return mapped_;
	}

	ListNode tpg_node; // Tpg's ACL list (under the map lock)

  private:
	Tpg &tpg_;
	char name_[kInitiatorNameMax];
	OwnPtr<FabricAcl> fabric_acl_;
	u32 index_;
	IntrusiveList<MappedLun, &MappedLun::acl_node> mapped_; // under the map lock
};

} // namespace lio::core

#endif // LIO_CORE_NODE_ACL_H
