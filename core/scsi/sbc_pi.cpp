// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi/sbc_pi.cpp: READ, WRITE, VERIFY and WRITE AND VERIFY (10/12/16, and 32 for type 2)
 * on a logical unit formatted with protection information (attributes().pi_prot_type 1, 2 or
 * 3; SBC-4 4.22).
 *
 * The PROTECT field (RDPROTECT / WRPROTECT / VRPROTECT, byte 1 bits 7:5) says whether the
 * tuples travel with the data and what the device server checks:
 *   PROTECT   read/verify: checks of the stored tuple       write: checks of the sent tuple
 *   000b      GUARD, REF (type 1); tuples stripped           none: the target generates them
 *   001b/101b GUARD, REF (type 1); tuples sent               GUARD, REF (type 1); stored
 *   010b      REF (type 1)                                   REF (type 1)
 *   011b      none                                           none
 *   100b      GUARD                                          GUARD
 *   110b/111b INVALID FIELD IN CDB
 * REF: the reference tag equals the low 32 bits of the block's LBA (type 1; type 2: see the
 * 32-byte CDBs below); type 3 has no reference tag to check. The application tag is not
 * checked by the 10/12/16-byte CDBs (they carry no expected value; ATO = 1 keeps it the
 * initiator's). A tuple with the escape (application
 * tag 0xFFFF; type 3: and reference tag 0xFFFFFFFF) is not checked. attrib/pi_prot_verify = 0
 * turns every check off, as LIO. A failed check is ABORTED COMMAND, LOGICAL BLOCK GUARD /
 * APPLICATION TAG / REFERENCE TAG CHECK FAILED (10/01-03) with INFORMATION = the block's LBA.
 *
 * Transports here have no separate protection buffer (iSCSI over TCP, tcm_loop as it
 * registers no DIF capability): with PROTECT != 0 the tuples travel interleaved, 8 bytes after
 * each block, and the expected transfer length is blocks * (block size + 8). Data goes
 * through a bounded scratch buffer chunk by chunk (BlockScratch) to be checked or split.
 */
#include "core/scsi/handlers.h"
#include "core/scsi/pi.h"
#include "lio/alloc.h"

namespace lio::scsi {

namespace {

// The checks of PROTECT value `protect` (1..5, or 0 on a read/verify) on an LU of type `type`.
PiChecks checks_for(u8 protect, u8 type, bool verify, u64 lba) {
	PiChecks c;
	c.type = type;
	c.ref_seed = static_cast<u32>(lba);
	if (!verify)
		return c;
	switch (protect) {
	case 0:
	case 1:
	case 5:
		c.guard = true;
		c.ref = type == 1;
		break;
	case 2:
		c.ref = type == 1;
		break;
	case 4:
		c.guard = true;
		break;
	default: // 3: nothing
		break;
	}
	return c;
}

// Checks `n` tuples of blocks starting at command block `first` against their data.
Result<void> check_tuples(ExecContext &ctx, const PiChecks &c, u64 lba, u32 first, u32 n,
			  const u8 *data, const u8 *pi) {
	if (!c.guard && !c.ref && !c.app)
		return {};
	u32 bs = ctx.lu.block_size();
	for (u32 i = 0; i < n; i++) {
		u16 crc = c.guard ? crc_t10dif(0, data + usize(i) * bs, bs) : 0;
		SenseReason r = pi_check(c, PiTuple::load(pi + usize(i) * kPiTupleSize), crc, first + i);
		if (r != SenseReason::kNone) {
			SenseDetail &d = ctx.cmd.sense_detail();
			d.has_information = true;
			d.information = lba + first + i;
			return sense_error(r);
		}
	}
	return {};
}

// Scratch for one chunk: data blocks and their tuples.
class PiScratch final {
  public:
	PiScratch(u32 block_size, u64 blocks) : data_(block_size, blocks) {
		if (data_.ok())
			pi_ = static_cast<u8 *>(alloc_raw(usize(data_.blocks()) * kPiTupleSize, Gfp::Kernel));
	}
	~PiScratch() { free_raw(pi_); }
	PiScratch(const PiScratch &) = delete;
	PiScratch &operator=(const PiScratch &) = delete;

	bool ok() const { return pi_ != nullptr; }
	u32 blocks() const { return data_.blocks(); }
	MutableBytes data(u32 n) const { return data_.bytes(n); }
	MutableBytes pi(u32 n) const { return MutableBytes(pi_, usize(n) * kPiTupleSize); }

  private:
	BlockScratch data_;
	u8 *pi_ = nullptr;
};

// Reads blocks [lba + first, + n) and their tuples into s, checked per c.
Result<void> read_checked(ExecContext &ctx, const PiChecks &c, PiScratch &s, u64 lba, u32 first,
			  u32 n) {
	MutableBytes data = s.data(n);
	MutableBytes pi = s.pi(n);
	Result<void> r = ctx.lu.read(lba + first, n, DataBuf(data));
	if (r.is_ok())
		r = ctx.lu.read_pi(lba + first, n, pi);
	if (r.is_error())
		return io_error(r.error(), SenseReason::kUnrecoveredReadError);
	return check_tuples(ctx, c, lba, first, n, data.data(), pi.data());
}

Error miscompare_at(ExecContext &ctx, u64 offset) {
	SenseDetail &d = ctx.cmd.sense_detail();
	d.has_information = true;
	d.information = offset;
	return sense_error(SenseReason::kMiscompareDuringVerify);
}

} // namespace

Result<u8> pi_protect_field(ExecContext &ctx) {
	LuAttributes a = ctx.lu.attributes();
	u8 protect = ctx.cmd.cdb()[1] >> 5;
	if (!protect)
		return protect;
	// Type 2 takes protection information through the 32-byte CDBs only.
	if (a.pi_prot_type == 0 || a.pi_prot_type == 2 || protect > 5)
		return cdb_field_error(ctx.cmd, 1, 7);
	return protect;
}

bool pi_path(ExecContext &ctx, u8 protect) {
	LuAttributes a = ctx.lu.attributes();
	return a.pi_prot_type && (protect || a.pi_prot_verify);
}

namespace {

// READ on a PI LU with RDPROTECT != 0 or verification on: whole units (block, and its tuple
// when RDPROTECT != 0) as far as data-in holds them; residual as handle_read's.

Result<void> pi_read_units(ExecContext &ctx, u64 lba, u32 len, u8 protect, const PiChecks &c) {
	u32 bs = ctx.lu.block_size();
	u64 unit = bs + (protect ? kPiTupleSize : 0);
	DataBuf buf = ctx.cmd.data_in();
	u64 have = buf.size();
	u64 want = u64(len) * unit;
	u32 whole = want <= have ? len : static_cast<u32>(have / unit);
	if (whole) {
		PiScratch s(bs, whole);
		if (!s.ok())
			return sense_error(SenseReason::kInsufficientResources);
		for (u32 done = 0; done < whole;) {
			u32 n = min(s.blocks(), whole - done);
			TRY(read_checked(ctx, c, s, lba, done, n));
			if (!protect) {
				buf.copy_from(usize(done) * bs, Bytes(s.data(n).data(), usize(n) * bs));
			} else {
				for (u32 i = 0; i < n; i++) {
					usize at = usize(done + i) * unit;
					buf.copy_from(at, Bytes(s.data(n).data() + usize(i) * bs, bs));
					buf.copy_from(at + bs, Bytes(s.pi(n).data() + usize(i) * kPiTupleSize,
								     kPiTupleSize));
				}
			}
			done += n;
		}
	}
	u64 made = u64(whole) * unit;
	ctx.cmd.set_data_in_length(made);
	if (want > made)
		ctx.cmd.set_residual(Residual::kOverflow, want - made);
	else if (have > want)
		ctx.cmd.set_residual(Residual::kUnderflow, have - want);
	return {};
}

// WRITE / WRITE AND VERIFY with WRPROTECT != 0: data-out holds block + tuple units; whole
// units are written (data_out_blocks' rules with the unit size), each chunk's tuples checked
// before anything of the chunk is written. compare: read the chunk back and compare (BYTCHK 1;
// INFORMATION = the byte offset in data-out).
// protect = 0 (32-byte CDBs only): data-out is blocks only and the tuples are generated
// (GUARD = CRC, APPLICATION TAG 0, REFERENCE TAG gen_ref + block index).
Result<void> pi_write_units(ExecContext &ctx, u64 lba, u32 len, u8 protect, const PiChecks &c,
			    u32 gen_ref, bool fua, bool compare) {
	u32 bs = ctx.lu.block_size();
	u64 unit = bs + (protect ? kPiTupleSize : 0);
	DataBuf out = ctx.cmd.data_out();
	u64 have = out.size();
	u64 want = u64(len) * unit;
	u32 n_all = len;
	if (have != want) {
		if (have < want && have % unit)
			return transfer_length_mismatch(ctx.cmd, want);
		ctx.cmd.set_data_out_residual(want);
		if (have < want)
			n_all = static_cast<u32>(have / unit);
	}
	if (!n_all)
		return {};
	PiScratch s(bs, n_all);
	BlockScratch back(bs, compare ? s.blocks() : 1);
	if (!s.ok() || !back.ok())
		return sense_error(SenseReason::kInsufficientResources);
	LuState::SharedWrite serial(ctx.lu.state());
	for (u32 done = 0; done < n_all;) {
		u32 n = min(s.blocks(), n_all - done);
		MutableBytes data = s.data(n);
		MutableBytes pi = s.pi(n);
		for (u32 i = 0; i < n; i++) {
			usize at = usize(done + i) * unit;
			u8 *d = data.data() + usize(i) * bs;
			u8 *t = pi.data() + usize(i) * kPiTupleSize;
			out.copy_to(at, MutableBytes(d, bs));
			if (protect) {
				out.copy_to(at + bs, MutableBytes(t, kPiTupleSize));
			} else {
				PiTuple g;
				g.guard = crc_t10dif(0, d, bs);
				g.ref = gen_ref + done + i;
				g.store(t);
			}
		}
		if (protect)
			TRY(check_tuples(ctx, c, lba, done, n, data.data(), pi.data()));
		Result<void> r = ctx.lu.write_pi(lba + done, n, DataBuf(data), Bytes(pi.data(), pi.size()),
						 fua || compare);
		if (r.is_error())
			return io_error(r.error(), SenseReason::kWriteError);
		if (compare) {
			MutableBytes got = back.bytes(n);
			r = ctx.lu.read(lba + done, n, DataBuf(got));
			if (r.is_error())
				return io_error(r.error(), SenseReason::kUnrecoveredReadError);
			for (u32 i = 0; i < n; i++) {
				const u8 *x = data.data() + usize(i) * bs;
				const u8 *y = got.data() + usize(i) * bs;
				for (u32 b = 0; b < bs; b++)
					if (x[b] != y[b])
						return miscompare_at(ctx, u64(done + i) * unit + b);
			}
		}
		done += n;
	}
	return {};
}

// VERIFY on a PI LU (VRPROTECT != 0 or verification on): the stored tuples are checked as a
// read's (the table above); BYTCHK 01b compares each block with data-out's, whose units carry
// a tuple when VRPROTECT != 0 (not compared: the stored one is what is checked); 11b compares
// data-out's one block with every block. INFORMATION of a miscompare: the byte offset in
// data-out (01b) or in the blocks read (11b), as handle_verify.
Result<void> pi_verify_units(ExecContext &ctx, u64 lba, u32 blocks, u8 protect, u8 bytchk,
			     const PiChecks &c) {
	u32 bs = ctx.lu.block_size();
	u64 unit = bs + (protect ? kPiTupleSize : 0);
	u64 want = bytchk == 0 || blocks == 0 ? 0 : bytchk == 1 ? u64(blocks) * unit : unit;
	DataBuf expected = ctx.cmd.data_out();
	if (expected.size() != want)
		return transfer_length_mismatch(ctx.cmd, want);
	if (!blocks)
		return {};
	PiScratch s(bs, blocks);
	if (!s.ok())
		return sense_error(SenseReason::kInsufficientResources);
	for (u32 done = 0; done < blocks;) {
		u32 n = min(s.blocks(), blocks - done);
		TRY(read_checked(ctx, c, s, lba, done, n));
		if (bytchk) {
			for (u32 i = 0; i < n; i++) {
				usize diff = 0;
				Bytes got(s.data(n).data() + usize(i) * bs, bs);
				usize at = bytchk == 1 ? usize(done + i) * unit : 0;
				if (!expected.compare(at, got, &diff))
					return miscompare_at(ctx, bytchk == 1 ? at + diff
									      : u64(done + i) * bs + diff);
			}
		}
		done += n;
	}
	return {};
}

} // namespace

Result<void> pi_read(ExecContext &ctx, u64 lba, u32 len, u8 protect) {
	LuAttributes a = ctx.lu.attributes();
	return pi_read_units(ctx, lba, len, protect,
			     checks_for(protect, a.pi_prot_type, a.pi_prot_verify, lba));
}

Result<void> pi_write(ExecContext &ctx, u64 lba, u32 len, u8 protect, bool fua, bool compare) {
	LuAttributes a = ctx.lu.attributes();
	return pi_write_units(ctx, lba, len, protect,
			      checks_for(protect, a.pi_prot_type, a.pi_prot_verify, lba), 0, fua,
			      compare);
}

Result<void> pi_verify(ExecContext &ctx, u64 lba, u32 blocks, u8 protect, u8 bytchk) {
	LuAttributes a = ctx.lu.attributes();
	return pi_verify_units(ctx, lba, blocks, protect, bytchk,
			       checks_for(protect, a.pi_prot_type, a.pi_prot_verify, lba));
}

// ---- the 32-byte CDBs (SBC-4 5.16 READ(32), 5.34 VERIFY(32), 5.42 WRITE(32), 5.46 WRITE AND
// VERIFY(32)) ----
// Only an LU formatted with type 2 protection runs them; on any other they are INVALID
// COMMAND OPERATION CODE (SBC-4). Type 2's reference tag of block i is the CDB's EXPECTED
// INITIAL LOGICAL BLOCK REFERENCE TAG + i (checked where the table above checks type 1's,
// and generated so by WRPROTECT = 0); the application tag is checked against EXPECTED
// LOGICAL BLOCK APPLICATION TAG under LOGICAL BLOCK APPLICATION TAG MASK when the mask is
// not 0 (and PROTECT is not 011b). On 10/12/16-byte CDBs a type 2 LU takes PROTECT = 0 only
// (INVALID FIELD IN CDB otherwise, as LIO) and checks the guard of what it reads.

namespace {

struct Cdb32 {
	u64 lba;
	u32 len;
	u8 protect;
	u8 b10;
	PiChecks checks;
	u32 eilbrt;
};

Result<Cdb32> parse32(ExecContext &ctx, bool has_fua) {
	LuAttributes a = ctx.lu.attributes();
	if (a.pi_prot_type != 2)
		return sense_error(SenseReason::kInvalidOpcode);
	Cdb cdb = ctx.cmd.cdb();
	if (cdb[7] != 0x18)
		return cdb_field_error(ctx.cmd, 7, 7); // ADDITIONAL CDB LENGTH
	Cdb32 c{};
	c.b10 = cdb[10];
	c.protect = c.b10 >> 5;
	if (c.protect > 5)
		return cdb_field_error(ctx.cmd, 10, 7);
	if (cdb.bit(10, 4) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 10, 4); // DPO
	if (has_fua && cdb.bit(10, 3) && !a.emulate_fua_write)
		return cdb_field_error(ctx.cmd, 10, 3); // FUA
	c.lba = cdb.be64(12);
	c.len = cdb.be32(28);
	c.eilbrt = cdb.be32(20);
	if (a.hw_max_sectors && c.len > a.hw_max_sectors)
		return cdb_field_error(ctx.cmd, 28, 7);
	TRY(check_lba_range(ctx, c.lba, c.len));
	c.checks = checks_for(c.protect, 1, a.pi_prot_verify, c.lba); // type 1's table ...
	c.checks.type = 2;                                             // ... for type 2
	c.checks.ref_seed = c.eilbrt;
	u16 mask = cdb.be16(26);
	c.checks.app = a.pi_prot_verify && mask && c.protect != 3;
	c.checks.app_expected = cdb.be16(24);
	c.checks.app_mask = mask;
	return c;
}

} // namespace

Result<void> handle_read32(ExecContext &ctx) {
	Cdb32 c = TRY(parse32(ctx, true));
	return pi_read_units(ctx, c.lba, c.len, c.protect, c.checks);
}

Result<void> handle_write32(ExecContext &ctx) {
	Cdb32 c = TRY(parse32(ctx, true));
	return pi_write_units(ctx, c.lba, c.len, c.protect, c.checks, c.eilbrt, (c.b10 >> 3) & 1,
			      false);
}

Result<void> handle_verify32(ExecContext &ctx) {
	Cdb32 c = TRY(parse32(ctx, false));
	u8 bytchk = (c.b10 >> 1) & 0x03;
	if (bytchk == 2)
		return cdb_field_error(ctx.cmd, 10, 2);
	return pi_verify_units(ctx, c.lba, c.len, c.protect, bytchk, c.checks);
}

Result<void> handle_write_and_verify32(ExecContext &ctx) {
	Cdb32 c = TRY(parse32(ctx, false));
	u8 bytchk = (c.b10 >> 1) & 0x03;
	if (bytchk > 1)
		return cdb_field_error(ctx.cmd, 10, 2);
	return pi_write_units(ctx, c.lba, c.len, c.protect, c.checks, c.eilbrt, true, bytchk == 1);
}

} // namespace lio::scsi
