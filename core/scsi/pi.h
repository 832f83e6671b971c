// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/pi.h: T10 protection information (SBC-4 4.22): the 8-byte tuple kept per logical
 * block (GUARD: CRC-16 T10-DIF of the block, polynomial 0x8BB7, initial value 0, no
 * reflection; APPLICATION TAG; REFERENCE TAG; big-endian), generated and checked here. The
 * storage behind it is the backend's (core/device.h); the rules of the PROTECT fields are
 * sbc_pi.cpp's.
 */
#ifndef LIO_CORE_SCSI_PI_H
#define LIO_CORE_SCSI_PI_H

#include "core/scsi/sense.h"
#include "lio/span.h"
#include "lio/types.h"

namespace lio::scsi {

inline constexpr u32 kPiTupleSize = 8;
inline constexpr u16 kPiAppEscape = 0xffff;
inline constexpr u32 kPiRefEscape = 0xffffffffu;

// CRC-16 T10-DIF of p[0..n) continuing from crc (0 to start).
u16 crc_t10dif(u16 crc, const u8 *p, usize n);

struct PiTuple {
	u16 guard = 0;
	u16 app = 0;
	u32 ref = 0;

	static PiTuple load(const u8 *p) {
		PiTuple t;
		t.guard = static_cast<u16>((p[0] << 8) | p[1]);
		t.app = static_cast<u16>((p[2] << 8) | p[3]);
		t.ref = (u32(p[4]) << 24) | (u32(p[5]) << 16) | (u32(p[6]) << 8) | p[7];
		return t;
	}
	void store(u8 *p) const {
		p[0] = static_cast<u8>(guard >> 8);
		p[1] = static_cast<u8>(guard);
		p[2] = static_cast<u8>(app >> 8);
		p[3] = static_cast<u8>(app);
		p[4] = static_cast<u8>(ref >> 24);
		p[5] = static_cast<u8>(ref >> 16);
		p[6] = static_cast<u8>(ref >> 8);
		p[7] = static_cast<u8>(ref);
	}
};

// The reference tag the device server generates for block `lba` (PROTECT = 0 writes):
// type 1 and 2: the low 32 bits of the LBA; type 3: the escape (not defined by the LBA).
inline u32 pi_generated_ref(u8 type, u64 lba) {
	return type == 3 ? kPiRefEscape : static_cast<u32>(lba);
}

// What to check of each tuple of one command.
struct PiChecks {
	u8 type = 0;        // pi_prot_type: 1, 2 or 3
	bool guard = false; // GUARD against the block's CRC
	bool ref = false;   // REFERENCE TAG against ref_seed + block index (types 1 and 2)
	bool app = false;   // APPLICATION TAG & app_mask against app_expected & app_mask
	u32 ref_seed = 0;
	u16 app_expected = 0;
	u16 app_mask = 0;
};

// Checks one tuple of block `index` of the command (its data's CRC is `crc`): kNone, or the
// guard / application tag / reference tag failure, in that order (SBC-4 4.22.3). A tuple
// with the escape (application tag 0xFFFF; type 3: and reference tag 0xFFFFFFFF) is not
// checked.
SenseReason pi_check(const PiChecks &c, const PiTuple &t, u16 crc, u32 index);

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_PI_H
