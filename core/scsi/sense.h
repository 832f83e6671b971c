// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sense.h: why a SCSI command failed, and the sense data that says so.
 *
 * SenseReason names one (sense key, ASC, ASCQ) triple; it travels in lio::Error's u16 sense
 * field (sense_error() / reason_of()), so any layer returning Result<> can fail a command with
 * exact sense. Details that vary per command (the field pointer of an INVALID FIELD IN CDB,
 * the INFORMATION of a MISCOMPARE) travel beside it in a SenseDetail, which the command keeps.
 * SenseData::build() writes fixed (0x70) or descriptor (0x72) format, as D_SENSE selects.
 */
#ifndef LIO_CORE_SCSI_SENSE_H
#define LIO_CORE_SCSI_SENSE_H

#include "lio/result.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::scsi {

// SPC-4 4.5.6 sense keys.
enum class SenseKey : u8 {
	kNoSense = 0x0,
	kRecoveredError = 0x1,
	kNotReady = 0x2,
	kMediumError = 0x3,
	kHardwareError = 0x4,
	kIllegalRequest = 0x5,
	kUnitAttention = 0x6,
	kDataProtect = 0x7,
	kBlankCheck = 0x8,
	kCopyAborted = 0xa,
	kAbortedCommand = 0xb,
	kVolumeOverflow = 0xd,
	kMiscompare = 0xe,
};

// Every value is a row of kSenseTable (sense.cpp); 0 means "no sense" (not an error).
enum class SenseReason : u16 {
	kNone = 0,
	// ILLEGAL REQUEST
	kInvalidOpcode,             // 20/00 INVALID COMMAND OPERATION CODE
	kInvalidFieldInCdb,         // 24/00 (field pointer: C/D = 1)
	kLbaOutOfRange,             // 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE
	kParameterListLength,       // 1A/00 PARAMETER LIST LENGTH ERROR
	kInvalidFieldInParamList,   // 26/00 (field pointer: C/D = 0)
	kSavingParamsUnsupported,   // 39/00 SAVING PARAMETERS NOT SUPPORTED
	kLunNotSupported,           // 25/00 LOGICAL UNIT NOT SUPPORTED
	kInvalidFieldInCommandIu,   // 0E/03 INVALID FIELD IN COMMAND INFORMATION UNIT
	kInsufficientResources,     // 55/03 INSUFFICIENT RESOURCES
	kInvalidReleaseOfPr,        // 26/04 INVALID RELEASE OF PERSISTENT RESERVATION
	kInsufficientRegistrationResources, // 55/04 (persistent reservations)
	kCopyTargetDeviceNotReachable, // 0D/02 (COPY ABORTED)
	// DATA PROTECT
	kWriteProtected,            // 27/00
	kSpaceAllocationFailedWriteProtect, // 27/07
	// MISCOMPARE
	kMiscompareDuringVerify,    // 1D/00 (INFORMATION: offset of the first differing byte)
	// MEDIUM ERROR
	kUnrecoveredReadError,      // 11/00
	kWriteError,                // 0C/00
	kLogicalBlockGuardCheckFailed, // 10/01
	kLogicalBlockAppTagCheckFailed, // 10/02
	kLogicalBlockRefTagCheckFailed, // 10/03
	// HARDWARE ERROR
	kInternalTargetFailure,     // 44/00
	kLunCommunicationFailure,   // 08/00
	// NOT READY
	kNotReadyCauseNotReportable, // 04/00
	kNotReadyBecomingReady,     // 04/01
	kNotReadyManualIntervention, // 04/03
	kNotReadyAluaTransition,    // 04/0A ASYMMETRIC ACCESS STATE TRANSITION
	kNotReadyAluaStandby,       // 04/0B TARGET PORT IN STANDBY STATE
	kNotReadyAluaUnavailable,   // 04/0C TARGET PORT IN UNAVAILABLE STATE
	kNotReadyAluaOffline,       // 04/12 LOGICAL UNIT NOT READY, OFFLINE (ALUA offline port)
	kMediumNotPresent,          // 3A/00
	// UNIT ATTENTION
	kPowerOnResetOccurred,      // 29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
	kModeParametersChanged,     // 2A/01
	kReservationsPreempted,     // 2A/03
	kReservationsReleased,      // 2A/04
	kRegistrationsPreempted,    // 2A/05
	kAsymmetricAccessStateChanged, // 2A/06
	kCapacityDataChanged,       // 2A/09
	kReportedLunsDataChanged,   // 3F/0E
	kCommandsClearedByAnotherInitiator, // 2F/00
	kInquiryDataChanged,        // 3F/03 (ALUA: the LUN moved to another port group)
	// ABORTED COMMAND
	kAbortedCommand,            // 00/00 (sense key only)
	kInitiatorDetectedError,    // 48/00 INITIATOR DETECTED ERROR MESSAGE RECEIVED
	kOverlappedCommands,        // 4E/00 OVERLAPPED COMMANDS ATTEMPTED
	// ---- copy offload (EXTENDED COPY, RECEIVE COPY RESULTS) ----
	kTooManyTargetDescriptors,  // ILLEGAL REQUEST 26/06
	kUnsupportedTargetDescriptorType, // ILLEGAL REQUEST 26/07
	kTooManySegmentDescriptors, // ILLEGAL REQUEST 26/08
	kUnsupportedSegmentDescriptorType, // ILLEGAL REQUEST 26/09
	kOperationInProgress,       // ILLEGAL REQUEST 00/16 (a copy with that LIST ID is running)
	kCopyAborted,               // COPY ABORTED 00/00 (segment pointer, segment number)
	kCopyAbortedReadError,      // COPY ABORTED 11/00 (the source's read failed)
	kCopyAbortedWriteError,     // COPY ABORTED 0C/00 (the destination's write failed)
	kCount,                     // not a reason: the table size
};

struct SenseTriple {
	SenseKey key;
	u8 asc;
	u8 ascq;
};

// The (key, ASC, ASCQ) of a reason; an out-of-range value maps to INTERNAL TARGET FAILURE.
SenseTriple sense_triple(SenseReason reason);

// An Error carrying `reason` (errno EIO; the SCSI layer only looks at the sense).
inline Error sense_error(SenseReason reason) {
	return Error::from_errno(KABI_EIO).with_sense(static_cast<u16>(reason));
}
// The reason an Error carries (kNone if it carries none).
inline SenseReason reason_of(const Error &e) { return static_cast<SenseReason>(e.sense()); }

// Per-command details next to the reason.
struct SenseDetail {
	// SENSE-KEY SPECIFIC field pointer (SPC-4 4.5.2.4.2): the byte and bit of the first
	// offending field; in_cdb = C/D (1: the CDB, 0: the parameter list).
	bool has_field_pointer = false;
	bool in_cdb = true;
	bool bit_valid = false; // BPV
	u8 bit = 0;
	u16 byte = 0;
	// INFORMATION (e.g. the offset of the first miscompare).
	bool has_information = false;
	u64 information = 0;
	// ---- copy offload ----
	// COPY ABORTED's SENSE-KEY SPECIFIC is a segment pointer (SPC-4 4.5.2.4.5): the field
	// pointer above with SD in place of C/D (in_cdb false): sd = the byte is relative to the
	// segment descriptor named by COMMAND-SPECIFIC INFORMATION bytes 2-3, else to the
	// parameter list.
	bool sd = false;
	bool has_command_specific = false;
	u32 command_specific = 0; // fixed format bytes 8-11 / descriptor type 01h

	static SenseDetail cdb_field(u16 byte, u8 bit) {
		SenseDetail d;
		d.has_field_pointer = true;
		d.in_cdb = true;
		d.bit_valid = true;
		d.bit = static_cast<u8>(bit & 7);
		d.byte = byte;
		return d;
	}
	static SenseDetail param_field(u16 byte, u8 bit) {
		SenseDetail d = cdb_field(byte, bit);
		d.in_cdb = false;
		return d;
	}
};

class SenseData final {
  public:
	// Fixed format is 18 bytes; descriptor format 8 + information (12) + SKS (8).
	static constexpr usize kFixedLength = 18;
	static constexpr usize kMaxLength = 28;

	// Writes sense data for `reason` into out (up to out.size() bytes, silently clipped) and
	// returns the full length that the format needs. kNone gives NO SENSE 00/00.
	static usize build(MutableBytes out, SenseReason reason, const SenseDetail &detail,
			   bool descriptor_format);
};

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_SENSE_H
