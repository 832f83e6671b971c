// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/nexus.h: the state the engine keeps per I_T_L nexus (pending unit attentions) and
 * per logical unit (SPC-2 reservation, write serialisation for the atomic commands), and the
 * ItlNexus interface a command arrives on. The device model (core/) implements ItlNexus and
 * embeds one LuState per device; the engine only uses them.
 */
#ifndef LIO_CORE_SCSI_NEXUS_H
#define LIO_CORE_SCSI_NEXUS_H

#include "core/scsi/pr.h"
#include "core/scsi/sense.h"
#include "lio/atomic.h"
#include "lio/lock.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::scsi {

// Pending unit attention conditions of one I_T_L nexus, oldest first (SAM-5 5.14, SPC-4
// UA_INTLCK_CTRL = 0: a condition is reported once, with CHECK CONDITION or by REQUEST SENSE,
// and is then gone). Equal reasons are kept once. When kCapacity conditions are pending, a
// new one is dropped: the oldest are the ones to report first, and an initiator that has
// that many to read rescans anyway. Thread-safe, any context (an irqsave spinlock).
class UnitAttentionQueue final {
  public:
	static constexpr usize kCapacity = 16;

	UnitAttentionQueue();
	UnitAttentionQueue(const UnitAttentionQueue &) = delete;
	UnitAttentionQueue &operator=(const UnitAttentionQueue &) = delete;

	void post(SenseReason reason); // kNone is ignored
	bool pending() const;
	SenseReason take();            // the oldest, removed; kNone when none is pending
	SenseReason peek() const;      // the oldest, kept; kNone when none is pending
	void clear(SenseReason reason);
	void clear_all();

  private:
	void remove_at_locked(usize i);

	mutable SpinLock lock_;
	SenseReason queue_[kCapacity] = {}; // [0, count_): oldest first (under lock_)
	usize count_ = 0;
};

// Per-LU state shared by every nexus.
//
// SPC-2 RESERVE/RELEASE: the holder is an I_T nexus id (0 = not reserved). The device model
// calls clear_reservation() on LOGICAL UNIT RESET and when the holder's I_T nexus is lost.
//
// Write serialisation: COMPARE AND WRITE and ORWRITE must be atomic against every other
// write to the blocks they touch. Every medium-modifying command holds a SharedWrite for its
// duration, the atomic ones an ExclusiveWrite. Without a reader-writer lock at the boundary,
// "shared" is one of kWriteStripes mutexes (picked round-robin, so concurrent plain writes
// rarely meet and never wait for a CAW that is not running) and "exclusive" is all of them,
// taken in index order (each stripe has its own lock class, so lockdep sees an order, not
// recursion). A plain write costs one uncontended mutex; a CAW waits for the writes in flight.
class LuState final {
  public:
	static constexpr usize kWriteStripes = 8;

	LuState();
	LuState(const LuState &) = delete;
	LuState &operator=(const LuState &) = delete;

	// ---- SPC-2 reservation ----
	u64 reservation_holder() const;
	// Reserves for it_nexus_id; false when another nexus holds the reservation (a RESERVE
	// by the holder succeeds again).
	bool reserve(u64 it_nexus_id);
	// Only the holder's release has an effect (SPC-2: RELEASE from another nexus is GOOD).
	void release(u64 it_nexus_id);
	void clear_reservation();
	// Reserved by a nexus other than it_nexus_id.
	bool reservation_conflict(u64 it_nexus_id) const;

	// ---- persistent reservations ----
	// SPC-4 registrations and reservation (pr.h); not touched by nexus loss or LU reset.
	PrState &pr() { return pr_; }

	// ---- write serialisation (see above) ----
	class [[nodiscard]] SharedWrite final {
	  public:
		explicit SharedWrite(LuState &s);
		~SharedWrite();
		SharedWrite(const SharedWrite &) = delete;
		SharedWrite &operator=(const SharedWrite &) = delete;

	  private:
		Mutex &stripe_;
	};
	class [[nodiscard]] ExclusiveWrite final {
	  public:
		explicit ExclusiveWrite(LuState &s);
		~ExclusiveWrite();
		ExclusiveWrite(const ExclusiveWrite &) = delete;
		ExclusiveWrite &operator=(const ExclusiveWrite &) = delete;

	  private:
		LuState &s_;
	};

  private:
	mutable SpinLock lock_;
	u64 holder_ = 0; // under lock_
	Atomic<u32> next_stripe_{0};
	PrState pr_; // ---- persistent reservations ----
	Mutex stripes_[kWriteStripes];
};

// The target port a command arrived through, as VPD 0x83 reports it (SPC-4 7.8.6): the
// relative target port identifier, the target port group, and the SCSI name strings of the
// port ("<target name>,t,0x<tpgt>") and of the target device ("<target name>").
struct TargetPortInfo {
	u16 relative_port_id = 0;
	u16 tpg_tag = 0;
	u8 protocol_id = 0;       // SPC-4 PROTOCOL IDENTIFIER (PIV is set with it)
	StrView target_name;      // the target's SCSI name (the WWN directory name)
	bool has_port_group = false;
	u16 port_group_id = 0;    // the LUN's ALUA target port group
	// ---- persistent reservations ---- (what LIO's pr/ files and APTPL metadata name)
	StrView fabric_name;      // LIO's fabric_name ("iSCSI", "loopback")
	u64 target_lun = 0;       // the LUN's number in its TPG
	u64 mapped_lun = 0;       // the LUN number this I_T nexus sees
};

// ---- copy offload ----
// What the copy manager keeps per I_T_L nexus about EXTENDED COPY commands by LIST
// IDENTIFIER (SPC-4 6.4, 6.18): which list ids are running (a second command with the same
// id is refused while one runs) and, for commands with LIST ID USAGE 00b, their results for
// RECEIVE COPY RESULTS until a new command reuses the id or the nexus goes. kCapacity
// entries; when all are taken the oldest finished result is dropped, and when all are
// running a new command is refused (INSUFFICIENT RESOURCES). Thread-safe (a spinlock, leaf).
class CopyResults final {
  public:
	static constexpr usize kCapacity = 16;
	static constexpr usize kMaxSense = 28; // SenseData::kMaxLength

	enum class State : u8 { kFree, kRunning, kGood, kFailed };
	struct Entry {
		State state = State::kFree;
		u8 list_id = 0;
		bool hold = false;         // LIST ID USAGE 00b: kept after the command ends
		u16 segments_processed = 0;
		u64 bytes = 0;             // transferred so far
		u8 status = 0;             // the command's SCSI status once ended
		u8 sense_length = 0;       // its sense (FAILED SEGMENT DETAILS)
		u8 sense[kMaxSense] = {};
		u64 age = 0;
	};

	CopyResults();
	CopyResults(const CopyResults &) = delete;
	CopyResults &operator=(const CopyResults &) = delete;

	// A command with list_id starts: kOperationInProgress when one with that id runs,
	// kInsufficientResources when every entry runs; else kNone (a held result of that id
	// is discarded).
	SenseReason begin(u8 list_id, bool hold);
	void progress(u8 list_id, u16 segments, u64 bytes);
	// It ended with `status` (and sense): kept when held, else forgotten.
	void end(u8 list_id, u8 status, Bytes sense);
	// A copy of the entry of list_id, false when there is none.
	bool lookup(u8 list_id, Entry *out) const;
	// FAILED SEGMENT DETAILS delivered in full: the held sense is discarded.
	void discard_sense(u8 list_id);
	void clear();

  private:
	Entry *find_locked(u8 list_id);

	mutable SpinLock lock_;
	Entry entries_[kCapacity]; // under lock_
	u64 clock_ = 0;            // under lock_
};

// ---- ALUA ----
class ItlNexus;

// Target port asymmetric access states (SPC-4 6.37, REPORT TARGET PORT GROUPS), as LIO's
// configfs alua_access_state numbers them.
enum class AluaState : u8 {
	kActiveOptimized = 0x0,
	kActiveNonOptimized = 0x1,
	kStandby = 0x2,
	kUnavailable = 0x3,
	kLbaDependent = 0x4,
	kOffline = 0xe,
	kTransitioning = 0xf,
};
// SUPPORTED bits of a target port group descriptor (RTPG byte 1; LIO's alua_support_*).
enum AluaSupported : u8 {
	kAluaSupAo = 0x01,
	kAluaSupAn = 0x02,
	kAluaSupS = 0x04,
	kAluaSupU = 0x08,
	kAluaSupLbd = 0x10,
	kAluaSupO = 0x40,
	kAluaSupT = 0x80,
};
// TPGS (INQUIRY byte 5 bits 5:4, LIO's alua_access_type).
enum AluaAccessType : u8 { kAluaImplicit = 0x1, kAluaExplicit = 0x2 };

// What one command sees of its target port's ALUA state (read once per command, lock-free).
struct AluaPortState {
	bool has_group = false;  // the LUN is in a target port group (false: no ALUA here)
	u16 group_id = 0;
	AluaState state = AluaState::kActiveOptimized;
	u8 access_type = 0;      // AluaAccessType bits of the group
	u16 nonop_delay_ms = 0;  // delay of media commands while active/non-optimized
	bool offline = false;    // the port's secondary state (STPG offline, alua_tg_pt_offline)
};

// One target port group as REPORT TARGET PORT GROUPS describes it.
struct AluaGroupReport {
	u16 id = 0;
	AluaState state = AluaState::kActiveOptimized;
	u8 supported = 0; // AluaSupported bits
	bool preferred = false;
	u8 status = 0;    // STATUS CODE: 0 none, 1 altered by STPG, 2 altered implicitly
	u8 port_count = 0;
};
class AluaReportVisitor {
  public:
	// A group, then its port_count relative target port ids through port().
	virtual void group(const AluaGroupReport &g) = 0;
	virtual void port(u16 relative_port_id) = 0;

  protected:
	~AluaReportVisitor() = default;
};

// One SET TARGET PORT GROUPS descriptor: a primary state for a group, or (kOffline, and
// kActiveOptimized meaning "online" is not defined by SPC-4) a secondary state for a port.
struct AluaSetDescriptor {
	AluaState state;
	u16 id; // target port group (primary states) or relative target port id (offline)
};

// The device's target port groups, as the nexus's LUN sees them (the device model
// implements it). Process context.
class AluaPortGroups {
  public:
	// Every group with an id and at least one member (LIO skips empty groups).
	virtual void report(AluaReportVisitor &v) = 0;
	// The implicit transition time of the nexus's own group (extended RTPG header).
	virtual u8 implicit_transition_secs() = 0;
	// Applies STPG's descriptors (already checked for form) as explicit transitions; kNone,
	// or the reason to fail with: unsupported state or unknown group/port -> INVALID FIELD
	// IN PARAMETER LIST (nothing changed), explicit ALUA disabled on the nexus's group ->
	// INVALID COMMAND OPERATION CODE (as LIO). `origin` gets no unit attention.
	virtual SenseReason set_target_port_groups(Span<const AluaSetDescriptor> descs,
						   const ItlNexus &origin) = 0;

  protected:
	~AluaPortGroups() = default;
};

// The I_T_L nexus a command arrives on. execute() with a null nexus has no unit attentions
// and no reservations (host tests, internal commands).
class ItlNexus {
  public:
	// Nonzero, unique per I_T nexus (shared by that nexus's I_T_L nexuses).
	virtual u64 it_nexus_id() const = 0;
	virtual UnitAttentionQueue &unit_attentions() = 0;
	// The target port, or null when there is none to report (host tests).
	virtual const TargetPortInfo *target_port() const = 0;

	// ---- copy offload ----
	// The copy manager's per-nexus list-id state and results; null: none (EXTENDED COPY
	// runs but keeps nothing, RECEIVE COPY RESULTS COPY STATUS finds nothing).
	virtual CopyResults *copy_results() { return nullptr; }
	// ---- persistent reservations ----
	// The initiator port of this I_T nexus (its name and, for iSCSI, the ISID), which with
	// target_port()'s relative port id names the I_T nexus a registration belongs to. An
	// empty name (the default): the nexus cannot register.
	virtual InitiatorPort initiator_port() const { return InitiatorPort(); }
	// ---- ALUA ----
	// The state of the nexus's target port group (default: none, every command admitted).
	virtual AluaPortState alua_port_state() const { return {}; }
	// The device's groups for RTPG/STPG; null: ALUA is not emulated for this nexus.
	virtual AluaPortGroups *alua_port_groups() { return nullptr; }

  protected:
	~ItlNexus() = default;
};

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_NEXUS_H
