// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc_reserve.cpp: SPC-2 RESERVE(6/10) and RELEASE(6/10): a logical unit
 * reservation held by one I_T nexus (LuState). Third-party and extent reservations are
 * outside the usage masks (INVALID FIELD IN CDB). Admission already refused a RESERVE from
 * another nexus while the LU is reserved; the check is repeated here under LuState's lock,
 * since two nexuses may race to reserve. Neither command establishes a unit attention
 * (SPC-2: RESERVE and RELEASE change nothing another initiator must be told about).
 *
 * Beside persistent reservations (CRH = 1, SPC-4 5.12.3): while PR registrations exist,
 * both complete with GOOD and change nothing when they come from the persistent reservation
 * holder (or from a registrant under a registrants-only or all-registrants reservation);
 * from any other I_T nexus they conflict. emulate_pr = 0 makes both unsupported, as LIO.
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

namespace {

// ---- persistent reservations ----
enum class Crh : u8 { kSpc2, kGood, kConflict };

Crh crh_check(ExecContext &ctx) {
	PrState &pr = ctx.lu.state().pr();
	if (!pr.any_registration())
		return Crh::kSpc2;
	bool enforce = ctx.lu.attributes().enforce_pr_isids;
	InitiatorPort port = ctx.nexus->initiator_port();
	const TargetPortInfo *tp = ctx.nexus->target_port();
	LockGuard guard(pr.mutex());
	if (pr.count() == 0)
		return Crh::kSpc2;
	PrRegistration *me =
	    port.name.size() ? pr.find(port, tp, enforce) : nullptr;
	if (pr.is_holder(me) || (me && pr_type_registrants(pr.type())))
		return Crh::kGood;
	return Crh::kConflict;
}

} // namespace

Result<void> handle_reserve(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_pr)
		return sense_error(SenseReason::kInvalidOpcode);
	if (!ctx.nexus)
		return {}; // no I_T nexus to hold it (internal commands, tests)
	Crh crh = crh_check(ctx);
	if (crh == Crh::kConflict)
		ctx.cmd.complete_reservation_conflict();
	if (crh != Crh::kSpc2)
		return {};
	if (!ctx.lu.state().reserve(ctx.nexus->it_nexus_id()))
		ctx.cmd.complete_reservation_conflict();
	return {};
}

// A RELEASE from a nexus that does not hold the reservation is GOOD and changes nothing.
Result<void> handle_release(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_pr)
		return sense_error(SenseReason::kInvalidOpcode);
	if (!ctx.nexus)
		return {};
	Crh crh = crh_check(ctx);
	if (crh == Crh::kConflict)
		ctx.cmd.complete_reservation_conflict();
	if (crh != Crh::kSpc2)
		return {};
	ctx.lu.state().release(ctx.nexus->it_nexus_id());
	return {};
}

} // namespace lio::scsi
