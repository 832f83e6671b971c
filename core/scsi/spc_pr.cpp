// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc_pr.cpp: PERSISTENT RESERVE IN/OUT (SPC-4 6.15, 6.16, 5.12) and the
 * admission of other commands under a persistent reservation.
 *
 * Every service action runs under the LU's PrState mutex, so the checks and the change are
 * one step. Unit attentions owed to other registrants are posted (through the LU, to the
 * I_T_L nexuses a registration names) before a removed registration is freed.
 *
 * Reported capabilities (REPORT CAPABILITIES), as LIO: CRH (RESERVE/RELEASE handled as
 * SPC-4 5.12.3 says, spc_reserve.cpp), SIP_C (SPEC_I_PT), ATP_C (ALL_TG_PT), PTPL_C (APTPL),
 * TMV with ALLOW COMMANDS 001b (TEST UNIT READY is allowed under every type), all six types.
 */
#include "core/scsi/handlers.h"
#include "lio/alloc.h"
#include "lio/log.h"

namespace lio::scsi {

namespace {

// PERSISTENT RESERVE IN service actions.
constexpr u8 kReadKeys = 0x00;
constexpr u8 kReadReservation = 0x01;
constexpr u8 kReportCapabilities = 0x02;
constexpr u8 kReadFullStatus = 0x03;
// PERSISTENT RESERVE OUT service actions.
constexpr u8 kRegister = 0x00;
constexpr u8 kReserve = 0x01;
constexpr u8 kRelease = 0x02;
constexpr u8 kClear = 0x03;
constexpr u8 kPreempt = 0x04;
constexpr u8 kPreemptAndAbort = 0x05;
constexpr u8 kRegisterAndIgnore = 0x06;
constexpr u8 kRegisterAndMove = 0x07;

constexpr usize kBasicParamLen = 24;
// Byte 20 of the basic parameter list.
constexpr u8 kSpecIPt = 0x08;
constexpr u8 kAllTgPt = 0x04;
constexpr u8 kAptpl = 0x01;
constexpr u8 kByte20Reserved = 0xf2;

u16 rtpi_of(const ItlNexus &n) {
	const TargetPortInfo *p = n.target_port();
	return p ? p->relative_port_id : 0;
}

// The nexuses of one registration, but not `except`.
class RegistrationFilter final : public LogicalUnit::NexusFilter {
  public:
	RegistrationFilter(const PrRegistration &r, const ItlNexus *except, bool enforce)
	    : r_(r), except_(except), enforce_(enforce) {}
	bool matches(const ItlNexus &n) const override {
		return &n != except_ &&
		       PrState::matches(r_, n.initiator_port(), n.target_port(), enforce_);
	}

  private:
	const PrRegistration &r_;
	const ItlNexus *except_;
	bool enforce_;
};

// One PR OUT command's context: the parsed CDB and basic parameter list.
struct ProOut {
	ExecContext &ctx;
	PrState &pr;
	u8 sa;
	PrType type;
	u64 key;
	u64 sa_key;
	u8 flags; // byte 20 (byte 17 for REGISTER AND MOVE)
	Bytes params;
	bool enforce;
	InitiatorPort port;
	u16 rtpi;
	PrRegistration *me; // this I_T nexus's registration, or null

	void post(const PrRegistration &r, SenseReason reason) {
		ctx.lu.post_unit_attention_if(RegistrationFilter(r, ctx.nexus, enforce), reason);
	}
	// `reason` to every registration but mine.
	void post_others(SenseReason reason) {
		for (PrRegistration &r : pr.registrations())
			if (&r != me)
				post(r, reason);
	}
	// Removes every registration with `key` but mine: REGISTRATIONS PREEMPTED to their
	// nexuses, their tasks aborted for PREEMPT AND ABORT. Returns how many went.
	usize preempt_key(u64 victim_key, bool any_key) {
		usize n = 0;
		for (PrRegistration &r : pr.registrations().safe()) {
			if (&r == me || (!any_key && r.key != victim_key))
				continue;
			post(r, SenseReason::kRegistrationsPreempted);
			if (sa == kPreemptAndAbort)
				ctx.lu.abort_tasks_if(RegistrationFilter(r, ctx.nexus, enforce));
			pr.remove(&r);
			n++;
		}
		return n;
	}
	void conflict() { ctx.cmd.complete_reservation_conflict(); }
	// The target port the command came through, as LIO's pr/ files and metadata name it.
	void fill_target(PrRegistration *r) {
		const TargetPortInfo *tp = ctx.nexus ? ctx.nexus->target_port() : nullptr;
		if (!tp)
			return;
		(void)str_copy(Span<char>(r->target.fabric, sizeof(r->target.fabric)),
			       tp->fabric_name);
		(void)str_copy(Span<char>(r->target.target_node, sizeof(r->target.target_node)),
			       tp->target_name);
		r->target.tpgt = tp->tpg_tag;
		r->target.target_lun = tp->target_lun;
		r->target.mapped_lun = tp->mapped_lun;
	}
};

// REGISTER and REGISTER AND IGNORE EXISTING KEY.
Result<void> pro_register(ProOut &o) {
	bool spec_i_pt = o.flags & kSpecIPt;
	bool all_tg_pt = o.flags & kAllTgPt;
	if (o.me) {
		if (o.sa == kRegister && o.key != o.me->key) {
			o.conflict();
			return {};
		}
		if (spec_i_pt) // only an unregistered I_T nexus may name others
			return param_field_error(o.ctx.cmd, 20, 3);
		if (o.sa_key == 0) {
			// Unregistering the holder releases the reservation (for all-registrants
			// types, once the last registrant goes); registrants-only reservations
			// announce it to the other registrants.
			PrType t = o.pr.type();
			bool held = o.pr.is_holder(o.me);
			if (held && (t == PrType::kWriteExclusiveRegOnly ||
				     t == PrType::kExclusiveAccessRegOnly))
				o.post_others(SenseReason::kReservationsReleased);
			o.pr.remove(o.me);
			o.me = nullptr;
		} else {
			o.me->key = o.sa_key;
		}
		o.pr.bump_generation();
		o.pr.set_aptpl(o.flags & kAptpl);
		return {};
	}
	if (o.sa == kRegister && o.key != 0) {
		o.conflict();
		return {};
	}
	if (o.sa_key == 0)
		return {}; // nothing to register
	// This I_T nexus, then every TransportID (SPEC_I_PT) on this target port: all are
	// checked before any is registered.
	PrState::List fresh;
	Result<void> result;
	auto add = [&](const PrPortId &port) -> bool {
		if (o.pr.count() + fresh.size() >= PrState::kMaxRegistrations)
			return false;
		PrRegistration *r = PrState::make_registration();
		if (!r)
			return false;
		r->port = port;
		r->key = o.sa_key;
		r->rtpi = o.rtpi;
		r->all_tg_pt = all_tg_pt;
		r->generation = o.pr.generation();
		o.fill_target(r);
		fresh.push_back(*r);
		return true;
	};
	auto named_twice = [&](const PrPortId &id) {
		for (PrRegistration &f : fresh)
			if (f.port.protocol_id == id.protocol_id &&
			    str_equal(f.port.name_view(), id.name_view()) &&
			    str_equal(f.port.isid_view(), id.isid_view()))
				return true;
		return false;
	};
	PrPortId id;
	if (o.port.name.size() == 0 || !id.assign(o.port) || !add(id)) {
		result = sense_error(SenseReason::kInsufficientRegistrationResources);
	} else if (spec_i_pt) {
		usize end = 28 + usize(MUST(o.params.get_be32(24)));
		for (usize off = 28; off < end;) {
			usize bad = 0;
			Result<usize> len =
			    parse_transport_id(MUST(o.params.subspan(off, end - off)), &id, &bad);
			if (len.is_error()) {
				result = param_field_error(o.ctx.cmd, off + bad, 7);
				break;
			}
			// Already registered, or named twice: INVALID FIELD IN PARAMETER LIST.
			if (o.pr.find_port(id, o.rtpi, all_tg_pt, o.enforce) || named_twice(id)) {
				result = param_field_error(o.ctx.cmd, off, 7);
				break;
			}
			if (!add(id)) {
				result =
				    sense_error(SenseReason::kInsufficientRegistrationResources);
				break;
			}
			off += len.value();
		}
	}
	while (PrRegistration *r = fresh.pop_front()) {
		if (result.is_error())
			delete r;
		else
			o.pr.add(r);
	}
	if (result.is_error())
		return result;
	o.pr.bump_generation();
	o.pr.set_aptpl(o.flags & kAptpl);
	return {};
}

Result<void> pro_reserve(ProOut &o) {
	if (!o.me || o.me->key != o.key) {
		o.conflict();
		return {};
	}
	if (o.pr.type() != PrType::kNone) {
		// The holder may repeat its reservation; any other is a conflict.
		if (!o.pr.is_holder(o.me) || o.pr.type() != o.type)
			o.conflict();
		return {};
	}
	o.pr.reserve(o.me, o.type);
	return {};
}

Result<void> pro_release(ProOut &o) {
	if (!o.me || o.me->key != o.key) {
		o.conflict();
		return {};
	}
	if (!o.pr.is_holder(o.me))
		return {}; // no reservation, or another's: nothing to do
	PrType t = o.pr.type();
	if (t != o.type)
		return sense_error(SenseReason::kInvalidReleaseOfPr);
	o.pr.release();
	if (t != PrType::kWriteExclusive && t != PrType::kExclusiveAccess)
		o.post_others(SenseReason::kReservationsReleased);
	return {};
}

Result<void> pro_clear(ProOut &o) {
	if (!o.me || o.me->key != o.key) {
		o.conflict();
		return {};
	}
	o.post_others(SenseReason::kReservationsPreempted);
	o.pr.remove_all();
	o.me = nullptr;
	o.pr.bump_generation();
	return {};
}

// PREEMPT and PREEMPT AND ABORT (SPC-4 5.12.11.2).
Result<void> pro_preempt(ProOut &o) {
	if (!o.me || o.me->key != o.key) {
		o.conflict();
		return {};
	}
	PrType t = o.pr.type();
	PrRegistration *holder = o.pr.holder();
	if (t != PrType::kNone && pr_type_all_registrants(t) && o.sa_key == 0) {
		// Every other registration goes; the reservation is this nexus's, of the new type.
		o.preempt_key(0, true);
		o.pr.release();
		o.pr.reserve(o.me, o.type);
	} else if (t != PrType::kNone && !pr_type_all_registrants(t) && holder->key == o.sa_key) {
		// The holder is preempted (possibly this nexus itself): its reservation becomes
		// this nexus's; the registrants left are told when the type changed.
		o.preempt_key(o.sa_key, false);
		o.pr.release();
		o.pr.reserve(o.me, o.type);
		if (t != o.type)
			o.post_others(SenseReason::kReservationsReleased);
	} else {
		// Registrations only; the reservation is not touched.
		if (o.sa_key == 0)
			return param_field_error(o.ctx.cmd, 8, 7);
		if (o.preempt_key(o.sa_key, false) == 0) {
			o.conflict();
			return {};
		}
	}
	o.pr.bump_generation();
	return {};
}

// REGISTER AND MOVE (SPC-4 5.12.8): parameter list of its own format.
Result<void> pro_register_and_move(ProOut &o) {
	u8 b17 = MUST(o.params.get_u8(17));
	if (b17 & 0xfc)
		return param_field_error(o.ctx.cmd, 17, highest_bit(b17 & 0xfc));
	bool unreg = b17 & 0x02;
	bool aptpl = (b17 & kAptpl) || o.ctx.lu.attributes().force_pr_aptpl;
	u16 dest_rtpi = MUST(o.params.get_be16(18));
	usize tid_len = MUST(o.params.get_be32(20));
	if (!o.me || o.me->key != o.key || !o.pr.is_holder(o.me) ||
	    pr_type_all_registrants(o.pr.type())) {
		o.conflict();
		return {};
	}
	if (o.sa_key == 0)
		return param_field_error(o.ctx.cmd, 8, 7);
	PrPortId dest;
	usize bad = 0;
	Result<usize> len = parse_transport_id(MUST(o.params.subspan(24, tid_len)), &dest, &bad);
	if (len.is_error())
		return param_field_error(o.ctx.cmd, 24 + bad, 7);
	// The destination must be another I_T nexus.
	InitiatorPort d;
	d.protocol_id = dest.protocol_id;
	d.name = dest.name_view();
	d.isid = dest.isid_view();
	TargetPortInfo dest_port;
	dest_port.relative_port_id = dest_rtpi;
	if (dest_rtpi == o.rtpi && PrState::matches(*o.me, d, &dest_port, o.enforce))
		return param_field_error(o.ctx.cmd, 24, 7);
	PrRegistration *r = o.pr.find_port(dest, dest_rtpi, false, o.enforce);
	if (!r) {
		if (o.pr.count() >= PrState::kMaxRegistrations ||
		    !(r = PrState::make_registration()))
			return sense_error(SenseReason::kInsufficientRegistrationResources);
		r->port = dest;
		r->rtpi = dest_rtpi;
		r->generation = o.pr.generation();
		o.fill_target(r);
		o.pr.add(r);
	}
	r->key = o.sa_key;
	PrType t = o.pr.type();
	o.pr.release();
	o.pr.reserve(r, t);
	if (unreg) {
		o.pr.remove(o.me);
		o.me = nullptr;
	}
	o.pr.bump_generation();
	o.pr.set_aptpl(aptpl);
	return {};
}

void save_aptpl(LogicalUnit &lu, PrState &pr) {
	usize len = pr.format_aptpl(MutableBytes());
	u8 *buf = static_cast<u8 *>(alloc_raw(len, Gfp::Kernel));
	if (!buf) {
		log_err("lio: APTPL metadata: out of memory, not stored\n");
		return;
	}
	pr.format_aptpl(MutableBytes(buf, len));
	lu.save_pr_metadata(Bytes(buf, len));
	free_raw(buf);
}

} // namespace

Result<void> handle_persistent_reserve_out(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_pr)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	u8 sa = cdb.service_action();
	u8 scope = cdb[2] >> 4;
	u8 type = cdb[2] & 0x0f;
	if (sa == kReserve || sa == kRelease || sa == kPreempt || sa == kPreemptAndAbort) {
		if (scope != 0) // LU_SCOPE only
			return cdb_field_error(ctx.cmd, 2, 7);
		if (!pr_type_valid(type))
			return cdb_field_error(ctx.cmd, 2, 3);
	}
	usize plen = cdb.be32(5);
	Bytes data = ctx.cmd.data_out_buffer();
	if (plen < kBasicParamLen || data.size() < plen)
		return sense_error(SenseReason::kParameterListLength);
	Bytes p = MUST(data.subspan(0, plen));
	u8 flags = MUST(p.get_u8(20));
	if (sa == kRegisterAndMove) {
		if (kBasicParamLen + usize(MUST(p.get_be32(20))) > plen)
			return sense_error(SenseReason::kParameterListLength);
		flags = 0;
	} else {
		if (flags & kByte20Reserved)
			return param_field_error(ctx.cmd, 20, highest_bit(flags & kByte20Reserved));
		// force_pr_aptpl: as if every REGISTER asked for APTPL (as LIO).
		if (ctx.lu.attributes().force_pr_aptpl)
			flags |= kAptpl;
		if (flags & kSpecIPt) {
			if (sa != kRegister)
				return param_field_error(ctx.cmd, 20, 3);
			if (plen < kBasicParamLen + 4 ||
			    kBasicParamLen + 4 + usize(MUST(p.get_be32(24))) > plen)
				return sense_error(SenseReason::kParameterListLength);
		} else if (plen != kBasicParamLen) {
			return sense_error(SenseReason::kParameterListLength);
		}
	}
	PrState &pr = ctx.lu.state().pr();
	ProOut o{ctx,
		 pr,
		 sa,
		 static_cast<PrType>(type),
		 MUST(p.get_be64(0)),
		 MUST(p.get_be64(8)),
		 flags,
		 p,
		 ctx.lu.attributes().enforce_pr_isids,
		 ctx.nexus ? ctx.nexus->initiator_port() : InitiatorPort(),
		 ctx.nexus ? rtpi_of(*ctx.nexus) : u16(0),
		 nullptr};
	LockGuard guard(pr.mutex());
	if (o.port.name.size())
		o.me = pr.find(o.port, ctx.nexus->target_port(), o.enforce);
	bool was_aptpl = pr.aptpl();
	Result<void> r;
	switch (sa) {
	case kRegister:
	case kRegisterAndIgnore:
		r = pro_register(o);
		break;
	case kReserve:
		r = pro_reserve(o);
		break;
	case kRelease:
		r = pro_release(o);
		break;
	case kClear:
		r = pro_clear(o);
		break;
	case kPreempt:
	case kPreemptAndAbort:
		r = pro_preempt(o);
		break;
	case kRegisterAndMove:
		r = pro_register_and_move(o);
		break;
	default: // the opcode table has no other rows
		return cdb_field_error(ctx.cmd, 1, 4);
	}
	// APTPL: the state is stored after every change while APTPL is active, and once more
	// (as "none") when it is cleared. Still under the mutex: stored in the order made.
	if (r.is_ok() && !ctx.cmd.completed() && (was_aptpl || pr.aptpl()))
		save_aptpl(ctx.lu, pr);
	return r;
}

Result<void> handle_persistent_reserve_in(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_pr)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	Response r(ctx.cmd, cdb.be16(7));
	PrState &pr = ctx.lu.state().pr();
	LockGuard guard(pr.mutex());
	switch (cdb.service_action()) {
	case kReadKeys: {
		r.put_be32(0, pr.generation());
		usize off = 8;
		for (PrRegistration &reg : pr.registrations()) {
			r.put_be64(off, reg.key);
			off += 8;
		}
		r.put_be32(4, off - 8);
		break;
	}
	case kReadReservation:
		r.put_be32(0, pr.generation());
		r.put_be32(4, pr.type() == PrType::kNone ? 0 : 16);
		if (pr.type() != PrType::kNone) {
			// All-registrants types: the RESERVATION KEY is zero (SPC-4 6.15.3.3).
			r.put_be64(8, pr.holder() ? pr.holder()->key : 0);
			r.put(21, static_cast<u8>(pr.type()));
			r.extend(24);
		}
		break;
	case kReportCapabilities:
		r.put_be16(0, 8);
		r.put(2, 0x10 | 0x08 | 0x04 | 0x01); // CRH, SIP_C, ATP_C, PTPL_C
		// TMV, ALLOW COMMANDS 001b, PTPL_A.
		r.put(3, static_cast<u8>(0x80 | 0x10 | (pr.aptpl() ? 0x01 : 0)));
		// WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX.
		r.put(4, 0x80 | 0x40 | 0x20 | 0x08 | 0x02);
		r.put(5, 0x01);                             // EX_AC_AR
		r.extend(8);
		break;
	case kReadFullStatus: {
		r.put_be32(0, pr.generation());
		usize off = 8;
		for (PrRegistration &reg : pr.registrations()) {
			u8 tid[4 + kMaxInitiatorName + 5 + kIsidText + 8];
			usize tid_len =
			    format_transport_id(reg.port, MutableBytes(tid, sizeof(tid)));
			r.put_be64(off, reg.key);
			bool holder = pr.is_holder(&reg);
			r.put(off + 12,
			      static_cast<u8>((reg.all_tg_pt ? 0x02 : 0) | (holder ? 0x01 : 0)));
			if (holder)
				r.put(off + 13, static_cast<u8>(pr.type()));
			r.put_be16(off + 18, reg.all_tg_pt ? 0 : reg.rtpi);
			r.put_be32(off + 20, tid_len);
			for (usize i = 0; i < tid_len && i < sizeof(tid); i++)
				r.put(off + 24 + i, tid[i]);
			off += 24 + tid_len;
		}
		r.put_be32(4, off - 8);
		break;
	}
	default:
		return cdb_field_error(ctx.cmd, 1, 4);
	}
	r.finish();
	return {};
}

// ---- admission (opcode_table.cpp's execute()) ----

bool pr_conflict(LogicalUnit &lu, ItlNexus &nexus, u16 row_flags) {
	PrState &pr = lu.state().pr();
	if (!pr.reserved() || (row_flags & kOpPrAllowed))
		return false;
	bool enforce = lu.attributes().enforce_pr_isids;
	InitiatorPort port = nexus.initiator_port();
	LockGuard guard(pr.mutex());
	PrType t = pr.type();
	if (t == PrType::kNone)
		return false;
	PrRegistration *me =
	    port.name.size() ? pr.find(port, nexus.target_port(), enforce) : nullptr;
	if (pr.is_holder(me))
		return false;
	if (me && pr_type_registrants(t))
		return false;
	// Write Exclusive types: commands that only read are open to every I_T nexus.
	bool reads_only = (row_flags & kOpPrRead) && !(row_flags & kOpWritesMedium);
	if (reads_only && pr_type_write_exclusive(t))
		return false;
	return true;
}

} // namespace lio::scsi
