// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/opcode_table.h: the one description of every command the engine implements.
 *
 * One OpcodeRow per (operation code, service action). The same row drives dispatch (its
 * handler), CDB validation (its length and usage mask: a bit set = the bit may be set in a
 * CDB; every other bit is reserved and set -> INVALID FIELD IN CDB pointing at it), admission
 * (its flags) and REPORT SUPPORTED OPERATION CODES (name aside, everything RSOC says comes
 * from here). Operation codes with service actions have a row whose sa_rows lists the
 * service actions; that row has no handler of its own. Adding a command = adding a row.
 *
 * Not yet present (rows to come): the token-based copy service actions (POPULATE TOKEN
 * 0x83/0x10, WRITE USING TOKEN 0x83/0x11, RECEIVE ROD TOKEN INFORMATION 0x84/0x07) and
 * EXTENDED COPY(LID4) (0x83/0x01), ORWRITE(32) and WRITE SAME(32) (0x7F/0x0E, 0x0D: READ,
 * VERIFY, WRITE, WRITE AND VERIFY(32) are present, for type 2 protection), SANITIZE, FORMAT
 * UNIT, LOG SENSE/SELECT, SEND/RECEIVE DIAGNOSTIC. INQUIRY's SCCS/3PC switch on by themselves
 * when the rows they need appear (SCCS did with REPORT TARGET PORT GROUPS, 3PC with EXTENDED
 * COPY(LID1), VPD 0xB0's compare-and-write length with COMPARE AND WRITE, its atomic fields
 * with WRITE ATOMIC(16)); TPGS follows the nexus's target port group.
 *
 * Admission (execute()), in this order (SAM-5 5.14, SPC-2 5.5.1, SPC-4): CDB validation
 * (opcode, length, service action, reserved bits); a pending unit attention of the nexus
 * fails the command with CHECK CONDITION and is consumed, unless the row has kOpOkWithUa
 * (INQUIRY, REPORT LUNS, REQUEST SENSE); the ALUA access state of the nexus's target port
 * group refuses it with NOT READY unless the state admits it (SPC-4 5.16.2, alua.cpp); an
 * SPC-2 reservation held by another I_T nexus fails it with RESERVATION CONFLICT unless the
 * row has kOpOkUnderConflict; a persistent reservation fails it with RESERVATION CONFLICT
 * unless the nexus holds it, or the row has kOpPrAllowed, or the row has kOpPrRead (and does
 * not write) under a Write Exclusive type, or the nexus is registered under a
 * registrants-only/all-registrants type (spc_pr.cpp's pr_conflict(), SPC-4 5.12.10 / SBC-3
 * 4.17.2); a medium-writing command on a read-only LU fails with WRITE PROTECTED; then the
 * handler runs.
 */
#ifndef LIO_CORE_SCSI_OPCODE_TABLE_H
#define LIO_CORE_SCSI_OPCODE_TABLE_H

#include "core/scsi/command.h"
#include "core/scsi/logical_unit.h"
#include "core/scsi/nexus.h"
#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::scsi {

struct OpcodeRow;

// What a handler works on. The dispatcher has validated the CDB against `row`.
struct ExecContext {
	Command &cmd;
	LogicalUnit &lu;
	const LunMap *luns; // null: REPORT LUNS reports LUN 0 only
	const OpcodeRow &row;
	ItlNexus *nexus;    // null: no unit attentions, no reservations
};

// Returns success (the handler has set data-in length/residual as needed) or an Error whose
// SenseReason (sense.h) becomes CHECK CONDITION; details go to cmd.sense_detail().
using Handler = Result<void> (*)(ExecContext &ctx);

enum class DataDirection : u8 { kNone, kIn, kOut, kBidi };

// Admission flags.
enum OpFlag : u16 {
	kOpServiceAction = 1 << 0,     // the row has sa_rows (5-bit SA in byte 1)
	kOpOkWhileNotReady = 1 << 1,   // executes while the LU is not ready
	kOpOkUnderConflict = 1 << 2,   // allowed under a reservation held by another nexus
	kOpReadsMedium = 1 << 3,
	kOpWritesMedium = 1 << 4,      // refused with WRITE PROTECTED on a read-only LU
	kOpOkWithUa = 1 << 5,          // not failed by a pending unit attention (INQUIRY, ...)
	kOpDirectData = 1 << 6,        // the handler uses data_in()/data_out(): never bounced
	// Byte 1 bits 7:5 (SCSI-2's LUN field) are ignored, not refused: Linux fills them in
	// when it probes a LUN of a target without LUN 0 (INQUIRY). Not reported by RSOC.
	kOpLegacyLunField = 1 << 7,
	// With kOpServiceAction: a variable-length CDB (0x7F), whose SERVICE ACTION is bytes 8-9
	// (SPC-4 4.2.4) and whose CONTROL byte is byte 1.
	kOpVariableLength = 1 << 8,
	// ---- persistent reservations ---- (SPC-4 5.12.10, SBC-3 4.17.2; high bits, apart)
	kOpPrRead = 1 << 13,    // under a Write Exclusive type, allowed from every I_T nexus
	kOpPrAllowed = 1 << 14, // allowed under every persistent reservation type
};

struct OpcodeRow {
	static constexpr usize kMaxUsage = 32;

	u8 opcode;
	u8 service_action;   // meaningful in sa_rows only
	u8 cdb_length;
	DataDirection direction;
	u16 flags;           // OpFlag
	const char *name;
	u8 usage[kMaxUsage]; // [0] = 0xff; [cdb_length - 1] = the CONTROL byte's mask
	Handler handler;     // null on a row with sa_rows
	const OpcodeRow *sa_rows;
	u8 sa_count;

	constexpr bool has_service_actions() const { return (flags & kOpServiceAction) != 0; }
	constexpr Span<const OpcodeRow> service_actions() const {
		return Span<const OpcodeRow>(sa_rows, sa_count);
	}
};

// The table (sorted by opcode; service-action sub-tables sorted by SA).
Span<const OpcodeRow> opcode_rows();
const OpcodeRow *find_opcode(u8 opcode);
const OpcodeRow *find_service_action(const OpcodeRow &parent, u8 service_action);

// Executes one command on `lu` as seen through `nexus` (null: none, see ExecContext): look-up,
// CDB checks, admission (above), handler. Always completes the command: GOOD (or CONDITION
// MET), CHECK CONDITION with sense, or RESERVATION CONFLICT. Process context (may sleep).
void execute(Command &cmd, LogicalUnit &lu, ItlNexus *nexus, const LunMap *luns);

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_OPCODE_TABLE_H
