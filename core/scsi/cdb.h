// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/cdb.h: a bounds-checked view of a CDB and the LBA / transfer length fields of the
 * block commands per CDB size.
 *
 * Reading a byte past the CDB's end yields 0 rather than halting: the dispatcher has already
 * checked the length against the opcode table's row before any handler reads a field, so
 * this only matters to code that peeks before dispatch (the opcode, the service action).
 */
#ifndef LIO_CORE_SCSI_CDB_H
#define LIO_CORE_SCSI_CDB_H

#include "lio/span.h"
#include "lio/types.h"

namespace lio::scsi {

class Cdb final {
  public:
	constexpr Cdb() = default;
	explicit constexpr Cdb(Bytes bytes) : bytes_(bytes) {}

	constexpr usize size() const { return bytes_.size(); }
	constexpr Bytes bytes() const { return bytes_; }

	u8 operator[](usize i) const { return i < bytes_.size() ? bytes_.data()[i] : 0; }
	u8 opcode() const { return (*this)[0]; }
	// The 5-bit SERVICE ACTION of byte 1 (SERVICE ACTION IN/OUT, MAINTENANCE IN/OUT, PR).
	u8 service_action() const { return (*this)[1] & 0x1f; }
	bool bit(usize byte, unsigned b) const { return ((*this)[byte] >> b) & 1; }

	// Big-endian field of `width` bytes at `off` (0 outside the CDB, see above).
	u64 be(usize off, usize width) const {
		u64 v = 0;
		for (usize i = 0; i < width; i++)
			v = (v << 8) | (*this)[off + i];
		return v;
	}
	u16 be16(usize off) const { return static_cast<u16>(be(off, 2)); }
	u32 be24(usize off) const { return static_cast<u32>(be(off, 3)); }
	u32 be32(usize off) const { return static_cast<u32>(be(off, 4)); }
	u64 be64(usize off) const { return be(off, 8); }

	// CDB length implied by the group code (opcode bits 7:5), SPC-4 4.2.5.1; 32 for the
	// variable-length CDBs of SBC (0x7F: READ/WRITE/VERIFY/WRITE AND VERIFY(32)), 0 for the
	// rest of group 3 and the vendor-specific groups.
	static constexpr u8 length_for_opcode(u8 opcode) {
		if (opcode == 0x7f)
			return 32;
		switch (opcode >> 5) {
		case 0:
			return 6;
		case 1:
		case 2:
			return 10;
		case 4:
			return 16;
		case 5:
			return 12;
		default:
			return 0;
		}
	}

	// The LOGICAL BLOCK ADDRESS of a READ/WRITE/VERIFY/SYNCHRONIZE CACHE style CDB of
	// this size: 6: byte 1 bits 4:0 + bytes 2-3; 10/12: bytes 2-5; 16: bytes 2-9.
	u64 block_lba() const {
		switch (length_for_opcode(opcode())) {
		case 6:
			return be24(1) & 0x1fffff;
		case 10:
		case 12:
			return be32(2);
		case 16:
			return be64(2);
		default:
			return 0;
		}
	}
	// The TRANSFER LENGTH: 6: byte 4 with 0 meaning 256 (READ(6)/WRITE(6)); 10: bytes 7-8;
	// 12: bytes 6-9; 16: bytes 10-13.
	u32 block_transfer_length() const {
		switch (length_for_opcode(opcode())) {
		case 6:
			return (*this)[4] ? (*this)[4] : 256;
		case 10:
			return be16(7);
		case 12:
			return be32(6);
		case 16:
			return be32(10);
		default:
			return 0;
		}
	}
	// The byte where the TRANSFER LENGTH field starts (for field pointers).
	u16 block_transfer_length_offset() const {
		switch (length_for_opcode(opcode())) {
		case 6:
			return 4;
		case 10:
			return 7;
		case 12:
			return 6;
		default:
			return 10;
		}
	}

  private:
	Bytes bytes_;
};

} // namespace lio::scsi

#endif // LIO_CORE_SCSI_CDB_H
