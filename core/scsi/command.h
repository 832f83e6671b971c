// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/command.h: one SCSI command as the engine sees it.
 *
 * Ownership: the fabric owns the Command (later embedded in its own task: one allocation per
 * I/O) and the data buffers it points to; the engine fills data-in, status, sense and
 * residual. Set by the fabric: the CDB (copied in, up to kMaxCdbLength bytes), the data-out
 * buffer (what the initiator sent), the data-in buffer (its size is the expected transfer
 * length), both scatter-gather views (lio/data_buf.h) whose segment arrays outlive the
 * command, and descriptor_sense (the control mode page's D_SENSE as in effect for the I_T
 * nexus). Set by the engine: everything under "results".
 *
 * Handlers of media commands use data_in()/data_out() directly. The others build responses
 * and parse parameter lists in one contiguous piece: data_in_buffer()/data_out_buffer() are
 * the buffers themselves when contiguous, else scratch copies that execute() sets up
 * (bounded, see opcode_table.cpp) and copies back at completion.
 */
#ifndef LIO_CORE_SCSI_COMMAND_H
#define LIO_CORE_SCSI_COMMAND_H

#include "core/scsi/cdb.h"
#include "core/scsi/sense.h"
#include "lio/data_buf.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::scsi {

enum class ScsiStatus : u8 {
	kGood = 0x00,
	kCheckCondition = 0x02,
	kConditionMet = 0x04,
	kBusy = 0x08,
	kReservationConflict = 0x18,
	kTaskSetFull = 0x28,
	kAcaActive = 0x30,
	kTaskAborted = 0x40,
};

enum class Residual : u8 { kNone, kUnderflow, kOverflow };

class Command final {
  public:
	static constexpr usize kMaxCdbLength = 32;
	// Sense kept for the fabric: the emulation's longest, and a passthrough device's as it
	// gave it, cut to what FabricCmd carries.
	static constexpr usize kMaxSenseLength = 32;
	static_assert(kMaxSenseLength >= SenseData::kMaxLength);

	// cdb: copied; a longer CDB keeps its length (cdb_length()) so that the dispatcher can
	// refuse it, but only the first kMaxCdbLength bytes.
	Command(Bytes cdb, DataBuf data_in, DataBuf data_out)
	    : cdb_length_(cdb.size()), data_in_(data_in), data_out_(data_out) {
		usize n = cdb.size() < kMaxCdbLength ? cdb.size() : kMaxCdbLength;
		for (usize i = 0; i < n; i++)
			cdb_bytes_[i] = cdb.data()[i];
		if (data_in_.contiguous())
			in_view_ = data_in_.contiguous_bytes();
		if (data_out_.contiguous())
			out_view_ = data_out_.contiguous_bytes();
	}
	// Flat buffers (tests, internal commands). The engine never writes data-out.
	Command(Bytes cdb, MutableBytes data_in, Bytes data_out)
	    : Command(cdb, DataBuf(data_in),
		      DataBuf(MutableBytes(const_cast<u8 *>(data_out.data()), data_out.size()))) {}
	Command(const Command &) = delete;
	Command &operator=(const Command &) = delete;

	// ---- set by the fabric ----
	Cdb cdb() const {
		return Cdb(Bytes(cdb_bytes_, cdb_length_ < kMaxCdbLength ? cdb_length_ : kMaxCdbLength));
	}
	usize cdb_length() const { return cdb_length_; }
	DataBuf data_in() const { return data_in_; }
	DataBuf data_out() const { return data_out_; }
	bool descriptor_sense = false;

	// Contiguous views for non-media handlers (see above): data-in to build a response in
	// (possibly shorter than data_in() when bounced), data-out to parse.
	MutableBytes data_in_buffer() const { return in_view_; }
	Bytes data_out_buffer() const { return out_view_; }
	// Engine only: the scratch views of a bounced command.
	void set_bounce(MutableBytes in, Bytes out) {
		in_view_ = in;
		out_view_ = out;
	}

	// ---- results ----
	ScsiStatus status() const { return status_; }
	// Bytes of data-in produced (<= data_in().size()).
	usize data_in_length() const { return data_in_length_; }
	Bytes sense() const { return Bytes(sense_, sense_length_); }
	SenseReason sense_reason() const { return reason_; }
	Residual residual() const { return residual_; }
	u64 residual_count() const { return residual_count_; }
	bool completed() const { return completed_; }

	// Details for the sense of a failure being returned (field pointer, INFORMATION).
	SenseDetail &sense_detail() { return detail_; }

	// The engine's completion calls.
	void set_data_in_length(usize n) {
		data_in_length_ = n <= data_in_.size() ? n : data_in_.size();
	}
	// The command succeeded with CONDITION MET instead of GOOD (PRE-FETCH).
	void set_condition_met() { condition_met_ = true; }
	void set_residual(Residual r, u64 count) {
		residual_ = r;
		residual_count_ = count;
	}
	// A data-out command whose buffer (the expected data transfer length) differs from the
	// `cdb_bytes` its CDB asks for: OVERFLOW by what is missing, UNDERFLOW by what is left
	// over. Kept when the command then completes with CHECK CONDITION (see
	// transfer_length_mismatch()), so that the initiator learns how its lengths differ.
	void set_data_out_residual(u64 cdb_bytes) {
		u64 have = data_out_.size();
		if (cdb_bytes > have)
			set_residual(Residual::kOverflow, cdb_bytes - have);
		else if (have > cdb_bytes)
			set_residual(Residual::kUnderflow, have - cdb_bytes);
		else
			set_residual(Residual::kNone, 0);
		keep_residual_ = true;
	}
	void complete_good() {
		status_ = condition_met_ ? ScsiStatus::kConditionMet : ScsiStatus::kGood;
		reason_ = SenseReason::kNone;
		sense_length_ = 0;
		completed_ = true;
	}
	void complete_check_condition(SenseReason reason) {
		status_ = ScsiStatus::kCheckCondition;
		reason_ = reason;
		sense_length_ = static_cast<u8>(SenseData::build(
			MutableBytes(sense_, sizeof(sense_)), reason, detail_, descriptor_sense));
		data_in_length_ = 0;
		if (!keep_residual_) {
			residual_ = Residual::kNone;
			residual_count_ = 0;
		}
		completed_ = true;
	}
	// A passthrough device's answer as it gave it (status, sense, data-in length, residual).
	void complete_passthrough(ScsiStatus status, Bytes sense, usize data_in_length,
				  Residual residual, u64 residual_count) {
		status_ = status;
		reason_ = SenseReason::kNone;
		usize n = sense.size() < sizeof(sense_) ? sense.size() : sizeof(sense_);
		for (usize i = 0; i < n; i++)
			sense_[i] = sense.data()[i];
		sense_length_ = static_cast<u8>(n);
		set_data_in_length(data_in_length);
		residual_ = residual;
		residual_count_ = residual_count;
		completed_ = true;
	}
	// SPC-2 reservation held by another I_T nexus: status only, no sense, no data.
	void complete_reservation_conflict() {
		status_ = ScsiStatus::kReservationConflict;
		reason_ = SenseReason::kNone;
		sense_length_ = 0;
		data_in_length_ = 0;
		residual_ = Residual::kNone;
		residual_count_ = 0;
		completed_ = true;
	}

  private:
	u8 cdb_bytes_[kMaxCdbLength] = {};
	usize cdb_length_;
	DataBuf data_in_;
	DataBuf data_out_;
	MutableBytes in_view_;
	Bytes out_view_;
	bool condition_met_ = false;
	bool keep_residual_ = false;

	ScsiStatus status_ = ScsiStatus::kGood;
	bool completed_ = false;
	u8 sense_length_ = 0;
	SenseReason reason_ = SenseReason::kNone;
	Residual residual_ = Residual::kNone;
	u64 residual_count_ = 0;
	usize data_in_length_ = 0;
	SenseDetail detail_;
	u8 sense_[kMaxSenseLength] = {};
};

// The failure of a data-out command whose buffer differs from the `cdb_bytes` the CDB asks
// for (SAM-5 5.4.3, FCP-4 9.4.2 b): CHECK CONDITION, INVALID FIELD IN COMMAND INFORMATION UNIT,
// with the residual (set_data_out_residual) reported beside it.
inline Error transfer_length_mismatch(Command &cmd, u64 cdb_bytes) {
	cmd.set_data_out_residual(cdb_bytes);
	return sense_error(SenseReason::kInvalidFieldInCommandIu);
}

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_COMMAND_H
