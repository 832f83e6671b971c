// SPDX-License-Identifier: GPL-2.0
/*
 * core/device_lu.h: a device as a SCSI logical unit.
 *
 * DeviceLu is the per-device state that every I_T nexus to the device shares: the engine's
 * LuState (SPC-2 reservation, COMPARE AND WRITE serialisation), the task set (task attributes
 * and the list of active commands that LUN RESET and CLEAR TASK SET walk), the registry of
 * I_T_L nexuses (unit attentions for "every other initiator"), and an immutable snapshot of
 * what the engine reports (identity, attributes, geometry).
 *
 * Life: made when the device is enabled, held by the device (Device::lu()) and by every I_T_L
 * nexus that has used it. When the device goes, detach() cuts the link to it; a nexus that
 * outlives the device then only holds memory (commands never reach a detached DeviceLu: a
 * command holds its LUN's get_io(), and a LUN keeps its device until its I/O drained).
 *
 * CommandLu is what one command's execution sees (scsi::LogicalUnit): the snapshot taken at
 * its start (one reference, no lock on the data path), the nexus's read-only flag, and block
 * I/O forwarded to the device.
 */
#ifndef LIO_CORE_DEVICE_LU_H
#define LIO_CORE_DEVICE_LU_H

#include "core/device.h"
#include "core/fabric.h"
#include "core/lun.h"
#include "core/scsi/logical_unit.h"
#include "core/scsi/nexus.h"
#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/refcount.h"
#include "lio/result.h"
#include "lio/types.h"

namespace lio::core {

class DeviceLu;

// What the engine reports about a device, copied from its configuration (under its lock)
// whenever that changes. Immutable once published.
class LuSnapshot final : public RefCounted<LuSnapshot> {
  public:
	static RefPtr<LuSnapshot> capture_locked(Device &dev, DeviceConfig &cfg);

	u32 block_size = 512;
	u64 num_blocks = 0;
	scsi::LuAttributes attributes;
	char vendor[kInquiryVendorLen + 1] = {};
	char product[kInquiryModelLen + 1] = {};
	char revision[kInquiryRevisionLen + 1] = {};
	char serial[kInquiryVpdSerialLen] = {};
	u32 company_id = 0;
	bool read_only = false; // the device's own (Device::read_only()), beside the nexus's
	bool passthrough = false; // Device::is_passthrough()

  private:
	friend class RefCounted<LuSnapshot>;
	LuSnapshot() = default;
	~LuSnapshot() = default;
};

// One I_T_L nexus: a session's view of one LUN (pending unit attentions). Registered with the
// DeviceLu so that events on the device reach every nexus.
class ItlEntry final : public scsi::ItlNexus, public scsi::AluaPortGroups {
  public:
	ItlEntry(u64 it_nexus_id, u64 lun, RefPtr<DeviceLu> lu, const scsi::TargetPortInfo &port);
	~ItlEntry();

	u64 it_nexus_id() const override { return it_nexus_id_; }
	scsi::UnitAttentionQueue &unit_attentions() override { return ua_; }
	// Copied when the nexus is made; target_name points into the TPG, which outlives its
	// sessions and so their entries.
	const scsi::TargetPortInfo *target_port() const override { return &port_; }
	// ---- copy offload ----
	scsi::CopyResults *copy_results() override { return &copy_results_; }

	u64 lun() const { return lun_; }
	DeviceLu &device_lu() const { return *lu_; }

	// ---- persistent reservations ----
	// The views point into the session, which outlives its entries.
	scsi::InitiatorPort initiator_port() const override { return initiator_; }
	void set_initiator_port(const scsi::InitiatorPort &p) { initiator_ = p; }
	// ---- ALUA ----
	// The TPG LUN the nexus goes through (set once, before the entry is published): its
	// target port group decides admission (alua_port_state) and answers RTPG/STPG, valid
	// during a command (which holds the LUN's get_io()). A new LUN object at the same
	// number makes a new entry (Session::entry_for).
	void set_alua_lun(RefPtr<Lun> lun) { alua_lun_ = static_cast<RefPtr<Lun> &&>(lun); }
	const Lun *alua_lun() const { return alua_lun_.get(); }
	scsi::AluaPortState alua_port_state() const override;
	scsi::AluaPortGroups *alua_port_groups() override;
	void report(scsi::AluaReportVisitor &v) override;
	u8 implicit_transition_secs() override;
	scsi::SenseReason set_target_port_groups(Span<const scsi::AluaSetDescriptor> descs,
						 const scsi::ItlNexus &origin) override;

	ListNode session_node; // the session's entries (under the session's lock)
	ListNode lu_node;      // the DeviceLu's nexus list (under its lock)

  private:
	u64 it_nexus_id_;
	u64 lun_;
	RefPtr<DeviceLu> lu_;
	scsi::TargetPortInfo port_;
	scsi::UnitAttentionQueue ua_;
	scsi::CopyResults copy_results_; // ---- copy offload ----
	scsi::InitiatorPort initiator_; // ---- persistent reservations ----
	RefPtr<Lun> alua_lun_; // ---- ALUA ----
};

// FabricCmd::core.flags.
enum CmdFlag : u32 {
	kCmdAborted = 1 << 0,   // task management aborted it: no response, aborted() instead
	kCmdRunning = 1 << 1,   // admitted by the task set (counted in running_*)
	kCmdInTaskSet = 1 << 2, // between task_begin and task_end
	kCmdSendTas = 1 << 3,   // aborted by another nexus with TAS=1: answer TASK ABORTED
	kCmdActive = 1 << 4,    // on its session's active list
	kCmdWaiting = 1 << 5,   // queued in the task set, not yet admitted
};

class DeviceLu final : public RefCounted<DeviceLu> {
  public:
	// Under the device's lock (enable): the LU of a configured device.
	static Result<RefPtr<DeviceLu>> create_locked(Device &dev, DeviceConfig &cfg);

	// The device's configuration changed (under its lock): publish a new snapshot.
	void refresh_locked(Device &dev, DeviceConfig &cfg);
	// The device is going: no command can reach it any more (see the header comment).
	void detach();

	RefPtr<LuSnapshot> snapshot() const;
	Device *device() const { return device_; }
	scsi::LuState &state() { return state_; }

	// Nexus registry.
	void add_nexus(ItlEntry &e);
	void remove_nexus(ItlEntry &e);
	// Posts `reason` to every registered nexus except `except` (null: all).
	void post_unit_attention(const scsi::ItlNexus *except, scsi::SenseReason reason);
	// ---- ALUA ----
	// As post_unit_attention, to the nexuses that go through the TPG LUN `lun` only.
	void post_unit_attention_lun(const Lun &lun, const scsi::ItlNexus *except,
				     scsi::SenseReason reason);

	// ---- persistent reservations ----
	void post_unit_attention_if(const scsi::LogicalUnit::NexusFilter &filter,
				    scsi::SenseReason reason);
	void abort_tasks_if(const scsi::LogicalUnit::NexusFilter &filter, bool tas);
	// Writes dbroot/pr/aptpl_<serial> (creating dbroot/pr when missing); errors are logged.
	void save_pr_metadata(Bytes metadata, const char *serial);
	// The initiator name and fabric name of I_T nexus it_nexus_id (pr/res_holder for an
	// SPC-2 reservation); left as they are when none of this LU's nexuses has that id.
	void describe_nexus(u64 it_nexus_id, Span<char> name, Span<char> fabric);

	// ---- statistics (statistics/scsi_tgt_dev, scsi_lu) ----
	void count_command(u64 read_bytes, u64 written_bytes) {
		stat_cmds.fetch_add(1, MemoryOrder::Relaxed);
		if (read_bytes)
			stat_read_bytes.fetch_add(read_bytes, MemoryOrder::Relaxed);
		if (written_bytes)
			stat_written_bytes.fetch_add(written_bytes, MemoryOrder::Relaxed);
	}
	Atomic<u64> stat_cmds{0};
	Atomic<u64> stat_read_bytes{0};
	Atomic<u64> stat_written_bytes{0};
	Atomic<u64> stat_resets{0};          // LOGICAL UNIT RESETs
	Atomic<u64> stat_aborts_complete{0}; // ABORT TASKs that found their task
	Atomic<u64> stat_aborts_no_task{0};  // ABORT TASKs that did not

	// ---- task set (SAM-5 8.6 task attributes) ----
	// Blocks until cmd may start: HEAD OF QUEUE at once, SIMPLE once no ORDERED command
	// before it is pending, ORDERED once everything before it has ended. Returns false when
	// the command was aborted while it waited; task_end() is due either way.
	bool task_begin(FabricCmd &cmd);
	void task_end(FabricCmd &cmd);
	// Marks every command of the task set for which match(cmd) holds as aborted (waking
	// those still waiting) with `flags` added; returns how many were marked.
	template <typename Match> u32 abort_tasks(Match &&match, u32 flags = 0) {
		u32 n = 0;
		LockGuard guard(task_lock_);
		for (FabricCmd &c : tasks_) {
			if ((c.core.flags & kCmdAborted) || !match(c))
				continue;
			c.core.flags |= kCmdAborted | flags;
			n++;
			if ((c.core.flags & kCmdWaiting) && c.core.waiter)
				static_cast<Completion *>(c.core.waiter)->complete();
		}
		return n;
	}
	// True while a command for which match(cmd) holds is in the task set.
	template <typename Match> bool any_task(Match &&match) {
		LockGuard guard(task_lock_);
		for (FabricCmd &c : tasks_)
			if (match(c))
				return true;
		return false;
	}

  private:
	friend class RefCounted<DeviceLu>;
	explicit DeviceLu(Device &dev);
	~DeviceLu();
	bool wait_for_admission(FabricCmd &cmd);
	bool admissible_locked(const FabricCmd &cmd) const;
	void start_locked(FabricCmd &cmd);
	void admit_waiters_locked();
	void write_pr_metadata(Device &dev, char *path, usize path_max, Bytes metadata,
			       const char *serial); // ---- persistent reservations ----

	Device *device_; // null once detached
	scsi::LuState state_;

	mutable SpinLock snapshot_lock_;
	RefPtr<LuSnapshot> snapshot_; // under snapshot_lock_

	SpinLock nexus_lock_;
	IntrusiveList<ItlEntry, &ItlEntry::lu_node> nexuses_; // under nexus_lock_

	SpinLock task_lock_;
	IntrusiveList<FabricCmd, &FabricCmd::core_task_node> tasks_; // under task_lock_, in order
	u32 running_simple_ = 0;  // under task_lock_
	u32 running_ordered_ = 0;
	u32 running_hoq_ = 0;
	u32 waiting_ = 0;
};

// What one command executes against.
class CommandLu final : public scsi::LogicalUnit {
  public:
	CommandLu(DeviceLu &lu, RefPtr<LuSnapshot> snap, bool read_only)
	    : lu_(lu), snap_(static_cast<RefPtr<LuSnapshot> &&>(snap)), read_only_(read_only) {}

	u32 block_size() const override { return snap_->block_size; }
	u64 num_blocks() const override { return snap_->num_blocks; }
	scsi::LuIdentity identity() const override;
	scsi::LuAttributes attributes() const override { return snap_->attributes; }
	bool read_only() const override { return read_only_ || snap_->read_only; }
	Result<void> read(u64 lba, u32 blocks, const DataBuf &dst) override;
	Result<void> write(u64 lba, u32 blocks, const DataBuf &src, bool fua) override;
	Result<void> flush(u64 lba, u64 blocks) override;
	Result<void> unmap(u64 lba, u64 blocks) override;
	Result<void> write_zeroes(u64 lba, u64 blocks) override;
	// T10-PI (logical_unit.h).
	Result<void> read_pi(u64 lba, u32 blocks, MutableBytes pi) override;
	Result<void> write_pi(u64 lba, u32 blocks, const DataBuf &src, Bytes pi,
			      bool fua) override;
	bool is_passthrough() const override { return snap_->passthrough; }
	scsi::SenseReason pass_through(scsi::Command &cmd) override;
	scsi::LuState &state() override { return lu_.state(); }
	void post_unit_attention_others(const scsi::ItlNexus *except,
					scsi::SenseReason reason) override {
		lu_.post_unit_attention(except, reason);
	}
	// ---- persistent reservations ----
	void post_unit_attention_if(const NexusFilter &filter, scsi::SenseReason reason) override {
		lu_.post_unit_attention_if(filter, reason);
	}
	void abort_tasks_if(const NexusFilter &filter) override {
		lu_.abort_tasks_if(filter, snap_->attributes.emulate_tas);
	}
	void save_pr_metadata(Bytes metadata) override {
		lu_.save_pr_metadata(metadata, snap_->serial);
	}

  private:
	// T10-PI: stores generated tuples for [lba, lba + blocks) of `src` (null: zeroes) or,
	// with escape, all 0xff.
	Result<void> store_generated_pi(Device &dev, u64 lba, u64 blocks, const DataBuf *src,
					bool escape, bool fua);

	DeviceLu &lu_;
	RefPtr<LuSnapshot> snap_;
	bool read_only_;
};

} // namespace lio::core

#endif // LIO_CORE_DEVICE_LU_H
