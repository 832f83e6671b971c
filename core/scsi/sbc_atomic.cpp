// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc_atomic.cpp: WRITE ATOMIC(16) (SBC-4 5.48, atomic writes 4.29).
 *
 * What "atomic" means here:
 * - Against every other command that writes the LU (WRITE*, WRITE SAME, UNMAP, COMPARE AND
 *   WRITE, ORWRITE, WRITE ATOMIC itself): the write runs under the LU's exclusive write hold
 *   (LuState::ExclusiveWrite), so no other write lands between, or inside, its blocks.
 *   READs do not take the hold: a READ overlapping a WRITE ATOMIC in flight may see a mix of
 *   old and new blocks (as it may with COMPARE AND WRITE).
 * - Against the medium, all-or-nothing only as far as the backstore's one write call is:
 *   rd_mcp copies into memory (nothing survives a target reboot anyway); fileio is one
 *   pwritev (O_DSYNC unless Buffered-WCE), which a host crash or a failure half-way (ENOSPC on
 *   a sparse file, EIO) can leave torn; iblock submits bios without REQ_ATOMIC, which a power
 *   loss can tear on the drive. A failed write answers CHECK CONDITION (WRITE ERROR or the
 *   backstore's sense) and the blocks may then hold old and new data.
 *
 * The Block Limits VPD page (spc.cpp) reports max_atomic_transfer_blocks(), the LU's
 * atomic_alignment and atomic_granularity, and 0 for both atomic boundary fields: ATOMIC
 * BOUNDARY is not supported, its CDB bytes are outside the row's usage mask (a non-zero
 * value is INVALID FIELD IN CDB pointing at it, as SBC-4 asks when MAXIMUM ATOMIC BOUNDARY
 * SIZE is 0).
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

u32 max_atomic_transfer_blocks(const LogicalUnit &lu) {
	LuAttributes a = lu.attributes();
	u32 bs = lu.block_size();
	u32 n = bs ? static_cast<u32>(kMaxAtomicTransferBytes / bs) : 1;
	if (n == 0)
		n = 1;
	if (n > 0xffff)
		n = 0xffff; // the CDB's TRANSFER LENGTH is 16 bits
	if (a.hw_max_sectors && n > a.hw_max_sectors)
		n = a.hw_max_sectors;
	return n;
}

Result<void> handle_write_atomic16(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	if ((cdb[1] & 0xe0) && a.pi_prot_type == 0)
		return cdb_field_error(ctx.cmd, 1, 7); // WRPROTECT
	if (cdb.bit(1, 4) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 1, 4); // DPO
	if (cdb.bit(1, 3) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 1, 3); // FUA
	u64 lba = cdb.be64(2);
	u32 len = cdb.be16(12);
	// The range first: an LBA outside the medium is LBA OUT OF RANGE whatever the length
	// (libiscsi's beyond-end cases send lengths above the atomic maximum).
	TRY(check_lba_range(ctx, lba, len));
	if (len > max_atomic_transfer_blocks(ctx.lu))
		return cdb_field_error(ctx.cmd, 12, 7);
	if (a.atomic_granularity > 1 && len % a.atomic_granularity)
		return cdb_field_error(ctx.cmd, 12, 7);
	if (a.atomic_alignment > 1 && lba % a.atomic_alignment)
		return cdb_field_error(ctx.cmd, 2, 7);
	// All or nothing: a data-out that is not exactly the blocks asked for is refused, not
	// written in part as WRITE does (data_out_blocks()).
	u64 bytes = u64(len) * ctx.lu.block_size();
	DataBuf data = ctx.cmd.data_out();
	if (data.size() != bytes)
		return transfer_length_mismatch(ctx.cmd, bytes);
	if (!len)
		return {};
	LuState::ExclusiveWrite serial(ctx.lu.state());
	Result<void> r = ctx.lu.write(lba, len, data, cdb.bit(1, 3));
	if (r.is_error())
		return io_error(r.error(), SenseReason::kWriteError);
	return {};
}

} // namespace lio::scsi
