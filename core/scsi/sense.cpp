// SPDX-License-Identifier: GPL-2.0
// core/scsi/sense.cpp: the reason table and the sense data formats (SPC-4 4.5).
#include "core/scsi/sense.h"

namespace lio::scsi {

namespace {

struct SenseRow {
	SenseReason reason;
	SenseTriple triple;
};

using K = SenseKey;
using R = SenseReason;

// One row per reason, in enum order (checked below).
constexpr SenseRow kSenseTable[] = {
	{R::kNone, {K::kNoSense, 0x00, 0x00}},
	{R::kInvalidOpcode, {K::kIllegalRequest, 0x20, 0x00}},
	{R::kInvalidFieldInCdb, {K::kIllegalRequest, 0x24, 0x00}},
	{R::kLbaOutOfRange, {K::kIllegalRequest, 0x21, 0x00}},
	{R::kParameterListLength, {K::kIllegalRequest, 0x1a, 0x00}},
	{R::kInvalidFieldInParamList, {K::kIllegalRequest, 0x26, 0x00}},
	{R::kSavingParamsUnsupported, {K::kIllegalRequest, 0x39, 0x00}},
	{R::kLunNotSupported, {K::kIllegalRequest, 0x25, 0x00}},
	{R::kInvalidFieldInCommandIu, {K::kIllegalRequest, 0x0e, 0x03}},
	{R::kInsufficientResources, {K::kIllegalRequest, 0x55, 0x03}},
	{R::kInvalidReleaseOfPr, {K::kIllegalRequest, 0x26, 0x04}},
	{R::kInsufficientRegistrationResources, {K::kIllegalRequest, 0x55, 0x04}},
	{R::kCopyTargetDeviceNotReachable, {K::kCopyAborted, 0x0d, 0x02}},
	{R::kWriteProtected, {K::kDataProtect, 0x27, 0x00}},
	{R::kSpaceAllocationFailedWriteProtect, {K::kDataProtect, 0x27, 0x07}},
	{R::kMiscompareDuringVerify, {K::kMiscompare, 0x1d, 0x00}},
	{R::kUnrecoveredReadError, {K::kMediumError, 0x11, 0x00}},
	{R::kWriteError, {K::kMediumError, 0x0c, 0x00}},
	{R::kLogicalBlockGuardCheckFailed, {K::kAbortedCommand, 0x10, 0x01}},
	{R::kLogicalBlockAppTagCheckFailed, {K::kAbortedCommand, 0x10, 0x02}},
	{R::kLogicalBlockRefTagCheckFailed, {K::kAbortedCommand, 0x10, 0x03}},
	{R::kInternalTargetFailure, {K::kHardwareError, 0x44, 0x00}},
	{R::kLunCommunicationFailure, {K::kHardwareError, 0x08, 0x00}},
	{R::kNotReadyCauseNotReportable, {K::kNotReady, 0x04, 0x00}},
	{R::kNotReadyBecomingReady, {K::kNotReady, 0x04, 0x01}},
	{R::kNotReadyManualIntervention, {K::kNotReady, 0x04, 0x03}},
	{R::kNotReadyAluaTransition, {K::kNotReady, 0x04, 0x0a}},
	{R::kNotReadyAluaStandby, {K::kNotReady, 0x04, 0x0b}},
	{R::kNotReadyAluaUnavailable, {K::kNotReady, 0x04, 0x0c}},
	{R::kNotReadyAluaOffline, {K::kNotReady, 0x04, 0x12}},
	{R::kMediumNotPresent, {K::kNotReady, 0x3a, 0x00}},
	{R::kPowerOnResetOccurred, {K::kUnitAttention, 0x29, 0x00}},
	{R::kModeParametersChanged, {K::kUnitAttention, 0x2a, 0x01}},
	{R::kReservationsPreempted, {K::kUnitAttention, 0x2a, 0x03}},
	{R::kReservationsReleased, {K::kUnitAttention, 0x2a, 0x04}},
	{R::kRegistrationsPreempted, {K::kUnitAttention, 0x2a, 0x05}},
	{R::kAsymmetricAccessStateChanged, {K::kUnitAttention, 0x2a, 0x06}},
	{R::kCapacityDataChanged, {K::kUnitAttention, 0x2a, 0x09}},
	{R::kReportedLunsDataChanged, {K::kUnitAttention, 0x3f, 0x0e}},
	{R::kCommandsClearedByAnotherInitiator, {K::kUnitAttention, 0x2f, 0x00}},
	{R::kInquiryDataChanged, {K::kUnitAttention, 0x3f, 0x03}},
	{R::kAbortedCommand, {K::kAbortedCommand, 0x00, 0x00}},
	{R::kInitiatorDetectedError, {K::kAbortedCommand, 0x48, 0x00}},
	{R::kOverlappedCommands, {K::kAbortedCommand, 0x4e, 0x00}},
	{R::kTooManyTargetDescriptors, {K::kIllegalRequest, 0x26, 0x06}},
	{R::kUnsupportedTargetDescriptorType, {K::kIllegalRequest, 0x26, 0x07}},
	{R::kTooManySegmentDescriptors, {K::kIllegalRequest, 0x26, 0x08}},
	{R::kUnsupportedSegmentDescriptorType, {K::kIllegalRequest, 0x26, 0x09}},
	{R::kOperationInProgress, {K::kIllegalRequest, 0x00, 0x16}},
	{R::kCopyAborted, {K::kCopyAborted, 0x00, 0x00}},
	{R::kCopyAbortedReadError, {K::kCopyAborted, 0x11, 0x00}},
	{R::kCopyAbortedWriteError, {K::kCopyAborted, 0x0c, 0x00}},
};

constexpr bool table_in_order() {
	if (sizeof(kSenseTable) / sizeof(kSenseTable[0]) != static_cast<usize>(R::kCount))
		return false;
	for (usize i = 0; i < static_cast<usize>(R::kCount); i++)
		if (static_cast<usize>(kSenseTable[i].reason) != i)
			return false;
	return true;
}
static_assert(table_in_order(), "kSenseTable: one row per SenseReason, in enum order");

// A byte write that drops what does not fit.
inline void put(MutableBytes out, usize off, u8 v) {
	if (off < out.size())
		out.data()[off] = v;
}
inline void put_be(MutableBytes out, usize off, usize width, u64 v) {
	for (usize i = 0; i < width; i++)
		put(out, off + i, static_cast<u8>(v >> (8 * (width - 1 - i))));
}

// The three SENSE-KEY SPECIFIC bytes of a field pointer.
inline void put_field_pointer(MutableBytes out, usize off, const SenseDetail &d) {
	u8 b = 0x80; // SKSV
	if (d.in_cdb)
		b |= 0x40;
	if (d.sd)
		b |= 0x20; // SD of a segment pointer (COPY ABORTED)
	if (d.bit_valid)
		b |= 0x08 | (d.bit & 7);
	put(out, off, b);
	put_be(out, off + 1, 2, d.byte);
}

} // namespace

SenseTriple sense_triple(SenseReason reason) {
	usize i = static_cast<usize>(reason);
	if (i >= static_cast<usize>(R::kCount))
		i = static_cast<usize>(R::kInternalTargetFailure);
	return kSenseTable[i].triple;
}

usize SenseData::build(MutableBytes out, SenseReason reason, const SenseDetail &detail,
		       bool descriptor_format) {
	SenseTriple t = sense_triple(reason);
	out.fill(0);
	if (!descriptor_format) {
		// Fixed format: INFORMATION is 4 bytes; VALID only when the value fits.
		bool info_valid = detail.has_information && detail.information <= 0xffffffffull;
		put(out, 0, static_cast<u8>(0x70 | (info_valid ? 0x80 : 0)));
		put(out, 2, static_cast<u8>(t.key));
		if (info_valid)
			put_be(out, 3, 4, detail.information);
		if (detail.has_command_specific)
			put_be(out, 8, 4, detail.command_specific);
		put(out, 7, static_cast<u8>(kFixedLength - 8));
		put(out, 12, t.asc);
		put(out, 13, t.ascq);
		if (detail.has_field_pointer)
			put_field_pointer(out, 15, detail);
		return kFixedLength;
	}
	put(out, 0, 0x72);
	put(out, 1, static_cast<u8>(t.key));
	put(out, 2, t.asc);
	put(out, 3, t.ascq);
	usize off = 8;
	if (detail.has_information) {
		put(out, off, 0x00); // INFORMATION descriptor
		put(out, off + 1, 0x0a);
		put(out, off + 2, 0x80); // VALID
		put_be(out, off + 4, 8, detail.information);
		off += 12;
	}
	if (detail.has_command_specific) {
		put(out, off, 0x01); // COMMAND-SPECIFIC INFORMATION descriptor
		put(out, off + 1, 0x0a);
		put_be(out, off + 4, 8, detail.command_specific);
		off += 12;
	}
	if (detail.has_field_pointer) {
		put(out, off, 0x02); // SENSE KEY SPECIFIC descriptor
		put(out, off + 1, 0x06);
		put_field_pointer(out, off + 4, detail);
		off += 8;
	}
	put(out, 7, static_cast<u8>(off - 8));
	return off;
}

} // namespace lio::scsi
