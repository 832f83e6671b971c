// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc.cpp: SBC-3 block commands: READ/WRITE(6/10/12/16), READ CAPACITY(10/16),
 * SYNCHRONIZE CACHE(10/16), GET LBA STATUS, START STOP UNIT, PRE-FETCH(10/16), PREVENT ALLOW
 * MEDIUM REMOVAL. Parse and check first, then one call into the LogicalUnit.
 */
#include "core/scsi/handlers.h"
#include "lio/alloc.h"

namespace lio::scsi {

Result<u32> check_rw(ExecContext &ctx, u64 *lba_out) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	u64 lba = cdb.block_lba();
	u32 len = cdb.block_transfer_length();
	if (ctx.row.cdb_length > 6) {
		TRY(pi_protect_field(ctx)); // RDPROTECT/WRPROTECT (T10-PI, sbc_pi.cpp)
		if (cdb.bit(1, 4) && !a.emulate_fua_write)
			return cdb_field_error(ctx.cmd, 1, 4); // DPO
		if (cdb.bit(1, 3) && !a.emulate_fua_write)
			return cdb_field_error(ctx.cmd, 1, 3); // FUA
	}
	if (a.hw_max_sectors && len > a.hw_max_sectors)
		return cdb_field_error(ctx.cmd, cdb.block_transfer_length_offset(), 7);
	TRY(check_lba_range(ctx, lba, len));
	*lba_out = lba;
	return len;
}

Result<u32> data_out_blocks(ExecContext &ctx, u32 blocks) {
	u64 bs = ctx.lu.block_size();
	u64 want = u64(blocks) * bs;
	u64 have = ctx.cmd.data_out().size();
	if (have == want)
		return blocks;
	if (have < want && have % bs)
		return transfer_length_mismatch(ctx.cmd, want);
	ctx.cmd.set_data_out_residual(want);
	return have < want ? static_cast<u32>(have / bs) : blocks;
}

// The initiator may expect less than the CDB asks for (residual overflow): as much as fits is
// transferred, a partial last block through a one-block bounce buffer. More than asked for:
// residual underflow.
Result<void> handle_read(ExecContext &ctx) {
	u64 lba = 0;
	u32 len = TRY(check_rw(ctx, &lba));
	u8 protect = ctx.row.cdb_length > 6 ? ctx.cmd.cdb()[1] >> 5 : 0;
	if (pi_path(ctx, protect))
		return pi_read(ctx, lba, len, protect);
	u64 bs = ctx.lu.block_size();
	u64 bytes = len * bs;
	DataBuf buf = ctx.cmd.data_in();
	u64 have = buf.size();
	u32 whole = bytes <= have ? len : static_cast<u32>(have / bs);
	if (whole) {
		Result<void> r = ctx.lu.read(lba, whole, buf.slice(0, whole * bs));
		if (r.is_error())
			return io_error(r.error(), SenseReason::kUnrecoveredReadError);
	}
	u64 made = whole * bs;
	if (whole < len && have > made) {
		u8 *bounce = static_cast<u8 *>(alloc_raw(bs, Gfp::NoIo));
		if (!bounce)
			return sense_error(SenseReason::kInsufficientResources);
		Result<void> r = ctx.lu.read(lba + whole, 1, DataBuf(MutableBytes(bounce, bs)));
		if (r.is_ok())
			buf.copy_from(made, Bytes(bounce, have - made));
		free_raw(bounce);
		if (r.is_error())
			return io_error(r.error(), SenseReason::kUnrecoveredReadError);
		made = have;
	}
	ctx.cmd.set_data_in_length(made);
	if (bytes > made)
		ctx.cmd.set_residual(Residual::kOverflow, bytes - made);
	else if (have > bytes)
		ctx.cmd.set_residual(Residual::kUnderflow, have - bytes);
	return {};
}

Result<void> handle_write(ExecContext &ctx) {
	u64 lba = 0;
	u32 len = TRY(check_rw(ctx, &lba));
	bool fua = ctx.row.cdb_length > 6 && ctx.cmd.cdb().bit(1, 3);
	u8 protect = ctx.row.cdb_length > 6 ? ctx.cmd.cdb()[1] >> 5 : 0;
	// WRPROTECT != 0: tuples interleaved in data-out (sbc_pi.cpp); 0 on a PI LU: the LU
	// generates them (logical_unit.h).
	if (protect)
		return pi_write(ctx, lba, len, protect, fua, false);
	u32 n = TRY(data_out_blocks(ctx, len));
	if (!n)
		return {};
	u64 bs = ctx.lu.block_size();
	LuState::SharedWrite serial(ctx.lu.state());
	Result<void> r = ctx.lu.write(lba, n, ctx.cmd.data_out().slice(0, n * bs), fua);
	if (r.is_error())
		return io_error(r.error(), SenseReason::kWriteError);
	return {};
}

Result<void> handle_read_capacity10(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	if (!cdb.bit(8, 0) && cdb.be32(2) != 0)
		return cdb_field_error(ctx.cmd, 2, 7); // LBA without PMI
	u64 nb = ctx.lu.num_blocks();
	u64 last = nb ? nb - 1 : 0;
	Response r(ctx.cmd, 8);
	r.put_be32(0, last > 0xffffffffull ? 0xffffffffu : static_cast<u32>(last));
	r.put_be32(4, ctx.lu.block_size());
	r.finish();
	return {};
}

Result<void> handle_read_capacity16(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	if (!cdb.bit(14, 0) && cdb.be64(2) != 0)
		return cdb_field_error(ctx.cmd, 2, 7);
	LuAttributes a = ctx.lu.attributes();
	u64 nb = ctx.lu.num_blocks();
	Response r(ctx.cmd, cdb.be32(10));
	r.put_be64(0, nb ? nb - 1 : 0);
	r.put_be32(8, ctx.lu.block_size());
	// 12: P_TYPE (type - 1) / PROT_EN (T10-PI, sbc_pi.cpp); 13: exponents 0.
	if (a.pi_prot_type)
		r.put(12, static_cast<u8>(((a.pi_prot_type - 1) << 1) | 0x01));
	if (a.emulate_tpu || a.emulate_tpws) {
		u8 b14 = 0x80; // LBPME
		if (a.unmap_zeroes_data)
			b14 |= 0x40; // LBPRZ
		r.put(14, b14);
	}
	r.extend(32);
	r.finish();
	return {};
}

Result<void> handle_synchronize_cache(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool sixteen = ctx.row.cdb_length == 16;
	u64 lba = cdb.block_lba();
	u64 blocks = sixteen ? cdb.be32(10) : cdb.be16(7);
	TRY(check_lba_range(ctx, lba, blocks));
	// IMMED is accepted; the flush completes before status either way.
	return ctx.lu.flush(lba, blocks);
}

// START STOP UNIT (SBC-3 5.25): an emulated medium is always started. POWER CONDITION,
// LOEJ and NO_FLUSH are outside the usage mask; START = 0 (stop) is refused as LIO does.
Result<void> handle_start_stop_unit(ExecContext &ctx) {
	if (!ctx.cmd.cdb().bit(4, 0))
		return cdb_field_error(ctx.cmd, 4, 0);
	return {};
}

Result<void> handle_get_lba_status(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	u64 lba = cdb.be64(2);
	u64 nb = ctx.lu.num_blocks();
	if (lba >= nb)
		return sense_error(SenseReason::kLbaOutOfRange);
	// The LogicalUnit does not report allocation yet: one descriptor, all mapped.
	u64 count = nb - lba;
	Response r(ctx.cmd, cdb.be32(10));
	r.put_be32(0, 20);
	r.put_be64(8, lba);
	r.put_be32(16, count > 0xffffffffull ? 0xffffffffu : static_cast<u32>(count));
	r.put(20, 0x00); // PROVISIONING STATUS: mapped
	r.extend(24);
	r.finish();
	return {};
}

// PRE-FETCH (SBC-4 5.9, 5.10): our backstores have nothing to stage (ramdisk is memory,
// fileio reads through the page cache), so every in-range request "fits in the cache" and
// completes with CONDITION MET, with IMMED or without. A PREFETCH LENGTH of 0 means to the end
// of the medium; only the LBA is checked then.
Result<void> handle_pre_fetch(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	TRY(check_lba_range(ctx, cdb.block_lba(), cdb.block_transfer_length()));
	ctx.cmd.set_condition_met();
	return {};
}

// PREVENT ALLOW MEDIUM REMOVAL (SPC-4 6.13, SBC-4): the medium is not removable (RMB = 0),
// so PREVENT 00b (allow) and 01b (prevent) have nothing to act on and complete GOOD; 10b and
// 11b are obsolete in SBC-4 and refused. PREVENT = 0 is allowed under another nexus's
// SPC-2 reservation, a prevent is not (the row lets both through admission).
Result<void> handle_prevent_allow(ExecContext &ctx) {
	u8 prevent = ctx.cmd.cdb()[4] & 0x03;
	if (prevent > 1)
		return cdb_field_error(ctx.cmd, 4, 1);
	if (prevent && ctx.nexus && ctx.lu.state().reservation_conflict(ctx.nexus->it_nexus_id()))
		ctx.cmd.complete_reservation_conflict();
	return {};
}

} // namespace lio::scsi
