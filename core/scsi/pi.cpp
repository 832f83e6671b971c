// SPDX-License-Identifier: GPL-2.0
// core/scsi/pi.cpp: CRC-16 T10-DIF and the per-tuple checks (see pi.h).
#include "core/scsi/pi.h"

namespace lio::scsi {

namespace {

struct CrcTable {
	u16 v[256];
};

constexpr CrcTable make_crc_table() {
	CrcTable t{};
	for (u32 i = 0; i < 256; i++) {
		u16 crc = static_cast<u16>(i << 8);
		for (int b = 0; b < 8; b++)
			crc = static_cast<u16>((crc & 0x8000) ? (crc << 1) ^ 0x8bb7 : crc << 1);
		t.v[i] = crc;
	}
	return t;
}

constexpr CrcTable kCrcTable = make_crc_table();

} // namespace

u16 crc_t10dif(u16 crc, const u8 *p, usize n) {
	for (usize i = 0; i < n; i++)
		crc = static_cast<u16>((crc << 8) ^ kCrcTable.v[((crc >> 8) ^ p[i]) & 0xff]);
	return crc;
}

SenseReason pi_check(const PiChecks &c, const PiTuple &t, u16 crc, u32 index) {
	if (t.app == kPiAppEscape && (c.type != 3 || t.ref == kPiRefEscape))
		return SenseReason::kNone;
	if (c.guard && t.guard != crc)
		return SenseReason::kLogicalBlockGuardCheckFailed;
	if (c.app && (t.app & c.app_mask) != (c.app_expected & c.app_mask))
		return SenseReason::kLogicalBlockAppTagCheckFailed;
	if (c.ref && c.type != 3 && t.ref != static_cast<u32>(c.ref_seed + index))
		return SenseReason::kLogicalBlockRefTagCheckFailed;
	return SenseReason::kNone;
}

} // namespace lio::scsi
