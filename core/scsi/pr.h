// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/pr.h: SPC-4 persistent reservations, the state of one logical unit.
 *
 * A registration belongs to an I_T nexus: an initiator port (protocol id, initiator name,
 * and for iSCSI the ISID, unless enforce_pr_isids=0) and a relative target port id, or every
 * target port (ALL_TG_PT). Registrations and the reservation outlive sessions; only PR OUT
 * commands (and a restore of APTPL metadata) change them. The reservation is held by one
 * registration, or, for the all-registrants types, by every registration (holder = null).
 *
 * PrState is embedded in LuState (nexus.h). Everything is under its mutex (process
 * context); reserved() is a lock-free hint for command admission, which only takes the
 * mutex while a reservation exists. The PR OUT/IN handlers (spc_pr.cpp) work on it.
 */
#ifndef LIO_CORE_SCSI_PR_H
#define LIO_CORE_SCSI_PR_H

#include "lio/atomic.h"
#include "lio/list.h"
#include "lio/lock.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/string.h"
#include "lio/types.h"

namespace lio::scsi {

// SPC-4 7.6.1 protocol identifiers that TransportIDs are parsed for.
inline constexpr u8 kProtoFc = 0x0;
inline constexpr u8 kProtoIscsi = 0x5;
inline constexpr u8 kProtoSas = 0x6;

// SPC-4 6.16.2 persistent reservation types (0 = none).
enum class PrType : u8 {
	kNone = 0,
	kWriteExclusive = 1,
	kExclusiveAccess = 3,
	kWriteExclusiveRegOnly = 5,
	kExclusiveAccessRegOnly = 6,
	kWriteExclusiveAllReg = 7,
	kExclusiveAccessAllReg = 8,
};
bool pr_type_valid(u8 type);
inline bool pr_type_all_registrants(PrType t) {
	return t == PrType::kWriteExclusiveAllReg || t == PrType::kExclusiveAccessAllReg;
}
inline bool pr_type_write_exclusive(PrType t) {
	return t == PrType::kWriteExclusive || t == PrType::kWriteExclusiveRegOnly ||
	       t == PrType::kWriteExclusiveAllReg;
}
// Registrants-only or all-registrants: every registrant may access the LU.
inline bool pr_type_registrants(PrType t) {
	return t == PrType::kWriteExclusiveRegOnly || t == PrType::kExclusiveAccessRegOnly ||
	       pr_type_all_registrants(t);
}

inline constexpr usize kMaxInitiatorName = 223; // iSCSI names (RFC 3720); others are shorter
inline constexpr usize kIsidText = 12;          // 6 bytes as hex digits

// An initiator port as the nexus reports it (views valid for the nexus's life).
struct TargetPortInfo; // nexus.h

struct InitiatorPort {
	u8 protocol_id = 0;
	StrView name; // iSCSI name, "naa.<16 hex digits>" (SAS, tcm_loop), "xx:xx:..." (FC)
	StrView isid; // iSCSI: the ISID as 12 hex digits; empty otherwise
};

// An initiator port named by a TransportID or by stored metadata.
struct PrPortId {
	u8 protocol_id = 0;
	char name[kMaxInitiatorName + 1] = {};
	char isid[kIsidText + 1] = {}; // empty: none given (matches every ISID of the name)

	StrView name_view() const { return str_view(name); }
	StrView isid_view() const { return str_view(isid); }
	// Fills from a nexus's port; false when the name does not fit.
	bool assign(const InitiatorPort &p);
};

inline constexpr usize kMaxFabricName = 15;

// Where a registration was made, as LIO's pr/ files and APTPL metadata name it.
struct PrTargetPort {
	char fabric[kMaxFabricName + 1] = {}; // the initiator's fabric ("iSCSI", "loopback")
	char target_node[kMaxInitiatorName + 1] = {};
	u16 tpgt = 0;
	u64 target_lun = 0;
	u64 mapped_lun = 0;
};

struct PrRegistration {
	ListNode node;
	PrPortId port;
	u64 key = 0;
	u16 rtpi = 0;          // relative target port id (ignored with all_tg_pt)
	bool all_tg_pt = false;
	// Restored from APTPL metadata: the relative port id is not known until an I_T nexus
	// through target_node/tpgt uses it (rtpi is then filled in).
	bool rtpi_pending = false;
	u32 generation = 0;    // PRgeneration when it was made (res_pr_registered_i_pts)
	PrTargetPort target;
};

// Parses one TransportID at the start of `buf` (SPC-4 7.6.4: FC, iSCSI formats 00b/01b,
// SAS). Returns its length, or an error: INVALID FIELD IN PARAMETER LIST, with *bad_offset
// set to the offending byte's offset in buf.
Result<usize> parse_transport_id(Bytes buf, PrPortId *out, usize *bad_offset);
// The TransportID of a registration's initiator port as READ FULL STATUS reports it:
// writes up to out.size() bytes and returns the full length.
usize format_transport_id(const PrPortId &port, MutableBytes out);

class PrState final {
  public:
	// More registrations than this: INSUFFICIENT REGISTRATION RESOURCES.
	static constexpr usize kMaxRegistrations = 128;

	PrState();
	~PrState();
	PrState(const PrState &) = delete;
	PrState &operator=(const PrState &) = delete;

	Mutex &mutex() { return mutex_; }
	// Lock-free: a reservation exists (admission's fast path).
	bool reserved() const { return reserved_.load(MemoryOrder::Acquire); }
	bool any_registration() const { return registered_.load(MemoryOrder::Acquire); }

	// ---- under mutex() ----
	using List = IntrusiveList<PrRegistration, &PrRegistration::node>;
	List &registrations() { return regs_; }
	usize count() const { return regs_.size(); }
	// The registration of the I_T nexus (p, tp); a restored registration waiting for its
	// relative port id takes tp's (tp null: relative port 0, host tests).
	PrRegistration *find(const InitiatorPort &p, const TargetPortInfo *tp, bool enforce_isids);
	// A registration of the same initiator port (and ISID as enforce_isids says) that an
	// I_T nexus with `port` and `rtpi` would match, or that has the same identity.
	PrRegistration *find_port(const PrPortId &port, u16 rtpi, bool all_tg_pt,
				  bool enforce_isids);
	// A new registration (not linked: add() links it); null when out of resources.
	static PrRegistration *make_registration();
	void add(PrRegistration *r);
	// Unlinks and frees r; releases the reservation when r held it (last registrant for
	// the all-registrants types). Returns true when that released the reservation.
	bool remove(PrRegistration *r);
	void remove_all();

	PrType type() const { return type_; }
	PrRegistration *holder() const { return holder_; } // null with all-registrants types
	bool is_holder(const PrRegistration *r) const {
		return r && type_ != PrType::kNone &&
		       (pr_type_all_registrants(type_) || holder_ == r);
	}
	void reserve(PrRegistration *r, PrType t);
	void release();

	u32 generation() const { return generation_; }
	void bump_generation() { generation_++; }
	bool aptpl() const { return aptpl_; }
	void set_aptpl(bool v) { aptpl_ = v; }

	// ---- APTPL metadata (LIO's dbroot/pr/aptpl_<unit serial>, rtslib reads it back) ----
	// Writes the records of every registration (or LIO's text for none) into out, clipped
	// to out.size(); returns the full length. With aptpl() false: the "none" text.
	usize format_aptpl(MutableBytes out);
	// One record as written to pr/res_aptpl_metadata ("key=value" separated by ',' or
	// newlines; unknown keys ignored, as LIO): restores a registration (and the reservation
	// when res_holder=1) and sets APTPL. EINVAL (logged by the caller) when initiator_node,
	// target_node or a nonzero sa_res_key is missing, a value is malformed, or res_holder=1
	// has no valid res_type; ENOSPC beyond kMaxRegistrations; ENOMEM.
	Result<void> restore_aptpl_record(StrView record);

	// Whether the I_T nexus (p, tp) matches a registration.
	static bool matches(const PrRegistration &r, const InitiatorPort &p,
			    const TargetPortInfo *tp, bool enforce_isids);

  private:
	void publish();

	Mutex mutex_;
	List regs_;
	PrType type_ = PrType::kNone;
	PrRegistration *holder_ = nullptr;
	u32 generation_ = 0;
	bool aptpl_ = false;
	Atomic<bool> reserved_{false};
	Atomic<bool> registered_{false};
};

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_PR_H
