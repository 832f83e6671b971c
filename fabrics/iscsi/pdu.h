// SPDX-License-Identifier: GPL-2.0
/*
 * fabrics/iscsi/pdu.h: the iSCSI Basic Header Segment (RFC 7143 11.2) as a 48-byte value
 * with named big-endian accessors, the opcodes, and the status / reason codes the target
 * sends. No bitfields, no casts of wire memory to structs: every field is read and written
 * through an offset of the fixed 48-byte array, so nothing here can go out of bounds.
 *
 *   Bhs h = ...;                           // 48 bytes received
 *   if (h.opcode() == Opcode::kScsiCmd) { u32 edtl = h.be32(20); ... }
 *   Bhs r = Bhs::make(Opcode::kScsiRsp);    // zeroed, opcode set
 *   r.set_be32(24, stat_sn);
 */
#ifndef LIO_FABRICS_ISCSI_PDU_H
#define LIO_FABRICS_ISCSI_PDU_H

#include "lio/span.h"
#include "lio/types.h"

namespace lio::fabrics::iscsi {

constexpr u32 kBhsLength = 48;
constexpr u32 kDigestLength = 4;
// RFC 7143 13.12: MaxRecvDataSegmentLength 512..2^24-1.
constexpr u32 kMaxDataSegment = (1u << 24) - 1;

enum class Opcode : u8 {
	// initiator -> target
	kNopOut = 0x00,
	kScsiCmd = 0x01,
	kTmfReq = 0x02,
	kLoginReq = 0x03,
	kTextReq = 0x04,
	kDataOut = 0x05,
	kLogoutReq = 0x06,
	kSnackReq = 0x10,
	// target -> initiator
	kNopIn = 0x20,
	kScsiRsp = 0x21,
	kTmfRsp = 0x22,
	kLoginRsp = 0x23,
	kTextRsp = 0x24,
	kDataIn = 0x25,
	kLogoutRsp = 0x26,
	kR2t = 0x31,
	kAsyncMsg = 0x32,
	kReject = 0x3f,
};

// Byte 1 flag bits.
constexpr u8 kFlagFinal = 0x80;    // F (most PDUs), T (login: transit)
constexpr u8 kFlagContinue = 0x40; // C (login, text)
// SCSI Command byte 1.
constexpr u8 kCmdRead = 0x40;
constexpr u8 kCmdWrite = 0x20;
constexpr u8 kCmdAttrMask = 0x07;
// SCSI Response / Data-In byte 1.
constexpr u8 kRspBidiOverflow = 0x10;  // o
constexpr u8 kRspBidiUnderflow = 0x08; // u
constexpr u8 kRspOverflow = 0x04;      // O
constexpr u8 kRspUnderflow = 0x02;     // U
constexpr u8 kDataInAck = 0x40;        // A
constexpr u8 kDataInStatus = 0x01;     // S

// Login stages (CSG / NSG).
enum class Stage : u8 { kSecurity = 0, kOperational = 1, kFullFeature = 3 };

// Login Response Status-Class / Status-Detail (RFC 7143 11.13.5), as class << 8 | detail.
enum class LoginStatus : u16 {
	kSuccess = 0x0000,
	kTargetMovedTemp = 0x0101,
	kTargetMovedPerm = 0x0102,
	kInitiatorError = 0x0200,
	kAuthFailed = 0x0201,
	kForbidden = 0x0202,
	kNotFound = 0x0203,
	kTargetRemoved = 0x0204,
	kUnsupportedVersion = 0x0205,
	kTooManyConnections = 0x0206,
	kMissingParameter = 0x0207,
	kCantIncludeInSession = 0x0208,
	kSessionTypeNotSupported = 0x0209,
	kSessionDoesNotExist = 0x020a,
	kInvalidDuringLogin = 0x020b,
	kTargetError = 0x0300,
	kServiceUnavailable = 0x0301,
	kOutOfResources = 0x0302,
};

// Reject reasons (RFC 7143 11.17.1).
enum class RejectReason : u8 {
	kDataDigestError = 0x02,
	kSnackReject = 0x03,
	kProtocolError = 0x04,
	kCommandNotSupported = 0x05,
	kImmediateCommandReject = 0x06,
	kTaskInProgress = 0x07,
	kInvalidDataAck = 0x08,
	kInvalidPduField = 0x09,
	kLongOpReject = 0x0a,
	kNegotiationReset = 0x0b,
	kWaitingForLogout = 0x0c,
};

// The reserved ITT value (RFC 7143 11.2.1.8): no task.
constexpr u32 kReservedTag = 0xffffffffu;

class Bhs final {
  public:
	static Bhs make(Opcode op) {
		Bhs h;
		h.b_[0] = static_cast<u8>(op);
		return h;
	}

	MutableBytes bytes() { return MutableBytes(b_, kBhsLength); }
	Bytes bytes() const { return Bytes(b_, kBhsLength); }

	Opcode opcode() const { return static_cast<Opcode>(b_[0] & 0x3f); }
	bool immediate() const { return (b_[0] & 0x40) != 0; }
	u8 flags() const { return b_[1]; }
	void set_flags(u8 f) { b_[1] = f; }
	// In 4-byte words (RFC 7143 11.2.1.4).
	u8 total_ahs_words() const { return b_[4]; }
	u32 data_segment_length() const { return be24(5); }
	void set_data_segment_length(u32 len) { set_be24(5, len); }
	u64 lun_field() const { return be64(8); }
	void set_lun_field(u64 v) { set_be64(8, v); }
	u32 itt() const { return be32(16); }
	void set_itt(u32 v) { set_be32(16, v); }

	// Raw fields by offset; offsets are compile-time constants of the callers, checked here.
	u8 u8_at(u32 off) const { return b_[check(off, 1)]; }
	void set_u8(u32 off, u8 v) { b_[check(off, 1)] = v; }
	u16 be16(u32 off) const { return static_cast<u16>(load(off, 2)); }
	u32 be24(u32 off) const { return static_cast<u32>(load(off, 3)); }
	u32 be32(u32 off) const { return static_cast<u32>(load(off, 4)); }
	u64 be48(u32 off) const { return load(off, 6); }
	u64 be64(u32 off) const { return load(off, 8); }
	void set_be16(u32 off, u16 v) { store(off, 2, v); }
	void set_be24(u32 off, u32 v) { store(off, 3, v & 0xffffff); }
	void set_be32(u32 off, u32 v) { store(off, 4, v); }
	void set_be48(u32 off, u64 v) { store(off, 6, v); }
	void set_be64(u32 off, u64 v) { store(off, 8, v); }

  private:
	static u32 check(u32 off, u32 width) {
		LIO_VERIFY(off <= kBhsLength && width <= kBhsLength - off);
		return off;
	}
	u64 load(u32 off, u32 width) const { return detail::load_be(b_ + check(off, width), width); }
	void store(u32 off, u32 width, u64 v) { detail::store_be(b_ + check(off, width), width, v); }

	u8 b_[kBhsLength] = {};
};

// Serial number arithmetic (RFC 1982, 32 bits) for CmdSN, StatSN, DataSN.
inline bool sn_lt(u32 a, u32 b) { return a != b && static_cast<s32>(a - b) < 0; }
inline bool sn_le(u32 a, u32 b) { return a == b || sn_lt(a, b); }

// Pads a data segment length to the 4-byte boundary.
constexpr u32 pad4(u32 len) { return (len + 3) & ~3u; }

} // namespace lio::fabrics::iscsi

#endif // LIO_FABRICS_ISCSI_PDU_H
