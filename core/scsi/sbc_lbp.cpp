// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc_lbp.cpp: WRITE SAME(10/16) and UNMAP (SBC-3 5.x; logical block provisioning
 * as LIO's emulate_tpu / emulate_tpws allow it).
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

namespace {

Error write_error(const Error &e) { return io_error(e, SenseReason::kWriteError); }

// True when every byte of the buffer is zero.
bool all_zero(const DataBuf &b) {
	bool zero = true;
	(void)b.for_each_segment([&](MutableBytes m) -> Result<void> {
		for (usize i = 0; i < m.size(); i++) {
			if (m.data()[i]) {
				zero = false;
				return Error::from_errno(KABI_EINVAL); // stop walking
			}
		}
		return {};
	});
	return zero;
}

} // namespace

Result<void> handle_write_same(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	bool sixteen = ctx.row.cdb_length == 16;
	u64 lba = cdb.block_lba();
	u64 blocks = sixteen ? cdb.be32(10) : cdb.be16(7);
	u16 len_off = sixteen ? 10 : 7;
	bool unmap = cdb.bit(1, 3);
	bool ndob = sixteen && cdb.bit(1, 0);
	u32 bs = ctx.lu.block_size();

	if (unmap && !a.emulate_tpws)
		return cdb_field_error(ctx.cmd, 1, 3);
	// WSNZ is set in VPD 0xB0: 0 blocks ("to the end") is refused.
	if (blocks == 0)
		return cdb_field_error(ctx.cmd, len_off, 7);
	// MAXIMUM WRITE SAME LENGTH 0 (rd_mcp's, as LIO's default) is reported as 0 in VPD 0xB0,
	// which SBC-4 reads as "no limit reported": 0 is no limit here too, the medium's end is.
	// (Stock LIO refuses every WRITE SAME on such a device while reporting no limit.)
	if (a.max_write_same_len && blocks > a.max_write_same_len)
		return cdb_field_error(ctx.cmd, len_off, 7);
	TRY(check_lba_range(ctx, lba, blocks));

	DataBuf data = ctx.cmd.data_out();
	if (data.size() != (ndob ? 0 : bs))
		return transfer_length_mismatch(ctx.cmd, ndob ? 0 : bs);

	LuState::SharedWrite serial(ctx.lu.state());
	Result<void> r;
	if (unmap) {
		r = ctx.lu.unmap(lba, blocks);
	} else if (ndob || all_zero(data)) {
		r = ctx.lu.write_zeroes(lba, blocks);
	} else {
		for (u64 i = 0; i < blocks && r.is_ok(); i++)
			r = ctx.lu.write(lba + i, 1, data, false);
	}
	if (r.is_error())
		return write_error(r.error());
	return {};
}

// UNMAP parameter list (SBC-3 5.28.2): 8-byte header, then 16-byte block descriptors.
Result<void> handle_unmap(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	LuAttributes a = ctx.lu.attributes();
	if (!a.emulate_tpu)
		return sense_error(SenseReason::kInvalidOpcode); // as LIO: not offered at all
	usize plen = cdb.be16(7);
	if (plen == 0)
		return {};
	Bytes data = ctx.cmd.data_out_buffer();
	if (plen < 8 || data.size() < plen)
		return sense_error(SenseReason::kParameterListLength);
	Bytes p = MUST(data.subspan(0, plen));
	usize data_len = MUST(p.get_be16(0));
	usize desc_len = MUST(p.get_be16(2));
	if (data_len + 2 > plen || desc_len + 8 > plen)
		return sense_error(SenseReason::kParameterListLength);
	usize count = desc_len / 16;
	if (count > a.max_unmap_block_desc_count) {
		ctx.cmd.sense_detail() = SenseDetail::param_field(2, 7);
		return sense_error(SenseReason::kInvalidFieldInParamList);
	}
	// Check every descriptor before unmapping anything.
	for (usize i = 0; i < count; i++) {
		usize off = 8 + 16 * i;
		u64 lba = MUST(p.get_be64(off));
		u32 n = MUST(p.get_be32(off + 8));
		if (n > a.max_unmap_lba_count) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off + 8), 7);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		TRY(check_lba_range(ctx, lba, n));
	}
	LuState::SharedWrite serial(ctx.lu.state());
	for (usize i = 0; i < count; i++) {
		usize off = 8 + 16 * i;
		u64 lba = MUST(p.get_be64(off));
		u32 n = MUST(p.get_be32(off + 8));
		if (!n)
			continue;
		Result<void> r = ctx.lu.unmap(lba, n);
		if (r.is_error())
			return write_error(r.error());
	}
	return {};
}

} // namespace lio::scsi
