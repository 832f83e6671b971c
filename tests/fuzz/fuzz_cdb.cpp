// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_cdb.cpp: libFuzzer target for the SCSI command engine's dispatcher
 * (core/scsi/opcode_table.h execute()): arbitrary CDB bytes and lengths, data-in capacities
 * (allocation lengths are in the CDB), data-out sizes, D_SENSE and LU attributes, buffers cut
 * into scatter-gather segments, and an I_T_L nexus with pending unit attentions and SPC-2
 * reservations; EXTENDED COPY can reach the LU itself as its copy target.
 *
 * Input: [0] CDB length (mod 40), [1..2] data-in capacity, [3..4] data-out size, [5] flags
 * (D_SENSE, read-only, attribute bits), [6] when bit 7 of [5] is set, the opcode is taken from
 * the table (index mod rows) so valid commands are reached quickly, [7] nexus flags (bits 0-1:
 * data-in segmentation, 2-3: data-out segmentation, 4: a nexus, 5: the LU reserved by another
 * nexus, 6: by this one, 7: unit attentions pending), [8] segment length seed; then the CDB,
 * then data.
 *
 * Checks: the engine never touches memory outside the buffers (ASan; every segment is its own
 * allocation), the fake LU is only asked for in-range blocks, and the command always completes
 * GOOD or CONDITION MET (no sense, data-in within the buffer), RESERVATION CONFLICT (only when
 * another nexus holds the LU; no sense, no data) or CHECK CONDITION with well-formed fixed or
 * descriptor sense and no data. A pending unit attention is consumed only by the command that
 * reports it (CHECK CONDITION with UNIT ATTENTION, or REQUEST SENSE).
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/scsi/command.h"
#include "core/scsi/logical_unit.h"
#include "core/scsi/nexus.h"
#include "core/scsi/opcode_table.h"

using namespace lio;
using namespace lio::scsi;

namespace {

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_cdb: check failed: %s (line %d)\n", #cond,    \
				__LINE__);                                                 \
			abort();                                                           \
		}                                                                          \
	} while (0)

class FuzzLu final : public LogicalUnit {
  public:
	u32 block_size() const override { return bs; }
	u64 num_blocks() const override { return nb; }
	LuIdentity identity() const override {
		LuIdentity id;
		id.vendor = str_view("LIO-ORG");
		id.product = str_view("FUZZ");
		id.revision = str_view("4.0");
		id.unit_serial = StrView(serial_text.data(), serial ? serial_text.size() : 0);
		id.lu_name = str_view(named ? "iqn.2003-01.org.linux-iscsi.fuzz:lu" : "");
		return id;
	}
	LuAttributes attributes() const override { return attrs; }
	bool read_only() const override { return ro; }
	Result<void> read(u64 lba, u32 blocks, const DataBuf &dst) override {
		CHECK(blocks > 0 && lba < nb && blocks <= nb - lba);
		CHECK(dst.size() == u64(blocks) * bs);
		dst.fill(0, dst.size(), static_cast<u8>(lba));
		return fail ? Result<void>(Error::from_errno(KABI_EIO)) : Result<void>();
	}
	Result<void> write(u64 lba, u32 blocks, const DataBuf &src, bool) override {
		CHECK(!ro);
		CHECK(blocks > 0 && lba < nb && blocks <= nb - lba);
		CHECK(src.size() == u64(blocks) * bs);
		volatile u8 sink = 0;
		// ASan checks every byte we are told is there.
		(void)src.for_each_segment([&](MutableBytes m) {
			for (usize i = 0; i < m.size(); i += 97)
				sink = sink ^ m.data()[i];
			sink = sink ^ m.data()[m.size() - 1];
			return Result<void>();
		});
		(void)sink;
		return fail ? Result<void>(Error::from_errno(KABI_EIO)) : Result<void>();
	}
	Result<void> flush(u64 lba, u64 blocks) override {
		CHECK(lba <= nb && blocks <= nb - lba);
		return {};
	}
	Result<void> unmap(u64 lba, u64 blocks) override {
		CHECK(lba <= nb && blocks <= nb - lba);
		return {};
	}
	Result<void> write_zeroes(u64 lba, u64 blocks) override {
		CHECK(lba <= nb && blocks <= nb - lba);
		return {};
	}
	LuState &state() override { return lu_state; }
	void post_unit_attention_others(const ItlNexus *, SenseReason r) override {
		CHECK(r != SenseReason::kNone);
	}
	~FuzzLu() = default;

	LuState lu_state;

	u32 bs = 512;
	u64 nb = 64;
	bool ro = false, fail = false, serial = true, named = false;
	LuAttributes attrs;
	std::string serial_text = "0123456789abcdef-0123-4567-89ab";
};

class FuzzNexus final : public ItlNexus {
  public:
	u64 it_nexus_id() const override { return 7; }
	UnitAttentionQueue &unit_attentions() override { return ua; }
	const TargetPortInfo *target_port() const override { return &port; }
	CopyResults *copy_results() override { return &copies; }
	~FuzzNexus() = default;
	UnitAttentionQueue ua;
	CopyResults copies;
	TargetPortInfo port{3, 1, 0x5, lio::str_view("iqn.2003-01.org.linux-iscsi.fuzz:target"), true, 0};
};

// A buffer of `size` bytes as a DataBuf: flat (mode 0) or cut into separately allocated
// segments whose lengths follow `seed`.
class SgBuffer {
  public:
	SgBuffer(const u8 *init, usize size, unsigned mode, u8 seed) {
		if (mode == 0) {
			pieces_.push_back(static_cast<u8 *>(malloc(size ? size : 1)));
			segs_.push_back({pieces_[0], size});
		} else {
			usize off = 0;
			for (unsigned i = 0; off < size || i == 0; i++) {
				usize n = mode == 1 ? 1 + (seed + i * 37) % 13
				        : mode == 2 ? 1 + (seed * 7 + i * 131) % 700
						    : ((seed + i) % 5 == 0 ? 0 : 512);
				if (n > size - off)
					n = size - off;
				u8 *p = static_cast<u8 *>(malloc(n ? n : 1));
				pieces_.push_back(p);
				segs_.push_back({p, n});
				off += n;
				if (i > 100000)
					break;
			}
		}
		usize off = 0;
		for (const DataSegment &sg : segs_) {
			if (init)
				memcpy(sg.data, init + off, sg.len);
			off += sg.len;
		}
	}
	~SgBuffer() {
		for (u8 *p : pieces_)
			free(p);
	}
	DataBuf buf() const { return DataBuf(Span<const DataSegment>(segs_.data(), segs_.size())); }
	std::vector<u8> flat(usize n) const {
		std::vector<u8> out(n);
		buf().copy_to(0, MutableBytes(out.data(), n));
		return out;
	}

  private:
	std::vector<u8 *> pieces_;
	std::vector<DataSegment> segs_;
};

// Copy offload: the LU itself is the one copy target EXTENDED COPY can reach (when its
// designator matches), held and released like the session's; a huge LU is not offered (a
// fuzzed copy of gigabytes would only cost time).
class FuzzLuns final : public LunMap {
  public:
	void for_each_lun(LunVisitor &v) const override {
		for (u64 i = 0; i < count; i++)
			v.visit(i * 3);
	}
	HeldLu *hold_lu(const LuMatcher &m) const override {
		if (!lu || lu->nb > 1024 || !m.matches(*lu))
			return nullptr;
		held++;
		return new Held(*lu, held);
	}
	~FuzzLuns() { CHECK(held == 0); }
	u64 count = 0;
	FuzzLu *lu = nullptr;
	mutable int held = 0;

  private:
	class Held final : public HeldLu {
	  public:
		Held(FuzzLu &lu, int &count) : lu_(lu), count_(count) {}
		~Held() = default;
		LogicalUnit &lu() override { return lu_; }
		void release() override {
			count_--;
			delete this;
		}

	  private:
		FuzzLu &lu_;
		int &count_;
	};
};

void check_sense(const Command &cmd) {
	Bytes s = cmd.sense();
	CHECK(s.size() >= 8);
	u8 code = s.data()[0] & 0x7f;
	if (code == 0x70) {
		CHECK(s.size() == 18);
		CHECK(s.data()[7] == 10);
		u8 key = s.data()[2] & 0x0f;
		CHECK(key != 0);
		CHECK((s.data()[2] & 0xf0) == 0);
		u8 sks = s.data()[15];
		CHECK(sks == 0 || (sks & 0x80));
	} else {
		CHECK(s.data()[0] == 0x72);
		CHECK(s.data()[1] != 0 && s.data()[1] <= 0x0f);
		CHECK(usize(s.data()[7]) + 8 == s.size());
		// Descriptors tile the additional sense bytes exactly.
		usize off = 8;
		while (off < s.size()) {
			CHECK(off + 2 <= s.size());
			off += 2 + s.data()[off + 1];
		}
		CHECK(off == s.size());
	}
	CHECK(cmd.data_in_length() == 0);
}

// VPD pages: the page length covers what was sent; designators of 0x83 tile the page.
void check_vpd(const Command &cmd, const u8 *in) {
	Cdb cdb = cmd.cdb();
	if (cdb.opcode() != 0x12 || !(cdb[1] & 1) || cmd.data_in_length() < 4)
		return;
	usize page_len = (usize(in[2]) << 8 | in[3]) + 4;
	CHECK(cmd.data_in_length() <= page_len);
	if (cdb[2] != 0x83 || cmd.data_in_length() != page_len)
		return;
	usize off = 4;
	while (off < page_len) {
		CHECK(off + 4 <= page_len);
		off += 4 + in[off + 3];
	}
	CHECK(off == page_len);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 9)
		return 0;
	usize cdb_len = data[0] % 40;
	usize in_cap = (usize(data[1]) << 8 | data[2]) % 8192;
	usize out_len = (usize(data[3]) << 8 | data[4]) % 8192;
	u8 flags = data[5];
	u8 pick = data[6];
	u8 nflags = data[7];
	u8 seed = data[8];
	data += 9;
	size -= 9;

	std::vector<u8> cdb(cdb_len, 0);
	for (usize i = 0; i < cdb_len && i < size; i++)
		cdb[i] = data[i];
	if ((flags & 0x80) && cdb_len > 0) {
		Span<const OpcodeRow> rows = opcode_rows();
		const OpcodeRow &r = rows[pick % rows.size()];
		cdb[0] = r.opcode;
		if (r.has_service_actions() && cdb_len > 1) {
			Span<const OpcodeRow> sa = r.service_actions();
			cdb[1] = static_cast<u8>((cdb[1] & 0xe0) | sa[(pick >> 4) % sa.size()].service_action);
		}
	}
	usize used = cdb_len < size ? cdb_len : size;
	usize out_size = out_len < size - used ? out_len : size - used;
	// Exactly-sized heap buffers (per segment): ASan flags any byte past them.
	SgBuffer out(data + used, out_size, (nflags >> 2) & 3, seed);
	SgBuffer in(nullptr, in_cap, nflags & 3, static_cast<u8>(seed * 3 + 1));
	std::vector<u8> out_before = out.flat(out_size);

	FuzzLu lu;
	lu.ro = flags & 0x02;
	lu.fail = (flags & 0x0c) == 0x0c;
	lu.serial = !(flags & 0x10);
	lu.named = flags & 0x20;
	if ((pick & 0x30) == 0x30)
		lu.serial_text.assign((pick * 7u) % 300, 'f'); // up to LIO's 254 and past it
	if (flags & 0x40) {
		lu.bs = 4096;
		lu.nb = 0x100000000ull + 5; // past READ CAPACITY(10)'s 32 bits
	}
	lu.attrs.emulate_tpu = pick & 1;
	lu.attrs.emulate_tpws = pick & 2;
	lu.attrs.emulate_fua_write = !(pick & 4);
	lu.attrs.emulate_write_cache = pick & 8;
	lu.attrs.emulate_caw = !(seed & 0x80);
	lu.attrs.hw_max_sectors = (flags & 0x08) ? 8 : 0;
	lu.attrs.max_unmap_block_desc_count = 4;
	lu.attrs.max_unmap_lba_count = 1u << 20;
	lu.attrs.max_write_same_len = 64;
	FuzzLuns luns;
	luns.count = pick % 5;
	luns.lu = &lu;

	FuzzNexus nexus;
	bool have_nexus = nflags & 0x10;
	bool other_holds = have_nexus && (nflags & 0x20);
	if (other_holds)
		CHECK(lu.lu_state.reserve(99));
	else if (nflags & 0x40)
		CHECK(lu.lu_state.reserve(nexus.it_nexus_id()));
	if (nflags & 0x80) {
		nexus.ua.post(SenseReason::kPowerOnResetOccurred);
		nexus.ua.post(SenseReason::kReportedLunsDataChanged);
	}
	SenseReason first_ua = nexus.ua.peek();

	Command cmd(Bytes(cdb.data(), cdb.size()), in.buf(), out.buf());
	cmd.descriptor_sense = flags & 0x01;
	execute(cmd, lu, have_nexus ? &nexus : nullptr, (flags & 0x04) ? nullptr : &luns);

	CHECK(cmd.completed());
	CHECK(out.flat(out_size) == out_before); // data-out is never written
	if (cmd.status() == ScsiStatus::kGood || cmd.status() == ScsiStatus::kConditionMet) {
		CHECK(cmd.sense().size() == 0);
		CHECK(cmd.data_in_length() <= in_cap);
		CHECK(cmd.sense_reason() == SenseReason::kNone);
		std::vector<u8> got = in.flat(cmd.data_in_length());
		got.resize(cmd.data_in_length() + 4, 0);
		check_vpd(cmd, got.data());
	} else if (cmd.status() == ScsiStatus::kReservationConflict) {
		CHECK(other_holds);
		CHECK(cmd.sense().size() == 0);
		CHECK(cmd.data_in_length() == 0);
	} else {
		CHECK(cmd.status() == ScsiStatus::kCheckCondition);
		CHECK(cmd.sense_reason() != SenseReason::kNone);
		check_sense(cmd);
		if (cmd.sense_reason() == first_ua && have_nexus)
			CHECK(nexus.ua.peek() != first_ua); // reported once, then gone
	}
	if (have_nexus && cmd.sense_reason() != first_ua && first_ua != SenseReason::kNone &&
	    cdb_len && cdb[0] != 0x03 && cdb[0] != 0xa0)
		CHECK(nexus.ua.pending()); // nobody else consumes it
	return 0;
}
