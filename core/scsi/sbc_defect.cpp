// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc_defect.cpp: READ DEFECT DATA(10) and (12) (SBC-4 5.17, 5.18).
 *
 * Every backstore is a device without medium defects to report: its primary (PLIST) and
 * grown (GLIST) defect lists exist and are empty. The answer is the parameter data header:
 * PLISTV / GLISTV as REQ_PLIST / REQ_GLIST asked (the requested list is returned, with no
 * descriptor in it), DEFECT LIST FORMAT as requested, DEFECT LIST LENGTH 0. An empty list is
 * exact in every defined format (000b..101b, and 110b, the vendor-specific one, which is ours
 * to define), so none is "not supported" and SBC's RECOVERED ERROR / DEFECT LIST NOT FOUND
 * (for a format the device cannot give) never applies; 111b is reserved: INVALID FIELD IN
 * CDB. DEFECT LIST NOT FOUND as a MEDIUM ERROR is for a device that cannot read its lists,
 * which is not the case either. (12): GENERATION CODE 0 (not supported); any ADDRESS
 * DESCRIPTOR INDEX is past the end of an empty list, so the header alone is returned.
 */
#include "core/scsi/handlers.h"

namespace lio::scsi {

namespace {

constexpr u8 kReqPlist = 0x10;
constexpr u8 kReqGlist = 0x08;
constexpr u8 kFormatMask = 0x07;
constexpr u8 kFormatReserved = 0x07;

} // namespace

Result<void> handle_read_defect_data(ExecContext &ctx) {
	Cdb cdb = ctx.cmd.cdb();
	bool twelve = ctx.row.cdb_length == 12;
	u16 flags_byte = twelve ? 1 : 2;
	u8 flags = cdb[flags_byte];
	if ((flags & kFormatMask) == kFormatReserved)
		return cdb_field_error(ctx.cmd, flags_byte, 2);
	u8 b1 = static_cast<u8>(flags & (kReqPlist | kReqGlist | kFormatMask)); // PLISTV, GLISTV
	if (twelve) {
		Response r(ctx.cmd, cdb.be32(6));
		r.put(1, b1);
		// 2..3 GENERATION CODE 0, 4..7 DEFECT LIST LENGTH 0.
		r.extend(8);
		r.finish();
	} else {
		Response r(ctx.cmd, cdb.be16(7));
		r.put(1, b1);
		// 2..3 DEFECT LIST LENGTH 0.
		r.extend(4);
		r.finish();
	}
	return {};
}

} // namespace lio::scsi
