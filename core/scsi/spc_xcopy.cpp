// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/spc_xcopy.cpp: copy offload (SPC-4 6.4 EXTENDED COPY (LID1), 6.18 RECEIVE COPY
 * RESULTS: COPY STATUS, OPERATING PARAMETERS, FAILED SEGMENT DETAILS).
 *
 * The logical unit that receives EXTENDED COPY is the copy manager. Its parameter list names
 * copy targets (CSCD descriptors: only the identification descriptor E4h with the NAA
 * designator this engine reports in VPD 0x83) and segments (only block device to block
 * device, 02h). A copy target is looked up through the issuing I_T nexus's LUN map
 * (LunMap::hold_lu): an LU of the target that this nexus cannot itself access is not
 * reachable, exactly as one that does not exist (the rule whose absence was LIO's
 * CVE-2020-28374). The LUs found are held for the command's duration.
 *
 * Order of the work, as SPC-2 7.2.2/7.2.3 and SPC-4 6.4 split errors:
 *  1. the parameter list is checked whole (header, lengths, limits, descriptor fields):
 *     ILLEGAL REQUEST with the SPC-4 ASC (TOO MANY TARGET/SEGMENT DESCRIPTORS, UNSUPPORTED
 *     TARGET/SEGMENT DESCRIPTOR TYPE CODE, PARAMETER LIST LENGTH ERROR, INVALID FIELD IN
 *     PARAMETER LIST with the field pointer);
 *  2. the LIST IDENTIFIER is registered with the nexus (a running one: OPERATION IN
 *     PROGRESS);
 *  3. every copy target a segment uses is looked up and admitted as a READ (source) or a
 *     WRITE (destination) from this nexus would be: an SPC-2 reservation of another nexus ->
 *     RESERVATION CONFLICT, a read-only destination (the device's or the nexus's write
 *     protection) -> DATA PROTECT, WRITE PROTECTED; a target not found -> COPY ABORTED,
 *     COPY TARGET DEVICE NOT REACHABLE;
 *  4. segments run in order, each in chunks through a bounded scratch buffer (BlockScratch),
 *     every destination write under the destination's LuState::SharedWrite. Failures from
 *     here on are COPY ABORTED with the segment's number in COMMAND-SPECIFIC INFORMATION:
 *     a range outside a target 00/00 with a segment pointer to the offending field, a read
 *     error 11/00, a write error 0C/00, a target that went away 0D/02.
 *
 * Not done: inline and embedded data, held data, stream devices, the other segment types
 * (0Ah with byte offsets included), copies between LUs of different block sizes, the copy
 * targets' task sets (the copy's reads and writes are not ordered against other commands
 * queued on another LU). admit_copy_target() admits each copy target under its SPC-2 and
 * persistent reservations as a READ (source) or WRITE (destination) from the issuing nexus.
 */
#include "core/scsi/handlers.h"
#include "lio/alloc.h"

namespace lio::scsi {

namespace {

// ---- what OPERATING PARAMETERS reports, and what is enforced ----
constexpr usize kHeaderLength = 16;
constexpr usize kCscdLength = 32;
constexpr u16 kMaxCscdDescriptors = 8;
constexpr u16 kMaxSegmentDescriptors = 8;
constexpr u32 kMaxDescriptorListLength = 1024;
constexpr u32 kMaxSegmentLength = 256u * 1024 * 1024; // bytes one segment may copy
constexpr u8 kSegBlockToBlock = 0x02;
constexpr u16 kSegBlockToBlockLength = 0x18; // DESCRIPTOR LENGTH (bytes after the 4th)
constexpr u8 kCscdIdentification = 0xe4;
constexpr u8 kImplementedDescriptors[] = {kSegBlockToBlock, kCscdIdentification};

// LIST ID USAGE (parameter list byte 1 bits 4:3).
constexpr u8 kListIdHold = 0x0;   // results held for RECEIVE COPY RESULTS
constexpr u8 kListIdNoHold = 0x2; // unique while running, nothing held

// RECEIVE COPY RESULTS service actions.
constexpr u8 kSaCopyStatus = 0x00;
constexpr u8 kSaOperatingParameters = 0x03;
constexpr u8 kSaFailedSegmentDetails = 0x04;

// A failure while segment `segment` is processed: COPY ABORTED (or `reason`), the segment's
// number in COMMAND-SPECIFIC INFORMATION, and when field_byte >= 0 a segment pointer to
// (field_byte, bit) of that segment descriptor.
Error copy_aborted(Command &cmd, SenseReason reason, u16 segment, int field_byte = -1,
		   u8 bit = 7) {
	SenseDetail d;
	d.has_command_specific = true;
	d.command_specific = segment;
	if (field_byte >= 0) {
		d = SenseDetail::param_field(static_cast<u16>(field_byte), bit);
		d.sd = true;
		d.has_command_specific = true;
		d.command_specific = segment;
	}
	cmd.sense_detail() = d;
	return sense_error(reason);
}

// Bounds-safe big-endian reads of the parameter list (0 past its end; lengths are checked
// before fields are used).
using ParamList = Cdb;

struct Cscd {
	usize off = 0;             // in the parameter list
	u8 designator[16] = {};    // NAA IEEE Registered Extended, as VPD 0x83 reports it
	u8 designator_length = 0;
	u32 block_length = 0;      // DISK BLOCK LENGTH
	HeldLu *held = nullptr;
};

struct Segment {
	usize off = 0;
	u16 src = 0, dst = 0;
	u16 blocks = 0;
	u64 src_lba = 0, dst_lba = 0;
};

struct CopyJob {
	u8 list_id = 0;
	u8 usage = 0;
	u16 cscd_count = 0;
	u16 segment_count = 0;
	Cscd cscd[kMaxCscdDescriptors];
	Segment seg[kMaxSegmentDescriptors];

	~CopyJob() {
		for (Cscd &c : cscd)
			if (c.held)
				c.held->release();
	}
};

// Step 1: the parameter list, whole.
Result<void> parse(ExecContext &ctx, Bytes data, usize plen, CopyJob &job) {
	Command &cmd = ctx.cmd;
	if (plen < kHeaderLength || data.size() < plen)
		return sense_error(SenseReason::kParameterListLength);
	ParamList p(Bytes(data.data(), plen));
	job.list_id = p[0];
	u8 b1 = p[1];
	if (b1 & 0xc0)
		return param_field_error(cmd, 1, (b1 & 0x80) ? 7 : 6);
	job.usage = static_cast<u8>((b1 >> 3) & 0x3);
	// 01b is reserved; 11b (no list identifier) needs SNLID, which is not offered.
	if (job.usage != kListIdHold && job.usage != kListIdNoHold)
		return param_field_error(cmd, 1, 4);
	// STR (bit 5) is a hint and PRIORITY (2:0) only orders copies: both accepted.
	u64 tdll = p.be16(2);
	for (usize i = 4; i < 8; i++)
		if (p[i])
			return param_field_error(cmd, i, highest_bit(p[i]));
	u64 sdll = p.be32(8);
	u64 inline_len = p.be32(12);
	if (tdll + sdll > kMaxDescriptorListLength)
		return sense_error(SenseReason::kParameterListLength);
	if (kHeaderLength + tdll + sdll + inline_len > plen)
		return sense_error(SenseReason::kParameterListLength);
	if (inline_len)
		return param_field_error(cmd, 12, 7); // MAXIMUM INLINE DATA LENGTH is 0
	if (tdll % kCscdLength)
		return param_field_error(cmd, 2, 7);
	if (tdll / kCscdLength > kMaxCscdDescriptors)
		return sense_error(SenseReason::kTooManyTargetDescriptors);
	job.cscd_count = static_cast<u16>(tdll / kCscdLength);

	for (u16 i = 0; i < job.cscd_count; i++) {
		usize off = kHeaderLength + usize(i) * kCscdLength;
		if (p[off] != kCscdIdentification) {
			cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off), 7);
			return sense_error(SenseReason::kUnsupportedTargetDescriptorType);
		}
		// Byte 1: LU ID TYPE (7:6) and the relative initiator port (2-3) are ignored
		// with a designator (SPC-4), NUL (5) is obsolete; the device type must be a
		// block device.
		if (p[off + 1] & 0x1f)
			return param_field_error(cmd, off + 1, 4);
		u8 code_set = p[off + 4];
		if (code_set & 0xf0)
			return param_field_error(cmd, off + 4, highest_bit(code_set & 0xf0));
		u8 b5 = p[off + 5];
		if (b5 & 0xc0)
			return param_field_error(cmd, off + 5, highest_bit(b5 & 0xc0));
		if (p[off + 6])
			return param_field_error(cmd, off + 6, highest_bit(p[off + 6]));
		u8 dlen = p[off + 7];
		if (dlen > 20)
			return param_field_error(cmd, off + 7, 7);
		// Only logical unit designators of the NAA type, binary, as VPD 0x83 reports.
		if ((b5 & 0x30) != 0x00)
			return param_field_error(cmd, off + 5, 5);
		if ((b5 & 0x0f) != 0x03)
			return param_field_error(cmd, off + 5, 3);
		if ((code_set & 0x0f) != 0x01)
			return param_field_error(cmd, off + 4, 3);
		// DEVICE TYPE SPECIFIC PARAMETERS of a block device: PAD (bit 2) only.
		if (u8 bad = p[off + 28] & ~0x04)
			return param_field_error(cmd, off + 28, highest_bit(bad));
		Cscd &c = job.cscd[i];
		c.off = off;
		c.designator_length = dlen;
		for (usize k = 0; k < dlen && k < sizeof(c.designator); k++)
			c.designator[k] = p[off + 8 + k];
		c.block_length = p.be24(off + 29);
	}

	usize off = kHeaderLength + tdll;
	usize end = off + sdll;
	while (off < end) {
		if (off + 4 > end)
			return sense_error(SenseReason::kParameterListLength);
		if (job.segment_count == kMaxSegmentDescriptors)
			return sense_error(SenseReason::kTooManySegmentDescriptors);
		if (p[off] != kSegBlockToBlock) {
			cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off), 7);
			return sense_error(SenseReason::kUnsupportedSegmentDescriptorType);
		}
		if (p.be16(off + 2) != kSegBlockToBlockLength)
			return param_field_error(cmd, off + 2, 7);
		if (off + 4 + kSegBlockToBlockLength > end)
			return sense_error(SenseReason::kParameterListLength);
		// DC (bit 1) and CAT (bit 0) matter only between different block sizes, which
		// are refused below.
		if (u8 bad = p[off + 1] & 0xfc)
			return param_field_error(cmd, off + 1, highest_bit(bad));
		for (usize k = off + 8; k < off + 10; k++)
			if (p[k])
				return param_field_error(cmd, k, highest_bit(p[k]));
		Segment &s = job.seg[job.segment_count++];
		s.off = off;
		s.src = p.be16(off + 4);
		s.dst = p.be16(off + 6);
		s.blocks = p.be16(off + 10);
		s.src_lba = p.be64(off + 12);
		s.dst_lba = p.be64(off + 20);
		off += 4 + kSegBlockToBlockLength;
	}
	return {};
}

// Finds the copy target a CSCD designator names: an LU of this nexus whose NAA designator
// (VPD 0x83) is the same.
class DesignatorMatcher final : public LuMatcher {
  public:
	explicit DesignatorMatcher(const Cscd &c) : c_(c) {}
	bool matches(LogicalUnit &lu) const override {
		if (lu.is_passthrough() || c_.designator_length != kNaaDesignatorLength)
			return false;
		LuIdentity id = lu.identity();
		if (id.unit_serial.is_empty())
			return false; // VPD 0x83 reports no NAA designator then
		u8 naa[kNaaDesignatorLength];
		lu_naa_designator(id, naa);
		for (usize i = 0; i < kNaaDesignatorLength; i++)
			if (naa[i] != c_.designator[i])
				return false;
		return true;
	}

  private:
	const Cscd &c_;
};

// Admission of a copy target as a READ (source) or WRITE (destination) from this nexus
// would get it: kNone, or the reason; *conflict for RESERVATION CONFLICT.
SenseReason admit_copy_target(ExecContext &ctx, LogicalUnit &lu, bool write, bool *conflict) {
	if (ctx.nexus && lu.state().reservation_conflict(ctx.nexus->it_nexus_id())) {
		*conflict = true;
		return SenseReason::kNone;
	}
	// A persistent reservation on the copy target admits the copy as it would admit a READ
	// (source) or a WRITE (destination) from the issuing I_T nexus: the copy's target port
	// is the one the command came through (the LU is in the same nexus's LUN map).
	if (ctx.nexus &&
	    pr_conflict(lu, *ctx.nexus, write ? u16(kOpWritesMedium) : u16(kOpReadsMedium | kOpPrRead))) {
		*conflict = true;
		return SenseReason::kNone;
	}
	if (write && lu.read_only())
		return SenseReason::kWriteProtected;
	return SenseReason::kNone;
}

// Step 3: every target a segment uses, found, held and admitted.
Result<void> resolve(ExecContext &ctx, CopyJob &job, bool *conflict) {
	for (u16 i = 0; i < job.segment_count; i++) {
		Segment &s = job.seg[i];
		for (int role = 0; role < 2; role++) {
			u16 index = role ? s.dst : s.src;
			if (index >= job.cscd_count)
				return copy_aborted(ctx.cmd, SenseReason::kCopyTargetDeviceNotReachable,
						    i, role ? 6 : 4);
			Cscd &c = job.cscd[index];
			if (!c.held) {
				DesignatorMatcher m(c);
				c.held = ctx.luns ? ctx.luns->hold_lu(m) : nullptr;
				if (!c.held)
					return copy_aborted(ctx.cmd,
							    SenseReason::kCopyTargetDeviceNotReachable,
							    i, role ? 6 : 4);
				if (c.block_length != c.held->lu().block_size())
					return param_field_error(ctx.cmd, c.off + 29, 7);
			}
			SenseReason r = admit_copy_target(ctx, c.held->lu(), role == 1, conflict);
			if (*conflict)
				return {};
			if (r != SenseReason::kNone)
				return sense_error(r);
		}
		LogicalUnit &src = job.cscd[s.src].held->lu();
		LogicalUnit &dst = job.cscd[s.dst].held->lu();
		if (src.block_size() != dst.block_size())
			return param_field_error(ctx.cmd, s.off + 6, 7);
		if (u64(s.blocks) * src.block_size() > kMaxSegmentLength)
			return param_field_error(ctx.cmd, s.off + 10, 7);
	}
	return {};
}

// A copy target's I/O error as COPY ABORTED: gone -> not reachable, else read/write error.
Error io_aborted(ExecContext &ctx, const Error &e, SenseReason fallback, u16 segment) {
	SenseReason r = reason_of(e);
	if (r == SenseReason::kLunNotSupported || r == SenseReason::kLunCommunicationFailure ||
	    e.errno_value() == KABI_ENODEV)
		return copy_aborted(ctx.cmd, SenseReason::kCopyTargetDeviceNotReachable, segment);
	return copy_aborted(ctx.cmd, fallback, segment);
}

// Step 4: one segment, in scratch-sized chunks; backwards when it overlaps itself forwards
// on the same LU. *done counts the bytes written.
Result<void> copy_segment(ExecContext &ctx, CopyJob &job, u16 index, BlockScratch &scratch,
			  u64 *done) {
	Segment &s = job.seg[index];
	LogicalUnit &src = job.cscd[s.src].held->lu();
	LogicalUnit &dst = job.cscd[s.dst].held->lu();
	if (s.src_lba > src.num_blocks() || s.blocks > src.num_blocks() - s.src_lba)
		return copy_aborted(ctx.cmd, SenseReason::kCopyAborted, index, 12);
	if (s.dst_lba > dst.num_blocks() || s.blocks > dst.num_blocks() - s.dst_lba)
		return copy_aborted(ctx.cmd, SenseReason::kCopyAborted, index, 20);
	u32 bs = src.block_size();
	u32 chunk = scratch.blocks();
	bool same_lu = &src.state() == &dst.state();
	bool backwards = same_lu && s.dst_lba > s.src_lba && s.dst_lba < s.src_lba + s.blocks;
	u32 left = s.blocks;
	while (left) {
		u32 n = left < chunk ? left : chunk;
		u64 rel = backwards ? u64(left - n) : u64(s.blocks - left);
		DataBuf buf(scratch.bytes(n));
		Result<void> r = src.read(s.src_lba + rel, n, buf);
		if (r.is_error())
			return io_aborted(ctx, r.error(), SenseReason::kCopyAbortedReadError, index);
		{
			LuState::SharedWrite serial(dst.state());
			r = dst.write(s.dst_lba + rel, n, buf, false);
		}
		if (r.is_error())
			return io_aborted(ctx, r.error(), SenseReason::kCopyAbortedWriteError, index);
		left -= n;
		*done += u64(n) * bs;
		if (CopyResults *res = ctx.nexus ? ctx.nexus->copy_results() : nullptr)
			res->progress(job.list_id, index, *done);
	}
	return {};
}

Result<void> run_copy(ExecContext &ctx, CopyJob &job, bool *conflict) {
	TRY(resolve(ctx, job, conflict));
	if (*conflict)
		return {};
	u64 done = 0;
	for (u16 i = 0; i < job.segment_count; i++) {
		Segment &s = job.seg[i];
		if (!s.blocks)
			continue;
		BlockScratch scratch(job.cscd[s.src].held->lu().block_size(), s.blocks);
		if (!scratch.ok())
			return copy_aborted(ctx.cmd, SenseReason::kInsufficientResources, i);
		TRY(copy_segment(ctx, job, i, scratch, &done));
	}
	if (CopyResults *res = ctx.nexus ? ctx.nexus->copy_results() : nullptr)
		res->progress(job.list_id, job.segment_count, done);
	return {};
}

// log2 of a block size (a power of two).
u8 log2_of(u32 v) {
	u8 n = 0;
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

} // namespace

// ---- shared with spc.cpp (VPD 0x83) ----

void lu_naa_designator(const LuIdentity &id, u8 *out) {
	u32 cid = id.company_id;
	out[0] = static_cast<u8>(0x60 | ((cid >> 20) & 0x0f));
	out[1] = static_cast<u8>(cid >> 12);
	out[2] = static_cast<u8>(cid >> 4);
	u8 nibbles[32] = {};
	usize n = 0;
	for (usize i = 0; i < id.unit_serial.size() && n < 25; i++) {
		int v = hex_digit_value(id.unit_serial.data()[i]);
		if (v >= 0)
			nibbles[n++] = static_cast<u8>(v);
	}
	// Byte 3: company id's low nibble, then nibble 0; bytes 4..15: nibble pairs.
	out[3] = static_cast<u8>(((cid & 0x0f) << 4) | nibbles[0]);
	for (usize b = 0; b < 12; b++)
		out[4 + b] = static_cast<u8>((nibbles[1 + 2 * b] << 4) | nibbles[2 + 2 * b]);
}

// ---- EXTENDED COPY (LID1) ----

Result<void> handle_extended_copy(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_3pc)
		return sense_error(SenseReason::kInvalidOpcode); // as LIO with emulate_3pc=0
	usize plen = ctx.cmd.cdb().be32(10);
	if (plen == 0)
		return {}; // no parameter list: nothing to do (SPC-4), not an error
	CopyJob *job = new (Gfp::Kernel) CopyJob();
	if (!job)
		return sense_error(SenseReason::kInsufficientResources);
	Result<void> r = parse(ctx, ctx.cmd.data_out_buffer(), plen, *job);
	CopyResults *res = ctx.nexus ? ctx.nexus->copy_results() : nullptr;
	bool registered = false;
	if (r.is_ok() && res) {
		SenseReason busy = res->begin(job->list_id, job->usage == kListIdHold);
		if (busy != SenseReason::kNone)
			r = sense_error(busy);
		else
			registered = true;
	}
	bool conflict = false;
	if (r.is_ok())
		r = run_copy(ctx, *job, &conflict);
	if (registered) {
		u8 sense[SenseData::kMaxLength];
		usize n = 0;
		u8 status = 0x00;
		if (conflict) {
			status = 0x18;
		} else if (r.is_error()) {
			status = 0x02;
			SenseReason why = reason_of(r.error());
			if (why == SenseReason::kNone)
				why = SenseReason::kInternalTargetFailure;
			n = SenseData::build(MutableBytes(sense, sizeof(sense)), why,
					     ctx.cmd.sense_detail(), ctx.cmd.descriptor_sense);
		}
		res->end(job->list_id, status, Bytes(sense, min(n, sizeof(sense))));
	}
	delete job; // releases the held copy targets
	if (conflict) {
		ctx.cmd.complete_reservation_conflict();
		return {};
	}
	return r;
}

// ---- RECEIVE COPY RESULTS ----

Result<void> handle_receive_copy_results(ExecContext &ctx) {
	if (!ctx.lu.attributes().emulate_3pc)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	u8 sa = cdb.service_action();
	u8 list_id = cdb[2];
	u32 alloc = cdb.be32(10);
	Response r(ctx.cmd, alloc);
	if (sa == kSaOperatingParameters) {
		u8 gran = log2_of(ctx.lu.block_size());
		r.put_be32(0, 44 + sizeof(kImplementedDescriptors) - 4);
		r.put(4, 0x00); // SNLID = 0: LIST ID USAGE 11b is not supported
		r.put_be16(8, kMaxCscdDescriptors);
		r.put_be16(10, kMaxSegmentDescriptors);
		r.put_be32(12, kMaxDescriptorListLength);
		r.put_be32(16, kMaxSegmentLength);
		r.put_be32(20, 0); // MAXIMUM INLINE DATA LENGTH
		r.put_be32(24, 0); // HELD DATA LIMIT
		r.put_be32(28, 0); // MAXIMUM STREAM DEVICE TRANSFER SIZE
		r.put_be16(34, CopyResults::kCapacity); // TOTAL CONCURRENT COPIES
		r.put(36, static_cast<u8>(CopyResults::kCapacity)); // MAXIMUM CONCURRENT COPIES
		r.put(37, gran); // DATA SEGMENT GRANULARITY (log2 bytes): whole blocks
		r.put(38, gran); // INLINE DATA GRANULARITY
		r.put(39, gran); // HELD DATA GRANULARITY
		r.put(43, sizeof(kImplementedDescriptors));
		for (usize i = 0; i < sizeof(kImplementedDescriptors); i++)
			r.put(44 + i, kImplementedDescriptors[i]);
		r.finish();
		return {};
	}
	CopyResults *res = ctx.nexus ? ctx.nexus->copy_results() : nullptr;
	CopyResults::Entry e;
	if (!res || !res->lookup(list_id, &e))
		return cdb_field_error(ctx.cmd, 2, 7); // no copy with this LIST IDENTIFIER
	if (sa == kSaCopyStatus) {
		r.put_be32(0, 8);
		u8 state = e.state == CopyResults::State::kRunning ? 0x00
			   : e.state == CopyResults::State::kGood  ? 0x01
								   : 0x02;
		r.put(4, state); // HDD = 0, COPY MANAGER STATUS
		r.put_be16(5, e.segments_processed);
		// TRANSFER COUNT UNITS: bytes, else the smallest power of 1024 that fits.
		u64 count = e.bytes;
		u8 units = 0;
		while (count > 0xffffffffull) {
			count >>= 10;
			units++;
		}
		r.put(7, units);
		r.put_be32(8, count);
		r.finish();
		return {};
	}
	if (sa != kSaFailedSegmentDetails)
		return cdb_field_error(ctx.cmd, 1, 4); // (the table has no other row)
	// FAILED SEGMENT DETAILS: the status and sense of a failed copy with held results,
	// discarded once transferred whole (or asked for with allocation length 0).
	if (e.state != CopyResults::State::kFailed || e.sense_length == 0) {
		r.put_be32(0, 0);
		r.finish();
		return {};
	}
	usize total = 60 + e.sense_length;
	r.put_be32(0, total - 4);
	r.put(56, e.status);
	r.put_be16(58, e.sense_length);
	for (usize i = 0; i < e.sense_length; i++)
		r.put(60 + i, e.sense[i]);
	r.finish();
	if (alloc == 0 || alloc >= total)
		res->discard_sense(list_id);
	return {};
}

} // namespace lio::scsi
