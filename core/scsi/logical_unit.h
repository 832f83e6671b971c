// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/logical_unit.h: the world as the SCSI engine sees it.
 *
 * LogicalUnit is the one boundary between the command engine (core/scsi) and the device
 * model (core/device*, backstores): geometry, identity, the LIO attributes that change what
 * the emulation reports, and block I/O. The device model implements it; the engine never
 * sees a device, an HBA or a configfs node. Called from command context; implementations
 * return values that are consistent for the duration of one call (attributes may change
 * between commands, as LIO's configfs writes do).
 *
 * LunMap is what REPORT LUNS needs from the I_T nexus: the LUN numbers it may see.
 *
 * Neither is owned by the engine, and neither is deleted through these interfaces (hence the
 * protected non-virtual destructors).
 */
#ifndef LIO_CORE_SCSI_LOGICAL_UNIT_H
#define LIO_CORE_SCSI_LOGICAL_UNIT_H

#include "core/scsi/command.h"
#include "core/scsi/nexus.h"
#include "core/scsi/sense.h"
#include "lio/data_buf.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::scsi {

// Identity, as INQUIRY and VPD 0x80/0x83 report it. The views point into the device's own
// storage and stay valid for the call that uses them.
struct LuIdentity {
	StrView vendor;      // T10 vendor id, <= 8 bytes ("LIO-ORG")
	StrView product;     // <= 16 bytes
	StrView revision;    // <= 4 bytes ("4.0")
	StrView unit_serial; // VPD 0x80; its hex digits make the NAA designator's identifier
	u32 company_id = 0x001405; // IEEE OUI of the NAA IEEE Registered Extended designator
	StrView lu_name;     // optional SCSI name string designator (LU association); empty: none
};

// LIO's device attributes that affect emulation (names as in configfs attrib/).
struct LuAttributes {
	bool emulate_tpu = false;         // UNMAP supported (LBPU), LBPME
	bool emulate_tpws = false;        // WRITE SAME with UNMAP (LBPWS, LBPWS10), LBPME
	bool emulate_write_cache = false; // caching page WCE, Extended INQUIRY V_SUP
	bool emulate_fua_write = true;    // DPO/FUA accepted, DPOFUA in MODE SENSE
	bool emulate_caw = true;          // COMPARE AND WRITE (VPD 0xB0 max compare length) *
	bool emulate_3pc = true;          // INQUIRY 3PC (EXTENDED COPY) *
	bool emulate_tas = true;          // control page TAS
	bool emulate_model_alias = false; // product from the backstore name (device model's job)
	bool alua_supported = true;       // INQUIRY SCCS + TPGS = implicit and explicit ALUA *
	bool is_nonrot = false;           // VPD 0xB1 MEDIUM ROTATION RATE = 1
	bool unmap_zeroes_data = false;   // LBPRZ (VPD 0xB2, READ CAPACITY 16)
	u32 max_unmap_lba_count = 0;
	u32 max_unmap_block_desc_count = 0;
	u32 unmap_granularity = 0;
	u32 unmap_granularity_alignment = 0;
	u64 max_write_same_len = 0;
	u32 optimal_sectors = 0;
	u32 hw_max_sectors = 0; // largest transfer in blocks; 0 = no limit
	u8 pi_prot_type = 0;    // 0 = no protection information; 1, 3: DIF type (see read_pi)
	u8 pi_prot_format = 0;
	// WRITE ATOMIC(16) (VPD 0xB0 ATOMIC ALIGNMENT / ATOMIC TRANSFER LENGTH GRANULARITY, in
	// blocks; 0 = no constraint). No LIO attribute of 6.1/6.12 sets them: the backstores
	// leave them 0, host tests set them.
	u32 atomic_alignment = 0;
	u32 atomic_granularity = 0;
	bool pi_prot_verify = false; // check protection information (else pass it unchecked)
	// ---- persistent reservations ----
	bool emulate_pr = true;           // 0: PR IN/OUT, RESERVE, RELEASE are unsupported opcodes
	bool enforce_pr_isids = true;     // the ISID is part of an iSCSI initiator port's identity
	bool force_pr_aptpl = false;      // REGISTER* and REGISTER AND MOVE act as with APTPL = 1
	// *: reported only once the engine implements the command(s) behind the claim
	// (REPORT TARGET PORT GROUPS, EXTENDED COPY, COMPARE AND WRITE): see spc.cpp.
};

class LogicalUnit {
  public:
	virtual u32 block_size() const = 0;  // bytes per logical block
	virtual u64 num_blocks() const = 0;  // capacity in logical blocks
	virtual LuIdentity identity() const = 0;
	virtual LuAttributes attributes() const = 0;
	virtual bool read_only() const = 0;  // write commands fail with WRITE PROTECTED

	// Block I/O over a scatter-gather view of exactly `blocks * block_size()` bytes (the
	// caller owns the memory for the call). The engine has checked the range. fua: the data
	// is durable when write returns. An Error carrying a SenseReason is reported as such;
	// any other error becomes MEDIUM ERROR (UNRECOVERED READ / WRITE ERROR) or HARDWARE
	// ERROR for the rest.
	virtual Result<void> read(u64 lba, u32 blocks, const DataBuf &dst) = 0;
	virtual Result<void> write(u64 lba, u32 blocks, const DataBuf &src, bool fua) = 0;
	// Make [lba, lba + blocks) durable; blocks = 0 means to the end of the medium.
	virtual Result<void> flush(u64 lba, u64 blocks) = 0;
	virtual Result<void> unmap(u64 lba, u64 blocks) = 0;
	virtual Result<void> write_zeroes(u64 lba, u64 blocks) = 0;

	// ---- protection information (T10-PI, core/scsi/pi.h) ----
	// On an LU with attributes().pi_prot_type != 0, each block has an 8-byte tuple. read()
	// and write() move data only; write() (and write_zeroes()) also store the tuples the
	// device server generates (GUARD = CRC, APPLICATION TAG 0, REFERENCE TAG per
	// pi_generated_ref), unmap() stores the escape (all 0xff), as LIO. read_pi() reads
	// `blocks` tuples into pi (blocks * 8 bytes); write_pi() writes data and the given tuples.
	virtual Result<void> read_pi(u64 lba, u32 blocks, MutableBytes pi) {
		(void)lba;
		(void)blocks;
		(void)pi;
		return Error::from_errno(KABI_ENOSYS);
	}
	virtual Result<void> write_pi(u64 lba, u32 blocks, const DataBuf &src, Bytes pi,
				      bool fua) {
		(void)lba;
		(void)blocks;
		(void)src;
		(void)pi;
		(void)fua;
		return Error::from_errno(KABI_ENOSYS);
	}

	// Passthrough LUs (pscsi): execute() keeps REPORT LUNS, unit attentions and the nexus's
	// write protection, and hands every other CDB to pass_through(), which completes the
	// command with what the device answered (Command::complete_passthrough) and returns
	// kNone, or returns the reason to fail it with.
	virtual bool is_passthrough() const { return false; }
	virtual SenseReason pass_through(Command &cmd) {
		(void)cmd;
		return SenseReason::kInvalidOpcode;
	}

	// State shared by every nexus of this LU (nexus.h): the device model embeds one.
	virtual LuState &state() = 0;
	// Establishes `reason` as a unit attention on every I_T_L nexus of this LU but `except`
	// (null: on all of them), as a change made through one nexus is announced to the others.
	virtual void post_unit_attention_others(const ItlNexus *except, SenseReason reason) = 0;

	// ---- persistent reservations ----
	// Selects I_T_L nexuses of this LU (the nexuses of a set of PR registrations).
	class NexusFilter {
	  public:
		virtual bool matches(const ItlNexus &n) const = 0;

	  protected:
		~NexusFilter() = default;
	};
	// Establishes `reason` on every I_T_L nexus of this LU that `filter` selects. The
	// defaults do nothing: an LU without a registry of nexuses (AbsentLu, test LUs) has none.
	virtual void post_unit_attention_if(const NexusFilter &filter, SenseReason reason) {
		(void)filter;
		(void)reason;
	}
	// PREEMPT AND ABORT: aborts every task of the nexuses `filter` selects; with TAS they
	// end with TASK ABORTED, without it silently (their nexuses are told by the unit
	// attention the preemption establishes).
	virtual void abort_tasks_if(const NexusFilter &filter) { (void)filter; }
	// APTPL: the persistent reservation state changed while APTPL is (or was just) active;
	// `metadata` is PrState::format_aptpl()'s text, to be stored where rtslib reads it back
	// (dbroot/pr/aptpl_<unit serial>). Failing to store it must not fail the command.
	virtual void save_pr_metadata(Bytes metadata) { (void)metadata; }

  protected:
	~LogicalUnit() = default;
};

class LunVisitor {
  public:
	virtual void visit(u64 lun) = 0;

  protected:
	~LunVisitor() = default;
};

// ---- copy offload ----
// A logical unit held for a copy (EXTENDED COPY's source or destination): the device model
// keeps it from going away (its LUN's in-flight count) until release(), after which the
// object is gone. lu() is a view of the LU as the issuing I_T nexus sees it (its read-only
// state includes the nexus's write protection).
class HeldLu {
  public:
	virtual LogicalUnit &lu() = 0;
	virtual void release() = 0;

  protected:
	~HeldLu() = default;
};

// Decides whether a logical unit is the one a copy descriptor names (the engine compares
// the designators it reports in VPD 0x83).
class LuMatcher {
  public:
	virtual bool matches(LogicalUnit &lu) const = 0;

  protected:
	~LuMatcher() = default;
};

class LunMap {
  public:
	// Calls v.visit() for each LUN visible to the I_T nexus, in ascending order.
	virtual void for_each_lun(LunVisitor &v) const = 0;

	// ---- copy offload ----
	// The first LU visible to this I_T nexus (its LUN map: ACL mapped LUNs or demo mode,
	// nothing else of the target) for which m.matches() holds, held for the caller; null
	// when none matches (or none can be held). Process context.
	virtual HeldLu *hold_lu(const LuMatcher &m) const {
		(void)m;
		return nullptr;
	}

  protected:
	~LunMap() = default;
};

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_LOGICAL_UNIT_H
