// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc_compare.cpp: the block commands that read the medium back to compare or
 * merge: VERIFY(10/12/16) with BYTCHK, WRITE AND VERIFY(10/12/16), COMPARE AND WRITE and
 * ORWRITE(16) (SBC-4 5.3, 5.10, 5.31-5.34). Data-out is used in place (scatter-gather);
 * blocks read back go through a bounded scratch buffer, chunk by chunk.
 */
#include "core/scsi/handlers.h"
#include "lio/alloc.h"

namespace lio::scsi {

BlockScratch::BlockScratch(u32 block_size, u64 blocks) : bs_(block_size) {
	u64 fit = kScratchMax / block_size;
	if (fit == 0)
		fit = 1;
	blocks_ = static_cast<u32>(blocks < fit ? (blocks ? blocks : 1) : fit);
	data_ = static_cast<u8 *>(alloc_raw(usize(blocks_) * bs_, Gfp::Kernel));
}

BlockScratch::~BlockScratch() { free_raw(data_); }

namespace {

Error miscompare(ExecContext &ctx, u64 offset) {
	SenseDetail &d = ctx.cmd.sense_detail();
	d.has_information = true;
	d.information = offset;
	return sense_error(SenseReason::kMiscompareDuringVerify);
}

Result<void> read_chunk(ExecContext &ctx, u64 lba, u32 blocks, MutableBytes into) {
	Result<void> r = ctx.lu.read(lba, blocks, DataBuf(into));
	if (r.is_error())
		return io_error(r.error(), SenseReason::kUnrecoveredReadError);
	return {};
}

} // namespace

Result<void> compare_medium(ExecContext &ctx, u64 lba, u32 blocks, const DataBuf &expected,
			    bool repeat) {
	u32 bs = ctx.lu.block_size();
	BlockScratch scratch(bs, blocks);
	if (!scratch.ok())
		return sense_error(SenseReason::kInsufficientResources);
	for (u32 done = 0; done < blocks;) {
		u32 n = min(scratch.blocks(), blocks - done);
		MutableBytes got = scratch.bytes(n);
		TRY(read_chunk(ctx, lba + done, n, got));
		usize diff = 0;
		if (!repeat) {
			if (!expected.compare(usize(done) * bs, got, &diff))
				return miscompare(ctx, u64(done) * bs + diff);
		} else {
			for (u32 b = 0; b < n; b++) {
				Bytes one(got.data() + usize(b) * bs, bs);
				if (!expected.compare(0, one, &diff))
					return miscompare(ctx, (u64(done) + b) * bs + diff);
			}
		}
		done += n;
	}
	return {};
}

// VERIFY (SBC-4 5.31-5.33). BYTCHK 00b: check the medium only, which an emulated medium
// always passes (the range is checked); 01b: compare VERIFICATION LENGTH blocks of data-out;
// 11b: compare one block of data-out with every block (INFORMATION counts bytes of the
// blocks read, so it names the block as well); 10b is reserved.
Result<void> handle_verify(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	u8 bytchk = (cdb[1] >> 1) & 0x03;
	u8 protect = TRY(pi_protect_field(ctx)); // VRPROTECT (T10-PI, sbc_pi.cpp)
	if (cdb.bit(1, 4) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 1, 4); // DPO
	if (bytchk == 2)
		return cdb_field_error(ctx.cmd, 1, 2);
	u64 lba = cdb.block_lba();
	u32 blocks = cdb.block_transfer_length();
	if (bytchk == 1 && a.hw_max_sectors && blocks > a.hw_max_sectors)
		return cdb_field_error(ctx.cmd, cdb.block_transfer_length_offset(), 7);
	TRY(check_lba_range(ctx, lba, blocks));
	if (pi_path(ctx, protect))
		return pi_verify(ctx, lba, blocks, protect, bytchk);
	u64 bs = ctx.lu.block_size();
	u64 want = bytchk == 0 || blocks == 0 ? 0 : bytchk == 1 ? blocks * bs : bs;
	DataBuf data = ctx.cmd.data_out();
	if (data.size() != want)
		return transfer_length_mismatch(ctx.cmd, want);
	if (want == 0)
		return {};
	return compare_medium(ctx, lba, blocks, data, bytchk == 3);
}

// WRITE AND VERIFY (SBC-4 5.34-5.36): the write is made durable (FUA) so that the verify
// reads what the medium holds. BYTCHK 00b: medium verify only (always passes, as above);
// 01b: read back and compare with data-out; 10b/11b are reserved. A data-out buffer that
// differs from the transfer length is handled as WRITE handles it (data_out_blocks()).
Result<void> handle_write_and_verify(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	u8 bytchk = (cdb[1] >> 1) & 0x03;
	if (bytchk > 1)
		return cdb_field_error(ctx.cmd, 1, 2);
	u64 lba = 0;
	u32 len = TRY(check_rw(ctx, &lba));
	if (u8 protect = cdb[1] >> 5) // T10-PI: tuples interleaved in data-out
		return pi_write(ctx, lba, len, protect, true, bytchk == 1);
	u32 n = TRY(data_out_blocks(ctx, len));
	if (!n)
		return {};
	DataBuf data = ctx.cmd.data_out().slice(0, usize(n) * ctx.lu.block_size());
	LuState::SharedWrite serial(ctx.lu.state());
	Result<void> r = ctx.lu.write(lba, n, data, true);
	if (r.is_error())
		return io_error(r.error(), SenseReason::kWriteError);
	if (bytchk == 1)
		return compare_medium(ctx, lba, n, data, false);
	return {};
}

// COMPARE AND WRITE (SBC-4 5.3): data-out holds NUMBER OF LOGICAL BLOCKS blocks to compare,
// then as many to write. Compare and write run under the LU's exclusive write hold, so no
// other write lands between them. INFORMATION of a miscompare is the offset in data-out.
Result<void> handle_compare_and_write(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	if (!a.emulate_caw)
		return sense_error(SenseReason::kInvalidOpcode); // as LIO: not offered at all
	// WRPROTECT: without protection information refused; with it, not implemented here
	// (WRPROTECT = 0 compares data and the LU generates the tuples of what it writes).
	if (cdb[1] & 0xe0)
		return cdb_field_error(ctx.cmd, 1, 7);
	if (cdb.bit(1, 4) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 1, 4); // DPO
	if (cdb.bit(1, 3) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 1, 3); // FUA
	u64 lba = cdb.be64(2);
	u32 n = cdb[13];
	DataBuf data = ctx.cmd.data_out();
	if (n > max_compare_and_write_blocks(a))
		return cdb_field_error(ctx.cmd, 13, 7);
	// NUMBER OF LOGICAL BLOCKS 0 is not an error (SBC-4: nothing compared or written), but
	// with data-out it is a wrong CDB (as 256 blocks written into the 8-bit field would be),
	// refused as one: the initiator sent blocks the field does not count.
	if (n == 0 && data.size()) {
		ctx.cmd.set_data_out_residual(0);
		return cdb_field_error(ctx.cmd, 13, 7);
	}
	TRY(check_lba_range(ctx, lba, n));
	u64 bytes = u64(n) * ctx.lu.block_size();
	if (data.size() != 2 * bytes)
		return transfer_length_mismatch(ctx.cmd, 2 * bytes);
	if (!n)
		return {};
	LuState::ExclusiveWrite serial(ctx.lu.state());
	TRY(compare_medium(ctx, lba, n, data.slice(0, bytes), false));
	Result<void> r = ctx.lu.write(lba, n, data.slice(bytes, bytes), cdb.bit(1, 3));
	if (r.is_error())
		return io_error(r.error(), SenseReason::kWriteError);
	return {};
}

// ORWRITE(16) (SBC-4 5.10, BMOP 000b as the 16-byte CDB has no BMOP): each block becomes
// (medium OR data-out), read-modify-write under the exclusive hold as COMPARE AND WRITE.
Result<void> handle_orwrite(ExecContext &ctx) {
	if (ctx.cmd.cdb()[1] & 0xe0) // WRPROTECT: not with ORWRITE (tuples are generated)
		return cdb_field_error(ctx.cmd, 1, 7);
	u64 lba = 0;
	u32 len = TRY(check_rw(ctx, &lba));
	u32 bs = ctx.lu.block_size();
	DataBuf data = ctx.cmd.data_out();
	if (data.size() != u64(len) * bs)
		return transfer_length_mismatch(ctx.cmd, u64(len) * bs);
	if (!len)
		return {};
	bool fua = ctx.cmd.cdb().bit(1, 3);
	BlockScratch scratch(bs, len);
	if (!scratch.ok())
		return sense_error(SenseReason::kInsufficientResources);
	LuState::ExclusiveWrite serial(ctx.lu.state());
	for (u32 done = 0; done < len;) {
		u32 n = min(scratch.blocks(), len - done);
		MutableBytes buf = scratch.bytes(n);
		TRY(read_chunk(ctx, lba + done, n, buf));
		u8 *p = buf.data();
		(void)data.slice(usize(done) * bs, buf.size()).for_each_segment([&](MutableBytes m) {
			for (usize i = 0; i < m.size(); i++)
				p[i] |= m.data()[i];
			p += m.size();
			return Result<void>();
		});
		Result<void> r = ctx.lu.write(lba + done, n, DataBuf(buf), fua);
		if (r.is_error())
			return io_error(r.error(), SenseReason::kWriteError);
		done += n;
	}
	return {};
}

} // namespace lio::scsi
