// SPDX-License-Identifier: GPL-2.0
/*
 * core/session.h: an I_T nexus (LIO's se_session): the core's side of the F-HAL data path.
 *
 * A fabric opens a session on a TPG (TpgPort::open_session), submits commands and task
 * management on it (SessionPort) and closes it. The session finds each command's LUN through
 * its TPG (the ACL's mapped LUNs, or every TPG LUN in demo mode), keeps one I_T_L entry per
 * LUN it has used (pending unit attentions), runs the command through the task set of the
 * LUN's device and the SCSI engine, and answers through the command's callbacks.
 *
 * Execution is synchronous in the caller's context (process context; tcm_loop submits from
 * a workqueue, iSCSI from its receive thread): submit() or data_out_ready() returns after the
 * response was queued.
 *
 * Ownership: the TPG's session list holds the session's reference (Tpg::open_session); every
 * active command holds its LUN's get_io() and a LUN reference. close() waits until every
 * command was released, then unlinks the session from its TPG, which drops the reference.
 *
 * Lock order: Session::lock_, then DeviceLu's task-set lock or a unit-attention queue's lock
 * (task management walks its I_T_L entries under lock_ and aborts their tasks).
 */
#ifndef LIO_CORE_SESSION_H
#define LIO_CORE_SESSION_H

#include "core/device_lu.h"
#include "core/fabric.h"
#include "core/lun.h"
#include "core/node_acl.h"
#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/refcount.h"
#include "lio/result.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::core {

class Tpg;

class Session final : public SessionPort, public RefCounted<Session> {
  public:
	static constexpr usize kMaxInitiatorName = 224; // iSCSI names are at most 223 bytes
	static constexpr usize kMaxSessionId = 64;

	// acl: the initiator's node ACL, or null for a demo-mode (dynamic) session.
	static Result<RefPtr<Session>> create(Tpg &tpg, RefPtr<NodeAcl> acl, StrView initiator,
					      StrView session_id);

	// ---- SessionPort ----
	void submit(FabricCmd &cmd) override;
	void data_out_ready(FabricCmd &cmd) override;
	void release(FabricCmd &cmd) override;
	void task_management(FabricTmf &tmf) override;
	void close() override;
	const char *initiator_name() const override { return initiator_; }

	// ---- for the TPG ----
	const char *initiator() const { return initiator_; }
	const char *session_id() const { return session_id_; }
	NodeAcl *acl() const { return acl_.get(); }
	Tpg &tpg() const { return tpg_; }
	u64 it_nexus_id() const { return id_; }
	// The LUNs this nexus sees changed: REPORTED LUNS DATA HAS CHANGED on every I_T_L nexus.
	void luns_changed();
	// The TPG is going away: refuse new commands (the fabric closes the session).
	void shutdown();
	// Commands between submit and release (for configfs info and tests).
	u32 active_commands() const;

	ListNode tpg_node; // the TPG's session list (the TPG's lock)

  private:
	friend class RefCounted<Session>;
	Session(Tpg &tpg, RefPtr<NodeAcl> acl, StrView initiator, StrView session_id);
	~Session();

	void execute(FabricCmd &cmd);
	void answer_without_lun(FabricCmd &cmd);
	void answer_data(FabricCmd &cmd, Bytes data);
	void finish(FabricCmd &cmd, const scsi::Command &sc);
	void fail(FabricCmd &cmd, scsi::ScsiStatus status, scsi::SenseReason reason);
	ItlEntry *entry_for(Lun &lun_obj, u64 lun, DeviceLu &lu);

	// Task management helpers.
	// Marks this session's active commands for which match(cmd) holds as aborted (commands
	// not yet in a task set see it when they get there).
	template <typename Match> void mark_aborted(Match &&match);
	template <typename Pred> void wait_until(Pred &&pred);
	// Ends every task in dlu's task set, reached through this session's LUN lun_no: this
	// nexus's without a response, other nexuses' with TASK ABORTED when TAS is set (SAM-5
	// 5.6); waits for them. *mine: this session's I_T_L nexus on the LU (null if none).
	// Returns how many tasks of other nexuses ended.
	u32 clear_task_set(DeviceLu &dlu, u64 lun_no, ItlEntry **mine);
	// LOGICAL UNIT RESET's effects once the task set is clear: the SPC-2 reservation goes,
	// every I_T_L nexus but `mine` sees POWER ON, RESET (persistent reservations stay).
	static void reset_lu(DeviceLu &dlu, ItlEntry *mine);
	// TARGET WARM/COLD RESET (RFC 7143 11.5.1): a LOGICAL UNIT RESET of every LU the
	// session can reach (its LUN map), each LU once. False: out of memory, nothing done.
	bool reset_target();

	Tpg &tpg_;
	RefPtr<NodeAcl> acl_;
	u64 id_;
	char initiator_[kMaxInitiatorName] = {};
	char session_id_[kMaxSessionId] = {};

	mutable SpinLock lock_;
	IntrusiveList<FabricCmd, &FabricCmd::core_session_node> active_; // under lock_
	IntrusiveList<ItlEntry, &ItlEntry::session_node> entries_;      // under lock_
	bool closing_ = false;                                          // under lock_
	Completion drained_; // completed when closing and the last command is released
};

} // namespace lio::core

#endif // LIO_CORE_SESSION_H
