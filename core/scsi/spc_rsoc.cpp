// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc_rsoc.cpp: REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK
 * MANAGEMENT FUNCTIONS (SPC-4 6.35, 6.36). RSOC reads the opcode table: whatever has a row
 * is reported, with the row's CDB length and usage mask, and nothing else.
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

namespace {

constexpr usize kTimeoutsDescriptorLength = 12;

// Commands that a device attribute turns off answer INVALID COMMAND OPERATION CODE (as
// LIO's): RSOC leaves them out for that logical unit too, since it reports the commands the
// logical unit supports (SPC-4 6.35.1), and so does LIO's (its per-command "enabled" checks).
bool row_enabled(const LuAttributes &a, const OpcodeRow &row) {
	switch (row.opcode) {
	case 0x42: // UNMAP
		return a.emulate_tpu;
	case 0x89: // COMPARE AND WRITE
		return a.emulate_caw;
	case 0x7f: // the 32-byte CDBs: type 2 protection only (sbc_pi.cpp)
		return a.pi_prot_type == 2;
	// ---- persistent reservations ---- (emulate_pr = 0 turns reservations off, as LIO)
	case 0x16: // RESERVE(6)
	case 0x17: // RELEASE(6)
	case 0x56: // RESERVE(10)
	case 0x57: // RELEASE(10)
	case 0x5e: // PERSISTENT RESERVE IN
	case 0x5f: // PERSISTENT RESERVE OUT
		return a.emulate_pr;
	default:
		return true;
	}
}

// Command timeouts descriptor: no nominal or recommended timeout is specified (0).
usize put_timeouts(Response &r, usize off) {
	r.put_be16(off, kTimeoutsDescriptorLength - 2);
	r.extend(off + kTimeoutsDescriptorLength);
	return kTimeoutsDescriptorLength;
}

// "All commands" descriptor of one row; returns its length.
usize put_command_descriptor(Response &r, usize off, const OpcodeRow &row, bool sa, bool rctd) {
	r.put(off, row.opcode);
	if (sa)
		r.put_be16(off + 2, row.service_action);
	u8 flags = 0;
	if (rctd)
		flags |= 0x02; // CTDP
	if (sa)
		flags |= 0x01; // SERVACTV
	r.put(off + 5, flags);
	r.put_be16(off + 6, row.cdb_length);
	r.extend(off + 8);
	usize n = 8;
	if (rctd)
		n += put_timeouts(r, off + 8);
	return n;
}

// CDB USAGE DATA: the mask, with the operation code in byte 0 and the service action in
// its field (SPC-4 6.35.3).
void put_usage(Response &r, usize off, const OpcodeRow &row, bool sa) {
	for (usize i = 0; i < row.cdb_length; i++)
		r.put(off + i, row.usage[i]);
	r.put(off, row.opcode);
	if (sa && row.cdb_length == 32) // variable-length CDB: bytes 8-9
		r.put_be16(off + 8, row.service_action);
	else if (sa)
		r.put(off + 1, static_cast<u8>((row.usage[1] & ~0x1f) | row.service_action));
}

} // namespace

Result<void> handle_report_supported_opcodes(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool rctd = cdb.bit(2, 7);
	u8 options = cdb[2] & 0x07;
	u8 req_op = cdb[3];
	u16 req_sa = cdb.be16(4);
	Response r(ctx.cmd, cdb.be32(6));
	LuAttributes a = ctx.lu.attributes();

	if (options == 0) {
		usize off = 4;
		for (const OpcodeRow &row : opcode_rows()) {
			if (!row_enabled(a, row))
				continue;
			if (row.has_service_actions()) {
				for (const OpcodeRow &s : row.service_actions())
					off += put_command_descriptor(r, off, s, true, rctd);
			} else {
				off += put_command_descriptor(r, off, row, false, rctd);
			}
		}
		r.put_be32(0, off - 4);
		r.extend(off);
		r.finish();
		return {};
	}

	// One command: 1 = opcode without SA, 2 = opcode + SA, 3 = either (SPC-4).
	if (options > 3)
		return cdb_field_error(ctx.cmd, 2, 2);
	const OpcodeRow *row = find_opcode(req_op);
	bool sa = false;
	if (row && row->has_service_actions()) {
		if (options == 1)
			return cdb_field_error(ctx.cmd, 2, 2);
		sa = true;
		row = req_sa <= 0x1f ? find_service_action(*row, static_cast<u8>(req_sa)) : nullptr;
	} else if (row && options == 2) {
		return cdb_field_error(ctx.cmd, 2, 2);
	} else if (row && options == 3 && req_sa != 0) {
		row = nullptr; // no such service action for an opcode without any
	}
	if (row && !row_enabled(a, *row))
		row = nullptr;
	if (!row) {
		r.put(1, 0x01); // SUPPORT: not supported
		r.extend(4);
		r.finish();
		return {};
	}
	r.put(1, static_cast<u8>((rctd ? 0x80 : 0) | 0x03)); // CTDP, SUPPORT: standard
	r.put_be16(2, row->cdb_length);
	put_usage(r, 4, *row, sa);
	usize off = 4 + row->cdb_length;
	r.extend(off);
	if (rctd)
		off += put_timeouts(r, off);
	r.finish();
	return {};
}

// What the task management layer will implement (LIO's set): ABORT TASK, ABORT TASK SET,
// CLEAR TASK SET, LOGICAL UNIT RESET; I_T NEXUS RESET.
constexpr u8 kTmfByte0 = 0x80 | 0x40 | 0x10 | 0x08; // ATS, ATSS, CTSS, LURS
constexpr u8 kTmfByte1 = 0x01;                      // ITNRS

Result<void> handle_report_supported_tmfs(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool repd = cdb.bit(2, 7);
	u32 alloc = cdb.be32(6);
	if (alloc < 4)
		return cdb_field_error(ctx.cmd, 6, 7);
	Response r(ctx.cmd, alloc);
	r.put(0, kTmfByte0);
	r.put(1, kTmfByte1);
	if (repd) {
		r.put(3, 0x0c); // ADDITIONAL DATA LENGTH: extended format, 16 bytes
		r.extend(16);
	} else {
		r.extend(4);
	}
	r.finish();
	return {};
}

} // namespace lio::scsi
