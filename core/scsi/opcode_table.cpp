// SPDX-License-Identifier: GPL-2.0
// core/scsi/opcode_table.cpp: the opcode table and the dispatcher.
#include "core/scsi/opcode_table.h"

#include "core/scsi/handlers.h"
#include "lio/alloc.h"

namespace lio::scsi {

namespace {

// The CONTROL byte: NACA (ACA is not supported), the obsolete FLAG and LINK bits and the
// vendor-specific bits are all refused.
constexpr u8 kCtl = 0x00;

using D = DataDirection;

// Common flag sets. SPC-2 5.5.1: under a reservation held by another I_T nexus only
// INQUIRY, REQUEST SENSE, REPORT LUNS and RELEASE run (and PREVENT ALLOW MEDIUM REMOVAL with
// PREVENT = 0, checked by its handler); REPORT SUPPORTED OPERATION CODES / TASK MANAGEMENT
// FUNCTIONS are let through as SPC-4 does under persistent reservations (they only describe
// the target). Only INQUIRY, REPORT LUNS and REQUEST SENSE pass a pending unit attention.
//
// Persistent reservations (SPC-4 5.12.10, SBC-3 4.17.2): kInfo and kReport rows, TEST UNIT
// READY, READ CAPACITY, PR IN/OUT (their service actions decide) and RESERVE/RELEASE (CRH:
// their handlers decide) are allowed under every type; reads, VERIFY, MODE SENSE, GET LBA
// STATUS and PRE-FETCH are open to every nexus under the Write Exclusive types; everything
// else only to the holder (and to registrants under the registrants-only/all types).
constexpr u16 kInfo = kOpOkWhileNotReady | kOpOkUnderConflict | kOpOkWithUa | kOpPrAllowed;
constexpr u16 kReport = kOpOkWhileNotReady | kOpOkUnderConflict | kOpPrAllowed;
constexpr u16 kRead = kOpReadsMedium | kOpDirectData | kOpPrRead;
constexpr u16 kWrite = kOpWritesMedium | kOpDirectData;

// SERVICE ACTION IN(16), sorted by service action.
constexpr OpcodeRow kServiceActionIn16[] = {
	{0x9e, 0x10, 16, D::kIn, kOpPrAllowed, "READ CAPACITY(16)",
	 {0xff, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x01, kCtl},
	 handle_read_capacity16, nullptr, 0},
	{0x9e, 0x12, 16, D::kIn, kOpPrRead, "GET LBA STATUS",
	 {0xff, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x00, kCtl},
	 handle_get_lba_status, nullptr, 0},
};

// MAINTENANCE IN, sorted by service action. REPORT TARGET PORT GROUPS: PARAMETER DATA
// FORMAT 000b or 001b (byte 1 bit 5).
constexpr OpcodeRow kMaintenanceIn[] = {
	{0xa3, 0x0a, 12, D::kIn, kReport, "REPORT TARGET PORT GROUPS",
	 {0xff, 0x3f, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_report_target_port_groups, nullptr, 0},
	{0xa3, 0x0c, 12, D::kIn, kReport, "REPORT SUPPORTED OPERATION CODES",
	 {0xff, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_report_supported_opcodes, nullptr, 0},
	{0xa3, 0x0d, 12, D::kIn, kReport, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS",
	 {0xff, 0x1f, 0x80, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_report_supported_tmfs, nullptr, 0},
};

// Variable-length CDBs (0x7F, SBC-4 5.x (32)): the T10-PI commands type 2 needs, sorted by
// service action. Byte 1 is the CONTROL byte, 7 the ADDITIONAL CDB LENGTH (0x18, checked by
// the handler), 8-9 the service action, 10 RD/WR/VRPROTECT, DPO, FUA/BYTCHK, 12-19 the LBA,
// 20-23 EXPECTED INITIAL LOGICAL BLOCK REFERENCE TAG, 24-25 EXPECTED LOGICAL BLOCK
// APPLICATION TAG, 26-27 its mask, 28-31 the transfer length. Handlers: sbc_pi.cpp.
#define LIO_CDB32_USAGE(b10)                                                                 \
	{0xff, kCtl, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x18, 0x00, 0xff, b10, 0x00, 0xff, 0xff, 0xff, \
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	 0xff, 0xff}
constexpr OpcodeRow kVariableLength32[] = {
	{0x7f, 0x09, 32, D::kIn, kRead, "READ(32)", LIO_CDB32_USAGE(0xf8), handle_read32, nullptr, 0},
	{0x7f, 0x0a, 32, D::kOut, kRead, "VERIFY(32)", LIO_CDB32_USAGE(0xf6), handle_verify32,
	 nullptr, 0},
	{0x7f, 0x0b, 32, D::kOut, kWrite, "WRITE(32)", LIO_CDB32_USAGE(0xf8), handle_write32,
	 nullptr, 0},
	{0x7f, 0x0c, 32, D::kOut, kWrite | kRead, "WRITE AND VERIFY(32)", LIO_CDB32_USAGE(0xf6),
	 handle_write_and_verify32, nullptr, 0},
};
#undef LIO_CDB32_USAGE
// ---- copy offload ----
// THIRD-PARTY COPY OUT (0x83) and IN (0x84), sorted by service action. EXTENDED COPY's
// admission on the LUs it copies between is its handler's (spc_xcopy.cpp); on the copy
// manager LU itself it is an ordinary command. RECEIVE COPY RESULTS only reports (still
// refused under another nexus's SPC-2 reservation, as SPC-2 5.5.1 lists it nowhere).
constexpr OpcodeRow kThirdPartyCopyOut[] = {
	{0x83, 0x00, 16, D::kOut, 0, "EXTENDED COPY(LID1)",
	 {0xff, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	  0x00, kCtl},
	 handle_extended_copy, nullptr, 0},
};
constexpr OpcodeRow kThirdPartyCopyIn[] = {
	{0x84, 0x00, 16, D::kIn, kOpOkWhileNotReady, "RECEIVE COPY RESULTS(COPY STATUS)",
	 {0xff, 0x1f, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	  0x00, kCtl},
	 handle_receive_copy_results, nullptr, 0},
	{0x84, 0x03, 16, D::kIn, kOpOkWhileNotReady, "RECEIVE COPY RESULTS(OPERATING PARAMETERS)",
	 {0xff, 0x1f, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	  0x00, kCtl},
	 handle_receive_copy_results, nullptr, 0},
	{0x84, 0x04, 16, D::kIn, kOpOkWhileNotReady, "RECEIVE COPY RESULTS(FAILED SEGMENT DETAILS)",
	 {0xff, 0x1f, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	  0x00, kCtl},
	 handle_receive_copy_results, nullptr, 0},
};
// ---- persistent reservations ----
// PERSISTENT RESERVE IN/OUT, sorted by service action. Under an SPC-2 reservation of another
// nexus both conflict (SPC-4 5.12.3); under a persistent reservation their service actions
// decide (spc_pr.cpp). PR OUT: SCOPE and TYPE are checked by the service actions that use
// them, ignored by the others.
#define LIO_PR_IN(sa, name)                                                                \
	{0x5e, sa, 10, D::kIn, kOpPrAllowed, name,                                          \
	 {0xff, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, kCtl},                      \
	 handle_persistent_reserve_in, nullptr, 0}
#define LIO_PR_OUT(sa, name)                                                               \
	{0x5f, sa, 10, D::kOut, kOpPrAllowed, name,                                         \
	 {0xff, 0x1f, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, kCtl},                      \
	 handle_persistent_reserve_out, nullptr, 0}
constexpr OpcodeRow kPersistentReserveIn[] = {
	LIO_PR_IN(0x00, "PERSISTENT RESERVE IN READ KEYS"),
	LIO_PR_IN(0x01, "PERSISTENT RESERVE IN READ RESERVATION"),
	LIO_PR_IN(0x02, "PERSISTENT RESERVE IN REPORT CAPABILITIES"),
	LIO_PR_IN(0x03, "PERSISTENT RESERVE IN READ FULL STATUS"),
};
constexpr OpcodeRow kPersistentReserveOut[] = {
	LIO_PR_OUT(0x00, "PERSISTENT RESERVE OUT REGISTER"),
	LIO_PR_OUT(0x01, "PERSISTENT RESERVE OUT RESERVE"),
	LIO_PR_OUT(0x02, "PERSISTENT RESERVE OUT RELEASE"),
	LIO_PR_OUT(0x03, "PERSISTENT RESERVE OUT CLEAR"),
	LIO_PR_OUT(0x04, "PERSISTENT RESERVE OUT PREEMPT"),
	LIO_PR_OUT(0x05, "PERSISTENT RESERVE OUT PREEMPT AND ABORT"),
	LIO_PR_OUT(0x06, "PERSISTENT RESERVE OUT REGISTER AND IGNORE EXISTING KEY"),
	LIO_PR_OUT(0x07, "PERSISTENT RESERVE OUT REGISTER AND MOVE"),
};
#undef LIO_PR_IN
#undef LIO_PR_OUT
// MAINTENANCE OUT, sorted by service action.
constexpr OpcodeRow kMaintenanceOut[] = {
	{0xa4, 0x0a, 12, D::kOut, 0, "SET TARGET PORT GROUPS",
	 {0xff, 0x1f, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_set_target_port_groups, nullptr, 0},
};

template <usize N> constexpr u8 count_of(const OpcodeRow (&)[N]) { return static_cast<u8>(N); }

// Sorted by operation code. RESERVE/RELEASE: 3RDPTY, LONGID, extents and the parameter list
// (third-party device ids) are outside the masks, so they are INVALID FIELD IN CDB.
constexpr OpcodeRow kOpcodes[] = {
	{0x00, 0, 6, D::kNone, kOpPrAllowed, "TEST UNIT READY",
	 {0xff, 0x00, 0x00, 0x00, 0x00, kCtl}, handle_test_unit_ready, nullptr, 0},
	{0x03, 0, 6, D::kIn, kInfo, "REQUEST SENSE",
	 {0xff, 0x01, 0x00, 0x00, 0xff, kCtl}, handle_request_sense, nullptr, 0},
	{0x08, 0, 6, D::kIn, kRead, "READ(6)",
	 {0xff, 0x1f, 0xff, 0xff, 0xff, kCtl}, handle_read, nullptr, 0},
	{0x0a, 0, 6, D::kOut, kWrite, "WRITE(6)",
	 {0xff, 0x1f, 0xff, 0xff, 0xff, kCtl}, handle_write, nullptr, 0},
	{0x12, 0, 6, D::kIn, kInfo | kOpLegacyLunField, "INQUIRY",
	 {0xff, 0x01, 0xff, 0xff, 0xff, kCtl}, handle_inquiry, nullptr, 0},
	{0x15, 0, 6, D::kOut, 0, "MODE SELECT(6)",
	 {0xff, 0x11, 0x00, 0x00, 0xff, kCtl}, handle_mode_select, nullptr, 0},
	{0x16, 0, 6, D::kNone, kOpPrAllowed, "RESERVE(6)",
	 {0xff, 0x00, 0x00, 0x00, 0x00, kCtl}, handle_reserve, nullptr, 0},
	{0x17, 0, 6, D::kNone, kOpOkUnderConflict | kOpPrAllowed, "RELEASE(6)",
	 {0xff, 0x00, 0x00, 0x00, 0x00, kCtl}, handle_release, nullptr, 0},
	{0x1a, 0, 6, D::kIn, kOpPrRead, "MODE SENSE(6)",
	 {0xff, 0x08, 0xff, 0xff, 0xff, kCtl}, handle_mode_sense, nullptr, 0},
	{0x1b, 0, 6, D::kNone, 0, "START STOP UNIT",
	 {0xff, 0x01, 0x00, 0x00, 0x01, kCtl}, handle_start_stop_unit, nullptr, 0},
	{0x1e, 0, 6, D::kNone, kOpOkUnderConflict, "PREVENT ALLOW MEDIUM REMOVAL",
	 {0xff, 0x00, 0x00, 0x00, 0x03, kCtl}, handle_prevent_allow, nullptr, 0},
	{0x25, 0, 10, D::kIn, kOpPrAllowed, "READ CAPACITY(10)",
	 {0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, kCtl},
	 handle_read_capacity10, nullptr, 0},
	{0x28, 0, 10, D::kIn, kRead, "READ(10)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl}, handle_read, nullptr, 0},
	{0x2a, 0, 10, D::kOut, kWrite, "WRITE(10)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl}, handle_write, nullptr, 0},
	{0x2e, 0, 10, D::kOut, kWrite | kRead, "WRITE AND VERIFY(10)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl},
	 handle_write_and_verify, nullptr, 0},
	{0x2f, 0, 10, D::kOut, kRead, "VERIFY(10)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl}, handle_verify, nullptr, 0},
	{0x34, 0, 10, D::kNone, kOpPrRead, "PRE-FETCH(10)",
	 {0xff, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl},
	 handle_pre_fetch, nullptr, 0},
	{0x35, 0, 10, D::kNone, 0, "SYNCHRONIZE CACHE(10)",
	 {0xff, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl},
	 handle_synchronize_cache, nullptr, 0},
	// READ DEFECT DATA(10): REQ_PLIST, REQ_GLIST, DEFECT LIST FORMAT in byte 2.
	{0x37, 0, 10, D::kIn, kOpPrRead, "READ DEFECT DATA(10)",
	 {0xff, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, kCtl},
	 handle_read_defect_data, nullptr, 0},
	{0x41, 0, 10, D::kOut, kWrite, "WRITE SAME(10)",
	 {0xff, 0x08, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, kCtl},
	 handle_write_same, nullptr, 0},
	{0x42, 0, 10, D::kOut, kOpWritesMedium, "UNMAP",
	 {0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0xff, 0xff, kCtl}, handle_unmap, nullptr, 0},
	{0x55, 0, 10, D::kOut, 0, "MODE SELECT(10)",
	 {0xff, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, kCtl},
	 handle_mode_select, nullptr, 0},
	{0x56, 0, 10, D::kNone, kOpPrAllowed, "RESERVE(10)",
	 {0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, kCtl}, handle_reserve, nullptr, 0},
	{0x57, 0, 10, D::kNone, kOpOkUnderConflict | kOpPrAllowed, "RELEASE(10)",
	 {0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, kCtl}, handle_release, nullptr, 0},
	{0x5a, 0, 10, D::kIn, kOpPrRead, "MODE SENSE(10)",
	 {0xff, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, kCtl},
	 handle_mode_sense, nullptr, 0},
	{0x5e, 0, 10, D::kIn, kOpServiceAction, "PERSISTENT RESERVE IN", {0xff}, nullptr,
	 kPersistentReserveIn, count_of(kPersistentReserveIn)},
	{0x5f, 0, 10, D::kOut, kOpServiceAction, "PERSISTENT RESERVE OUT", {0xff}, nullptr,
	 kPersistentReserveOut, count_of(kPersistentReserveOut)},
	{0x7f, 0, 32, D::kNone, kOpServiceAction | kOpVariableLength, "VARIABLE LENGTH(32)",
	 {0xff}, nullptr, kVariableLength32, count_of(kVariableLength32)},
	{0x83, 0, 16, D::kOut, kOpServiceAction, "THIRD-PARTY COPY OUT", {0xff}, nullptr,
	 kThirdPartyCopyOut, count_of(kThirdPartyCopyOut)},
	{0x84, 0, 16, D::kIn, kOpServiceAction, "THIRD-PARTY COPY IN", {0xff}, nullptr,
	 kThirdPartyCopyIn, count_of(kThirdPartyCopyIn)},
	{0x88, 0, 16, D::kIn, kRead, "READ(16)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_read, nullptr, 0},
	{0x89, 0, 16, D::kOut, kWrite | kRead, "COMPARE AND WRITE",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff,
	  0x1f, kCtl},
	 handle_compare_and_write, nullptr, 0},
	{0x8a, 0, 16, D::kOut, kWrite, "WRITE(16)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_write, nullptr, 0},
	{0x8b, 0, 16, D::kOut, kWrite | kRead, "ORWRITE(16)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_orwrite, nullptr, 0},
	{0x8e, 0, 16, D::kOut, kWrite | kRead, "WRITE AND VERIFY(16)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_write_and_verify, nullptr, 0},
	{0x8f, 0, 16, D::kOut, kRead, "VERIFY(16)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_verify, nullptr, 0},
	{0x90, 0, 16, D::kNone, kOpPrRead, "PRE-FETCH(16)",
	 {0xff, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_pre_fetch, nullptr, 0},
	{0x91, 0, 16, D::kNone, 0, "SYNCHRONIZE CACHE(16)",
	 {0xff, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_synchronize_cache, nullptr, 0},
	{0x93, 0, 16, D::kOut, kWrite, "WRITE SAME(16)",
	 {0xff, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_write_same, nullptr, 0},
	// WRITE ATOMIC(16): ATOMIC BOUNDARY (bytes 10-11) is not supported, so outside the mask.
	{0x9c, 0, 16, D::kOut, kWrite, "WRITE ATOMIC(16)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff,
	  0x1f, kCtl},
	 handle_write_atomic16, nullptr, 0},
	{0x9e, 0, 16, D::kIn, kOpServiceAction, "SERVICE ACTION IN(16)", {0xff}, nullptr,
	 kServiceActionIn16, count_of(kServiceActionIn16)},
	{0xa0, 0, 12, D::kIn, kInfo, "REPORT LUNS",
	 {0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_report_luns, nullptr, 0},
	{0xa3, 0, 12, D::kIn, kOpServiceAction, "MAINTENANCE IN", {0xff}, nullptr,
	 kMaintenanceIn, count_of(kMaintenanceIn)},
	{0xa4, 0, 12, D::kOut, kOpServiceAction, "MAINTENANCE OUT", {0xff}, nullptr,
	 kMaintenanceOut, count_of(kMaintenanceOut)},
	{0xa8, 0, 12, D::kIn, kRead, "READ(12)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, kCtl},
	 handle_read, nullptr, 0},
	{0xaa, 0, 12, D::kOut, kWrite, "WRITE(12)",
	 {0xff, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, kCtl},
	 handle_write, nullptr, 0},
	{0xae, 0, 12, D::kOut, kWrite | kRead, "WRITE AND VERIFY(12)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, kCtl},
	 handle_write_and_verify, nullptr, 0},
	{0xaf, 0, 12, D::kOut, kRead, "VERIFY(12)",
	 {0xff, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, kCtl},
	 handle_verify, nullptr, 0},
	// READ DEFECT DATA(12): the flags in byte 1, ADDRESS DESCRIPTOR INDEX in 2..5.
	{0xb7, 0, 12, D::kIn, kOpPrRead, "READ DEFECT DATA(12)",
	 {0xff, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, kCtl},
	 handle_read_defect_data, nullptr, 0},
};

// Compile-time checks of the table's shape; the host tests check the rest row by row
// (handler presence too: a function's address is not a constant expression in the kernel
// build, where GCC may not assume it non-null).
constexpr bool rows_valid(const OpcodeRow *rows, usize n, bool sub) {
	for (usize i = 0; i < n; i++) {
		const OpcodeRow &r = rows[i];
		if (i > 0 && (sub ? rows[i - 1].service_action >= r.service_action
				  : rows[i - 1].opcode >= r.opcode))
			return false;
		if (r.cdb_length > OpcodeRow::kMaxUsage || r.cdb_length < 6)
			return false;
		if (r.usage[0] != 0xff)
			return false;
		if (r.has_service_actions()) {
			if (sub || !r.sa_rows || !r.sa_count)
				return false;
			if (!rows_valid(r.sa_rows, r.sa_count, true))
				return false;
			for (usize j = 0; j < r.sa_count; j++)
				if (r.sa_rows[j].opcode != r.opcode ||
				    r.sa_rows[j].cdb_length != r.cdb_length ||
				    r.sa_rows[j].service_action > 0x1f)
					return false;
		} else if (r.sa_rows) {
			return false;
		}
	}
	return true;
}
static_assert(rows_valid(kOpcodes, sizeof(kOpcodes) / sizeof(kOpcodes[0]), false),
	      "opcode table: sorted, masks start with 0xff, SA rows consistent");

// Operation code -> row index + 1 (0: no row), computed at compile time.
struct OpcodeIndex {
	u8 slot[256];
};
constexpr OpcodeIndex make_index() {
	OpcodeIndex ix{};
	for (usize i = 0; i < sizeof(kOpcodes) / sizeof(kOpcodes[0]); i++)
		ix.slot[kOpcodes[i].opcode] = static_cast<u8>(i + 1);
	return ix;
}
constexpr OpcodeIndex kOpcodeIndex = make_index();
static_assert(sizeof(kOpcodes) / sizeof(kOpcodes[0]) < 255, "index slots are u8");

// Maps an error without a sense reason from a handler to one.
SenseReason reason_for(const Error &e) {
	SenseReason r = reason_of(e);
	if (r != SenseReason::kNone && static_cast<u16>(r) < static_cast<u16>(SenseReason::kCount))
		return r;
	if (e.errno_value() == KABI_ENOMEM)
		return SenseReason::kInsufficientResources;
	return SenseReason::kInternalTargetFailure;
}

// The first (lowest byte, highest bit) CDB bit outside the row's usage mask.
// Byte 1 bits 7:5: the LUN in SCSI-2 (SPC-4 calls them reserved, SAM-2 obsolete).
constexpr u8 kLegacyLunBits = 0xe0;

bool first_reserved_bit(const Cdb &cdb, const OpcodeRow &row, u16 *byte, u8 *bit) {
	for (usize i = 0; i < row.cdb_length; i++) {
		u8 v = cdb[i];
		if (i == 1 && (row.flags & kOpLegacyLunField))
			v = static_cast<u8>(v & ~kLegacyLunBits);
		u8 bad = static_cast<u8>(v & ~row.usage[i]);
		if (bad) {
			*byte = static_cast<u16>(i);
			*bit = highest_bit(bad);
			return true;
		}
	}
	return false;
}

// Look-up and CDB checks: the row to run.
Result<const OpcodeRow *> look_up(Command &cmd) {
	if (cmd.cdb_length() == 0)
		return sense_error(SenseReason::kInvalidFieldInCommandIu);
	Cdb cdb = cmd.cdb();
	const OpcodeRow *row = find_opcode(cdb.opcode());
	if (!row)
		return sense_error(SenseReason::kInvalidOpcode);
	// A CDB shorter than its opcode's (SA included) is refused before any field is read;
	// longer ones are fine (iSCSI carries short CDBs in a 16-byte field).
	if (cmd.cdb_length() < row->cdb_length || cmd.cdb_length() > Command::kMaxCdbLength)
		return sense_error(SenseReason::kInvalidFieldInCdb);
	if (row->has_service_actions()) {
		if (row->flags & kOpVariableLength) {
			u16 v = cdb.be16(8);
			const OpcodeRow *sa = v <= 0xff ? find_service_action(*row, static_cast<u8>(v))
						       : nullptr;
			if (!sa)
				return cdb_field_error(cmd, 8, 7);
			row = sa;
		} else {
			const OpcodeRow *sa = find_service_action(*row, cdb.service_action());
			if (!sa)
				return cdb_field_error(cmd, 1, 4);
			row = sa;
		}
	}
	u16 byte;
	u8 bit;
	if (first_reserved_bit(cdb, *row, &byte, &bit))
		return cdb_field_error(cmd, byte, bit);
	return row;
}

// Responses and parameter lists of non-media commands are small; a non-contiguous buffer
// is bounced through at most this much contiguous scratch (longer responses are clipped,
// with the residual saying so; longer parameter lists are cut and fail their length checks).
constexpr usize kBounceMax = 64 * 1024;

// Runs the handler, bouncing non-contiguous data of rows without kOpDirectData.
Result<void> run(Command &cmd, LogicalUnit &lu, ItlNexus *nexus, const LunMap *luns,
		 const OpcodeRow &row) {
	DataBuf in = cmd.data_in();
	DataBuf out = cmd.data_out();
	usize in_len = 0, out_len = 0;
	u8 *scratch = nullptr;
	bool bounce_in = row.direction == DataDirection::kIn && !in.contiguous();
	bool bounce_out = row.direction == DataDirection::kOut && !out.contiguous();
	if (!(row.flags & kOpDirectData) && (bounce_in || bounce_out)) {
		in_len = bounce_in ? min(in.size(), kBounceMax) : 0;
		out_len = bounce_out ? min(out.size(), kBounceMax) : 0;
		scratch = static_cast<u8 *>(alloc_raw(in_len + out_len, Gfp::Kernel));
		if (!scratch)
			return sense_error(SenseReason::kInsufficientResources);
		MutableBytes in_view = cmd.data_in_buffer();
		Bytes out_view = cmd.data_out_buffer();
		if (in_len)
			in_view = MutableBytes(scratch, in_len);
		if (out_len) {
			MutableBytes o(scratch + in_len, out_len);
			out.copy_to(0, o);
			out_view = o;
		}
		cmd.set_bounce(in_view, out_view);
	}
	ExecContext ctx{cmd, lu, luns, row, nexus};
	Result<void> r = row.handler(ctx);
	if (r.is_ok() && in_len)
		in.copy_from(0, Bytes(scratch, min(cmd.data_in_length(), in_len)));
	free_raw(scratch);
	return r;
}

} // namespace

Span<const OpcodeRow> opcode_rows() {
	return Span<const OpcodeRow>(kOpcodes, sizeof(kOpcodes) / sizeof(kOpcodes[0]));
}

const OpcodeRow *find_opcode(u8 opcode) {
	u8 slot = kOpcodeIndex.slot[opcode];
	return slot ? &kOpcodes[slot - 1] : nullptr;
}

const OpcodeRow *find_service_action(const OpcodeRow &parent, u8 service_action) {
	for (const OpcodeRow &r : parent.service_actions())
		if (r.service_action == service_action)
			return &r;
	return nullptr;
}

namespace {

constexpr u8 kOpReportLuns = 0xa0;

// A passthrough LU (LogicalUnit::is_passthrough): the target keeps REPORT LUNS, the nexus's
// unit attentions and its write protection, decided by the engine's row for the CDB as in
// execute() (kOpOkWithUa, kOpWritesMedium; a CDB the engine does not know has neither); the
// device runs everything else, including INQUIRY, REQUEST SENSE, and reservations
// (pgr_support=0: the device arbitrates them, as LIO's passthrough PGR). The CDB is not
// checked against the row: the device judges its own CDBs.
void execute_passthrough(Command &cmd, LogicalUnit &lu, ItlNexus *nexus) {
	Cdb cdb = cmd.cdb();
	const OpcodeRow *row = cdb.size() ? find_opcode(cdb.opcode()) : nullptr;
	if (row && row->has_service_actions())
		row = find_service_action(*row, cdb.service_action());
	u16 flags = row ? row->flags : 0;
	if (nexus && !(flags & kOpOkWithUa)) {
		SenseReason ua = nexus->unit_attentions().take();
		if (ua != SenseReason::kNone) {
			cmd.complete_check_condition(ua);
			return;
		}
	}
	if ((flags & kOpWritesMedium) && lu.read_only()) {
		cmd.complete_check_condition(SenseReason::kWriteProtected);
		return;
	}
	SenseReason r = lu.pass_through(cmd);
	if (r != SenseReason::kNone)
		cmd.complete_check_condition(r);
	else if (!cmd.completed())
		cmd.complete_check_condition(SenseReason::kInternalTargetFailure);
}

} // namespace

void execute(Command &cmd, LogicalUnit &lu, ItlNexus *nexus, const LunMap *luns) {
	cmd.sense_detail() = SenseDetail();
	if (lu.is_passthrough() && !(cmd.cdb_length() && cmd.cdb()[0] == kOpReportLuns)) {
		execute_passthrough(cmd, lu, nexus);
		return;
	}
	Result<const OpcodeRow *> found = look_up(cmd);
	if (found.is_error()) {
		cmd.complete_check_condition(reason_for(found.error()));
		return;
	}
	const OpcodeRow &row = *found.value();
	if (nexus && !(row.flags & kOpOkWithUa)) {
		SenseReason ua = nexus->unit_attentions().take();
		if (ua != SenseReason::kNone) {
			cmd.complete_check_condition(ua);
			return;
		}
	}
	// ---- ALUA: the access state of the nexus's target port group (after unit attentions,
	// before reservations, as LIO) ----
	if (nexus) {
		SenseReason refused = alua_admission(*nexus, cmd.cdb(), row);
		if (refused != SenseReason::kNone) {
			cmd.complete_check_condition(refused);
			return;
		}
	}
	if (nexus && !(row.flags & kOpOkUnderConflict) &&
	    lu.state().reservation_conflict(nexus->it_nexus_id())) {
		cmd.complete_reservation_conflict();
		return;
	}
	// ---- persistent reservations ----
	if (nexus && pr_conflict(lu, *nexus, row.flags)) {
		cmd.complete_reservation_conflict();
		return;
	}
	Result<void> r;
	if ((row.flags & kOpWritesMedium) && lu.read_only())
		r = sense_error(SenseReason::kWriteProtected);
	else
		r = run(cmd, lu, nexus, luns, row);
	if (r.is_error())
		cmd.complete_check_condition(reason_for(r.error()));
	else if (!cmd.completed()) // a handler may complete with RESERVATION CONFLICT itself
		cmd.complete_good();
}

} // namespace lio::scsi
