// SPDX-License-Identifier: GPL-2.0
// core/scsi/alua.cpp: asymmetric logical unit access (SPC-4 5.16): admission by the access
// state of the nexus's target port group, REPORT TARGET PORT GROUPS and SET TARGET PORT
// GROUPS. The groups themselves belong to the device model (ItlNexus::alua_port_groups).
#include "core/scsi/handlers.h"
#include "lio/lock.h"

namespace lio::scsi {

namespace {

constexpr u8 kOpInquiry = 0x12;
constexpr u8 kOpRequestSense = 0x03;
constexpr u8 kOpReportLuns = 0xa0;
constexpr u8 kOpLogSelect = 0x4c;
constexpr u8 kOpLogSense = 0x4d;
constexpr u8 kOpModeSelect6 = 0x15;
constexpr u8 kOpModeSelect10 = 0x55;
constexpr u8 kOpModeSense6 = 0x1a;
constexpr u8 kOpModeSense10 = 0x5a;
constexpr u8 kOpReceiveDiagnostic = 0x1c;
constexpr u8 kOpSendDiagnostic = 0x1d;
constexpr u8 kOpReadCapacity10 = 0x25;
constexpr u8 kOpServiceActionIn16 = 0x9e;
constexpr u8 kSaReadCapacity16 = 0x10;
constexpr u8 kOpMaintenanceIn = 0xa3;
constexpr u8 kOpMaintenanceOut = 0xa4;
constexpr u8 kSaTargetPortGroups = 0x0a; // REPORT (IN) and SET (OUT)
constexpr u8 kOpPersistentReserveIn = 0x5e;
constexpr u8 kOpPersistentReserveOut = 0x5f;
constexpr u8 kOpReadBuffer = 0x3c;
constexpr u8 kOpWriteBuffer = 0x3b;

bool is_rtpg(const Cdb &cdb) {
	return cdb.opcode() == kOpMaintenanceIn && cdb.service_action() == kSaTargetPortGroups;
}
bool is_stpg(const Cdb &cdb) {
	return cdb.opcode() == kOpMaintenanceOut && cdb.service_action() == kSaTargetPortGroups;
}

// What every inaccessible state still accepts (SPC-4 5.16.2.4.5-7 and LIO): INQUIRY,
// REPORT LUNS, REQUEST SENSE, READ/WRITE BUFFER, REPORT TARGET PORT GROUPS.
bool always_allowed(const Cdb &cdb) {
	switch (cdb.opcode()) {
	case kOpInquiry:
	case kOpReportLuns:
	case kOpRequestSense:
	case kOpReadBuffer:
	case kOpWriteBuffer:
		return true;
	default:
		return is_rtpg(cdb);
	}
}

// Standby (SPC-4 5.16.2.4.5; LIO also lets READ CAPACITY through).
bool standby_allows(const Cdb &cdb) {
	if (always_allowed(cdb) || is_stpg(cdb))
		return true;
	switch (cdb.opcode()) {
	case kOpLogSelect:
	case kOpLogSense:
	case kOpModeSelect6:
	case kOpModeSelect10:
	case kOpModeSense6:
	case kOpModeSense10:
	case kOpReceiveDiagnostic:
	case kOpSendDiagnostic:
	case kOpReadCapacity10:
	case kOpPersistentReserveIn:
	case kOpPersistentReserveOut:
		return true;
	case kOpServiceActionIn16:
		return cdb.service_action() == kSaReadCapacity16;
	default:
		return false;
	}
}

constinit LockClass nonop_delay_class("lio_alua_nonop_delay");

} // namespace

SenseReason alua_admission(const ItlNexus &nexus, const Cdb &cdb, const OpcodeRow &row) {
	AluaPortState s = nexus.alua_port_state();
	if (s.offline) // the port's secondary state: LIO refuses everything, so do we
		return SenseReason::kNotReadyAluaOffline;
	if (!s.has_group)
		return SenseReason::kNone;
	switch (s.state) {
	case AluaState::kActiveOptimized:
		return SenseReason::kNone;
	case AluaState::kActiveNonOptimized:
		// LIO delays commands on a non-optimized path by nonop_delay_msecs; media access is
		// what the delay is meant to steer away.
		if (s.nonop_delay_ms && (row.flags & (kOpReadsMedium | kOpWritesMedium))) {
			Completion never(nonop_delay_class);
			(void)never.wait_for_ms(s.nonop_delay_ms);
		}
		return SenseReason::kNone;
	case AluaState::kStandby:
		return standby_allows(cdb) ? SenseReason::kNone : SenseReason::kNotReadyAluaStandby;
	case AluaState::kUnavailable:
		return always_allowed(cdb) || is_stpg(cdb) ? SenseReason::kNone
							   : SenseReason::kNotReadyAluaUnavailable;
	case AluaState::kTransitioning:
		return always_allowed(cdb) ? SenseReason::kNone
					   : SenseReason::kNotReadyAluaTransition;
	case AluaState::kOffline:
		return always_allowed(cdb) ? SenseReason::kNone : SenseReason::kNotReadyAluaOffline;
	case AluaState::kLbaDependent: // no LBA map can be set (lba_map is refused)
		return SenseReason::kNone;
	}
	return SenseReason::kNone;
}

namespace {

// Writes the descriptors as the device model visits the groups.
class RtpgWriter final : public AluaReportVisitor {
  public:
	RtpgWriter(Response &r, usize off) : r_(r), off_(off) {}

	void group(const AluaGroupReport &g) override {
		r_.put(off_ + 0, static_cast<u8>((g.preferred ? 0x80 : 0) |
						 (static_cast<u8>(g.state) & 0x0f)));
		r_.put(off_ + 1, g.supported);
		r_.put_be16(off_ + 2, g.id);
		r_.put(off_ + 5, g.status);
		r_.put(off_ + 7, g.port_count);
		off_ += 8;
	}
	void port(u16 relative_port_id) override {
		r_.put_be16(off_ + 2, relative_port_id);
		off_ += 4;
	}
	usize end() const { return off_; }

  private:
	Response &r_;
	usize off_;
};

} // namespace

// REPORT TARGET PORT GROUPS (SPC-4 6.36): PARAMETER DATA FORMAT 000b (length only) or 001b
// (extended header with the implicit transition time of the nexus's group); the mask lets
// only bit 5 of the format through. RETURN DATA LENGTH counts the bytes after itself.
Result<void> handle_report_target_port_groups(ExecContext &ctx) {
	AluaPortGroups *groups = ctx.nexus ? ctx.nexus->alua_port_groups() : nullptr;
	if (!groups)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	bool extended = (cdb[1] & 0x20) != 0;
	Response r(ctx.cmd, cdb.be32(6));
	usize header = extended ? 8 : 4;
	if (extended) {
		r.put(4, 0x10); // FORMAT TYPE 001b
		r.put(5, groups->implicit_transition_secs());
	}
	RtpgWriter w(r, header);
	groups->report(w);
	r.extend(w.end());
	r.put_be32(0, w.end() - 4);
	r.finish();
	return {};
}

// SET TARGET PORT GROUPS (SPC-4 6.44): a 4-byte reserved header, then 4-byte descriptors
// (ASYMMETRIC ACCESS STATE in byte 0 bits 3:0, a group id, or for OFFLINE a relative target
// port id, in bytes 2-3). The form is checked here, the states and ids by the device model,
// before anything changes.
Result<void> handle_set_target_port_groups(ExecContext &ctx) {
	AluaPortGroups *groups = ctx.nexus ? ctx.nexus->alua_port_groups() : nullptr;
	if (!groups)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	u32 length = cdb.be32(6);
	if (length == 0)
		return {};
	Bytes data = ctx.cmd.data_out_buffer();
	if (length < 4 || (length - 4) % 4 != 0 || data.size() < length)
		return sense_error(SenseReason::kParameterListLength);
	constexpr usize kMaxDescriptors = 64;
	usize n = (length - 4) / 4;
	if (n > kMaxDescriptors) {
		ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(4 + 4 * kMaxDescriptors), 7);
		return sense_error(SenseReason::kInvalidFieldInParamList);
	}
	AluaSetDescriptor descs[kMaxDescriptors];
	const u8 *p = data.data();
	for (usize i = 0; i < n; i++) {
		usize off = 4 + 4 * i;
		u8 b0 = p[off];
		if (b0 & 0xf0) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(
			    static_cast<u16>(off), static_cast<u8>(31 - __builtin_clz(b0 & 0xf0)));
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		if (p[off + 1]) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(
			    static_cast<u16>(off + 1), static_cast<u8>(31 - __builtin_clz(p[off + 1])));
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		u8 state = b0 & 0x0f;
		if (!(state <= 4 || state == 0xe || state == 0xf)) {
			ctx.cmd.sense_detail() = SenseDetail::param_field(static_cast<u16>(off), 3);
			return sense_error(SenseReason::kInvalidFieldInParamList);
		}
		descs[i].state = static_cast<AluaState>(state);
		descs[i].id = static_cast<u16>((p[off + 2] << 8) | p[off + 3]);
	}
	SenseReason r = groups->set_target_port_groups(Span<const AluaSetDescriptor>(descs, n),
						       *ctx.nexus);
	if (r != SenseReason::kNone)
		return sense_error(r);
	return {};
}

} // namespace lio::scsi
