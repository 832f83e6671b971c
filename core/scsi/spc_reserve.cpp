// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc_reserve.cpp: SPC-2 RESERVE(6/10) and RELEASE(6/10): a logical unit
 * reservation held by one I_T nexus (LuState). Third-party and extent reservations are
 * outside the usage masks (INVALID FIELD IN CDB). Admission already refused a RESERVE from
 * another nexus while the LU is reserved; the check is repeated here under LuState's lock,
 * since two nexuses may race to reserve. Neither command establishes a unit attention
 * (SPC-2: RESERVE and RELEASE change nothing another initiator must be told about).
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

Result<void> handle_reserve(ExecContext &ctx) {
	if (!ctx.nexus)
		return {}; // no I_T nexus to hold it (internal commands, tests)
	if (!ctx.lu.state().reserve(ctx.nexus->it_nexus_id()))
		ctx.cmd.complete_reservation_conflict();
	return {};
}

// A RELEASE from a nexus that does not hold the reservation is GOOD and changes nothing.
Result<void> handle_release(ExecContext &ctx) {
	if (ctx.nexus)
		ctx.lu.state().release(ctx.nexus->it_nexus_id());
	return {};
}

} // namespace lio::scsi
