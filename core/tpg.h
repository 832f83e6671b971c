// SPDX-License-Identifier: GPL-2.0
/*
 * core/tpg.h: a target portal group (LIO's se_portal_group, <fabric>/<wwn>/tpgt_N): the
 * core's side of a fabric's TPG. It owns the fabric's FabricTpg, lists its LUNs, node ACLs
 * and open sessions, keeps LIO's generic TPG state (enable, rtpi, demo mode), and answers
 * sessions' LUN lookups.
 *
 * Locks:
 *   config_lock_ (mutex): enable and rtpi changes (the fabric's set_enabled runs under it).
 *   sessions_lock_ (mutex): the session list; Session::luns_changed() and shutdown() are
 *     called with it NOT held except luns_changed (see notify_sessions), so a session may
 *     call session_closed() from its own shutdown.
 *   map_lock_ (irqsave spinlock): the LUN list, the ACL list, every ACL's mapped LUNs and
 *     their write_protect; taken by lookups on the command path.
 * Order: config_lock_ -> sessions_lock_ -> map_lock_ (a session's own locks may nest inside
 * sessions_lock_ through luns_changed()).
 *
 * Sessions: the members of core::Session used here are create(), tpg_node, acl(),
 * luns_changed(), shutdown() and its RefCounted ref()/unref(); they are all called from
 * core/tpg_sessions.cpp.
 */
#ifndef LIO_CORE_TPG_H
#define LIO_CORE_TPG_H

#include "core/fabric.h"
#include "core/lun.h"
#include "core/node_acl.h"
#include "core/scsi/logical_unit.h"
#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/own_ptr.h"
#include "lio/refcount.h"
#include "lio/result.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::core {

class Session;

inline constexpr u32 kWwnNameMax = 224; // TRANSPORT_IQN_LEN

class Tpg final : public TpgPort, public RefCounted<Tpg> {
  public:
	// wwn_name: the WWN directory's name (bounded by configfs); fabric_tpg: from make_tpg.
	// Sets fabric_tpg's port to this TPG.
	static Result<RefPtr<Tpg>> create(Fabric &fabric, StrView wwn_name, u16 tag,
					  OwnPtr<FabricTpg> fabric_tpg);
	// Use create() (it also makes the session list and sets the fabric TPG's port).
	Tpg(Fabric &fabric, StrView wwn_name, u16 tag, OwnPtr<FabricTpg> fabric_tpg);
	~Tpg();

	// ---- TpgPort (the fabric's view) ----
	Result<SessionPort *> open_session(StrView initiator, StrView session_id) override;
	u16 tag() const override { return tag_; }
	const char *wwn_name() const override { return wwn_name_; }
	bool enabled() const override { return enabled_.load(MemoryOrder::Acquire); }

	Fabric &fabric() const { return fabric_; }
	FabricTpg &fabric_tpg() const { return *fabric_tpg_; }

	// ---- for the session code ----
	// The LUN `lun` as s sees it (its ACL's mapped LUN, or in demo mode the TPG LUN of that
	// number), or null. read_only: the mapped LUN's write_protect, or in demo mode
	// demo_mode_write_protect. The caller still needs Lun::get_io() before using it.
	RefPtr<Lun> lookup_lun(const Session &s, u64 lun, bool *read_only);
	// Every LUN visible to s, ascending.
	void for_each_lun(const Session &s, scsi::LunVisitor &v) const;
	// The session is going: unlinked from the TPG's list (its list reference dropped).
	// Process context.
	void session_closed(Session &s);

	// The same lookups by ACL (null: demo mode), without a Session.
	RefPtr<Lun> lookup_lun_for(const NodeAcl *acl, u64 lun, bool *read_only);
	void for_each_lun_for(const NodeAcl *acl, scsi::LunVisitor &v) const;

	// ---- configuration (configfs) ----
	SpinLock &map_lock() const { return map_lock_; }
	// EEXIST: a LUN of that number exists.
	Result<void> add_lun(Lun &lun);
	void remove_lun(Lun &lun);
	// EEXIST: an ACL of that name exists.
	Result<void> add_acl(NodeAcl &acl);
	void remove_acl(NodeAcl &acl);
	// A referenced ACL for `initiator`, or null.
	RefPtr<NodeAcl> find_acl(StrView initiator);

	// `enable` (fabrics with has_tpg_enable): the fabric's set_enabled, then LIO 6.12's
	// rtpi allocation at enable (unless set by hand).
	Result<void> set_enabled(bool enable);
	// tpgt_N/rtpi (LIO 6.12): 0 until allocated at enable or written (1..65535, while
	// disabled; EINVAL otherwise, EEXIST if another TPG uses it).
	u16 rtpi() const { return static_cast<u16>(rtpi_.load(MemoryOrder::Relaxed)); }
	Result<void> set_rtpi(u16 rtpi);

	TpgDemoMode demo_mode() const override;
	void set_demo_mode(const TpgDemoMode &m) override;

	// Every session (acl: only the sessions of that ACL) is told that its LUN inventory
	// changed (REPORTED LUNS DATA HAS CHANGED).
	void luns_changed(const NodeAcl *acl = nullptr);
	// rmdir acls/<initiator>: the sessions the ACL admitted are shut down (LIO closes them).
	void shutdown_sessions_of(const NodeAcl &acl);
	// rmdir tpgt_N: the fabric's shutdown, then no new session, then every open session is
	// shut down from the core side.
	void shutdown();

	// Sessions counted for tests and statistics.
	u32 session_count() const;

  private:
	struct SessionList; // core/tpg_sessions.cpp (needs the complete Session)

	static SessionList *new_session_list();
	static void delete_session_list(SessionList *list);
	Lun *find_lun_locked(u64 number) const;
	NodeAcl *find_acl_locked(StrView initiator) const;

	Fabric &fabric_;
	OwnPtr<FabricTpg> fabric_tpg_;
	char wwn_name_[kWwnNameMax];
	u16 tag_;
	Atomic<bool> enabled_{false};
	Mutex config_lock_;
	Atomic<u32> rtpi_{0};
	bool rtpi_allocated_ = false; // under config_lock_: rtpi_ is claimed in the pool

	mutable SpinLock map_lock_;
	IntrusiveList<Lun, &Lun::tpg_node> luns_;          // under map_lock_, ascending
	IntrusiveList<NodeAcl, &NodeAcl::tpg_node> acls_;  // under map_lock_
	TpgDemoMode demo_;                                 // under map_lock_

	mutable Mutex sessions_lock_;
	SessionList *sessions_ = nullptr; // under sessions_lock_
	bool going_ = false;              // under sessions_lock_
};

// LIO 6.12's global pool of relative target port ids (1..65535), lowest free first.
Result<u16> rtpi_alloc();
Result<void> rtpi_claim(u16 rtpi);
void rtpi_free(u16 rtpi);

// LIO's global ACL index (scsi_auth_intr/indx), from 1.
u32 next_acl_index();

} // namespace lio::core

#endif // LIO_CORE_TPG_H
