// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/handlers.h: internal to core/scsi. The handlers the opcode table names, and the
 * helpers they share: Response (data-in built in place, clipped to the allocation length and
 * the buffer, full length remembered) and the field-pointer error helpers.
 */
#ifndef LIO_CORE_SCSI_HANDLERS_H
#define LIO_CORE_SCSI_HANDLERS_H

#include "core/scsi/opcode_table.h"
#include "lio/string.h"

namespace lio::scsi {

// INVALID FIELD IN CDB pointing at (byte, bit).
inline Error cdb_field_error(Command &cmd, u16 byte, u8 bit) {
	cmd.sense_detail() = SenseDetail::cdb_field(byte, bit);
	return sense_error(SenseReason::kInvalidFieldInCdb);
}
// The highest set bit of a non-zero byte (a field pointer's bit for a byte of reserved bits).
inline u8 highest_bit(u8 v) { return static_cast<u8>(31 - __builtin_clz(v)); }
// INVALID FIELD IN PARAMETER LIST pointing at (byte, bit) of the parameter list.
inline Error param_field_error(Command &cmd, usize byte, u8 bit) {
	cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(byte), bit);
	return sense_error(SenseReason::kInvalidFieldInParamList);
}

// The data-in of one command, built in cmd.data_in_buffer(). Writes at offsets past
// min(allocation length, buffer size) are dropped; length() is what the full response would
// be.
class Response final {
  public:
	Response(Command &cmd, usize allocation_length)
	    : cmd_(&cmd), out_(cmd.data_in_buffer()), alloc_(allocation_length) {
		limit_ = min(alloc_, out_.size());
		if (limit_)
			__builtin_memset(out_.data(), 0, limit_);
	}
	// Over a scratch buffer (building data to compare against, as MODE SELECT does);
	// finish() must not be called on it.
	explicit Response(MutableBytes scratch)
	    : cmd_(nullptr), out_(scratch), alloc_(scratch.size()), limit_(scratch.size()) {
		scratch.fill(0);
	}

	void put(usize off, u8 v) {
		if (off < limit_)
			out_.data()[off] = v;
		extend(off + 1);
	}
	void put_be(usize off, usize width, u64 v) {
		for (usize i = 0; i < width; i++)
			put(off + i, static_cast<u8>(v >> (8 * (width - 1 - i))));
	}
	void put_be16(usize off, u64 v) { put_be(off, 2, v); }
	void put_be24(usize off, u64 v) { put_be(off, 3, v); }
	void put_be32(usize off, u64 v) { put_be(off, 4, v); }
	void put_be64(usize off, u64 v) { put_be(off, 8, v); }
	void or_bits(usize off, u8 v) {
		if (off < limit_)
			out_.data()[off] |= v;
		extend(off + 1);
	}
	// Text, left-aligned in `width` bytes padded with spaces (INQUIRY fields).
	void put_padded(usize off, StrView s, usize width) {
		for (usize i = 0; i < width; i++)
			put(off + i, i < s.size() ? static_cast<u8>(s.data()[i]) : ' ');
	}
	void put_text(usize off, StrView s) {
		for (usize i = 0; i < s.size(); i++)
			put(off + i, static_cast<u8>(s.data()[i]));
	}
	void extend(usize len) {
		if (len > len_)
			len_ = len;
	}
	usize length() const { return len_; }

	// Sets the command's data-in length and residual: min(full length, allocation length)
	// bytes are transferred, as far as the expected transfer length (data_in().size())
	// allows. A bounce buffer shorter than that clips the data: what is missing is residual
	// underflow, as for any short transfer.
	void finish() {
		LIO_VERIFY(cmd_);
		usize transfer = min(len_, alloc_);
		usize cap = cmd_->data_in().size();
		usize made = min(min(transfer, cap), out_.size());
		cmd_->set_data_in_length(made);
		if (transfer > cap && made == cap)
			cmd_->set_residual(Residual::kOverflow, transfer - cap);
		else if (cap > made)
			cmd_->set_residual(Residual::kUnderflow, cap - made);
	}

  private:
	Command *cmd_;
	MutableBytes out_;
	usize alloc_;
	usize limit_;
	usize len_ = 0;
};

// COMPARE AND WRITE's NUMBER OF LOGICAL BLOCKS limit, as VPD 0xB0 reports it: 128 (LIO says
// 1; more costs only a longer exclusive hold, see LuState), never above the LU's maximum
// transfer length.
inline constexpr u8 kMaxCompareAndWriteBlocks = 128;
inline u8 max_compare_and_write_blocks(const LuAttributes &a) {
	if (a.hw_max_sectors && a.hw_max_sectors < kMaxCompareAndWriteBlocks)
		return static_cast<u8>(a.hw_max_sectors);
	return kMaxCompareAndWriteBlocks;
}

// ---- WRITE ATOMIC(16) (sbc_atomic.cpp) ----
// The MAXIMUM ATOMIC TRANSFER LENGTH in blocks VPD 0xB0 reports and WRITE ATOMIC(16)
// enforces: kMaxAtomicTransferBytes worth of blocks (the write holds the LU's exclusive write
// hold for its duration, see LuState), at least 1, at most 0xFFFF (the 16-bit TRANSFER
// LENGTH) and never above hw_max_sectors.
inline constexpr u32 kMaxAtomicTransferBytes = 1024 * 1024;
u32 max_atomic_transfer_blocks(const LogicalUnit &lu);

// [lba, lba + blocks) must lie inside the medium (overflow-safe): LBA OUT OF RANGE.
inline Result<void> check_lba_range(ExecContext &ctx, u64 lba, u64 blocks) {
	u64 nb = ctx.lu.num_blocks();
	if (lba > nb || blocks > nb - lba)
		return sense_error(SenseReason::kLbaOutOfRange);
	return {};
}

// A backstore error without a sense reason becomes `fallback`.
inline Error io_error(const Error &e, SenseReason fallback) {
	if (reason_of(e) != SenseReason::kNone)
		return e;
	return sense_error(fallback);
}

// A scratch buffer for media commands that read blocks to compare or merge (VERIFY with
// BYTCHK, WRITE AND VERIFY, COMPARE AND WRITE, ORWRITE): whole blocks, at most kScratchMax
// bytes (and at least one block), freed with the scope. Gfp::Kernel: command context.
class BlockScratch final {
  public:
	static constexpr usize kScratchMax = 64 * 1024;

	BlockScratch(u32 block_size, u64 blocks);
	~BlockScratch();
	BlockScratch(const BlockScratch &) = delete;
	BlockScratch &operator=(const BlockScratch &) = delete;

	bool ok() const { return data_ != nullptr; }
	u32 blocks() const { return blocks_; } // per chunk
	MutableBytes bytes(u32 blocks) const { return MutableBytes(data_, usize(blocks) * bs_); }

  private:
	u8 *data_ = nullptr;
	u32 bs_;
	u32 blocks_ = 0;
};

// sbc.cpp: the checks READ/WRITE-style CDBs share (RD/WR/VRPROTECT without protection
// information, DPO/FUA as emulate_fua_write allows, hw_max_sectors, range); returns the
// transfer length in blocks and the LBA.
Result<u32> check_rw(ExecContext &ctx, u64 *lba_out);
// sbc.cpp: how many of the CDB's `blocks` a WRITE or WRITE AND VERIFY writes when its
// data-out buffer (the transport's expected data transfer length) differs from them. As
// FCP-4 9.4.2 a) lets a device server do: more data than asked for writes the CDB's blocks
// (residual UNDERFLOW); less writes the whole blocks sent (residual OVERFLOW), possibly none.
// Less that ends inside a block cannot be written as sent: CHECK CONDITION, INVALID FIELD
// IN COMMAND INFORMATION UNIT, with the OVERFLOW residual (transfer_length_mismatch()).
Result<u32> data_out_blocks(ExecContext &ctx, u32 blocks);
// sbc_compare.cpp: reads [lba, lba + blocks) in scratch-sized chunks and compares it with
// `expected` (repeat: expected is one block, compared with every block). A difference is
// MISCOMPARE DURING VERIFY OPERATION with INFORMATION = its byte offset (from the start of
// `expected`, or of the blocks read when repeating).
Result<void> compare_medium(ExecContext &ctx, u64 lba, u32 blocks, const DataBuf &expected,
			    bool repeat);

// sbc_pi.cpp: T10-PI (see its header comment). pi_protect_field: byte 1's RD/WR/VRPROTECT,
// refused (INVALID FIELD IN CDB) without protection information or when reserved (6, 7).
// pi_path: the command goes through the PI handlers (PROTECT != 0, or a PI LU verifying).
Result<u8> pi_protect_field(ExecContext &ctx);
bool pi_path(ExecContext &ctx, u8 protect);
Result<void> pi_read(ExecContext &ctx, u64 lba, u32 len, u8 protect);
Result<void> pi_write(ExecContext &ctx, u64 lba, u32 len, u8 protect, bool fua, bool compare);
Result<void> pi_verify(ExecContext &ctx, u64 lba, u32 blocks, u8 protect, u8 bytchk);
Result<void> handle_read32(ExecContext &ctx);
Result<void> handle_write32(ExecContext &ctx);
Result<void> handle_verify32(ExecContext &ctx);
Result<void> handle_write_and_verify32(ExecContext &ctx);
// ---- copy offload (spc_xcopy.cpp) ----
// The NAA IEEE Registered Extended designator of an LU with a unit serial (VPD 0x83, and
// what EXTENDED COPY's identification descriptors are matched against): the company id,
// then the serial's hex digits.
inline constexpr usize kNaaDesignatorLength = 16;
void lu_naa_designator(const LuIdentity &id, u8 *out);
Result<void> handle_extended_copy(ExecContext &ctx);
Result<void> handle_receive_copy_results(ExecContext &ctx);

// spc.cpp
Result<void> handle_test_unit_ready(ExecContext &ctx);
Result<void> handle_request_sense(ExecContext &ctx);
Result<void> handle_inquiry(ExecContext &ctx);
Result<void> handle_mode_sense(ExecContext &ctx);
Result<void> handle_mode_select(ExecContext &ctx);
Result<void> handle_report_luns(ExecContext &ctx);
// spc_rsoc.cpp
Result<void> handle_report_supported_opcodes(ExecContext &ctx);
Result<void> handle_report_supported_tmfs(ExecContext &ctx);
// spc_reserve.cpp
Result<void> handle_reserve(ExecContext &ctx);
Result<void> handle_release(ExecContext &ctx);
// ---- persistent reservations (spc_pr.cpp) ----
Result<void> handle_persistent_reserve_in(ExecContext &ctx);
Result<void> handle_persistent_reserve_out(ExecContext &ctx);
// Admission: true when a persistent reservation refuses a command with these row flags
// from this nexus (SPC-4 5.12.10 table, SBC-3 4.17.2).
bool pr_conflict(LogicalUnit &lu, ItlNexus &nexus, u16 row_flags);
// sbc.cpp
Result<void> handle_read(ExecContext &ctx);
Result<void> handle_write(ExecContext &ctx);
Result<void> handle_read_capacity10(ExecContext &ctx);
Result<void> handle_read_capacity16(ExecContext &ctx);
Result<void> handle_synchronize_cache(ExecContext &ctx);
Result<void> handle_get_lba_status(ExecContext &ctx);
Result<void> handle_start_stop_unit(ExecContext &ctx);
Result<void> handle_pre_fetch(ExecContext &ctx);
Result<void> handle_prevent_allow(ExecContext &ctx);
// sbc_lbp.cpp
Result<void> handle_write_same(ExecContext &ctx);
Result<void> handle_unmap(ExecContext &ctx);
// sbc_compare.cpp
Result<void> handle_verify(ExecContext &ctx);
Result<void> handle_write_and_verify(ExecContext &ctx);
Result<void> handle_compare_and_write(ExecContext &ctx);
Result<void> handle_orwrite(ExecContext &ctx);
// sbc_atomic.cpp
Result<void> handle_write_atomic16(ExecContext &ctx);
// sbc_defect.cpp
Result<void> handle_read_defect_data(ExecContext &ctx);
// ---- ALUA (alua.cpp) ----
Result<void> handle_report_target_port_groups(ExecContext &ctx);
Result<void> handle_set_target_port_groups(ExecContext &ctx);
// The access state of the nexus's target port group admits the command (kNone), or the
// NOT READY reason to refuse it with; sleeps nonop_delay_msecs for media commands on an
// active/non-optimized port.
SenseReason alua_admission(const ItlNexus &nexus, const Cdb &cdb, const OpcodeRow &row);

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_HANDLERS_H
