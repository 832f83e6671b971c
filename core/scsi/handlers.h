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

// The data-in of one command. Writes at offsets past min(allocation length, buffer size) are
// dropped; length() is what the full response would be.
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
	// bytes are transferred, as far as the buffer holds them.
	void finish() {
		LIO_VERIFY(cmd_);
		usize transfer = min(len_, alloc_);
		usize cap = out_.size();
		if (transfer > cap) {
			cmd_->set_data_in_length(cap);
			cmd_->set_residual(Residual::kOverflow, transfer - cap);
		} else {
			cmd_->set_data_in_length(transfer);
			if (cap > transfer)
				cmd_->set_residual(Residual::kUnderflow, cap - transfer);
		}
	}

  private:
	Command *cmd_;
	MutableBytes out_;
	usize alloc_;
	usize limit_;
	usize len_ = 0;
};

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
// sbc.cpp
Result<void> handle_read(ExecContext &ctx);
Result<void> handle_write(ExecContext &ctx);
Result<void> handle_read_capacity10(ExecContext &ctx);
Result<void> handle_read_capacity16(ExecContext &ctx);
Result<void> handle_synchronize_cache(ExecContext &ctx);
Result<void> handle_get_lba_status(ExecContext &ctx);
Result<void> handle_start_stop_unit(ExecContext &ctx);
// sbc_lbp.cpp
Result<void> handle_verify(ExecContext &ctx);
Result<void> handle_write_same(ExecContext &ctx);
Result<void> handle_unmap(ExecContext &ctx);

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_HANDLERS_H
